//! The Binance mock probed with hostile numbers: every request is answered with Binance's
//! error JSON, nothing panics, and the connection that carried the probes still serves.

mod common;

use std::time::Duration;

use common::{signed, Answer, KEY, SECRET};
use hft_cache_mock::{MockExchange, SymbolSpec};
use reqwest::Method;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const DECIMAL_MAX: &str = "79228162514264337593543950335";

/// BTCUSDT as usual, and BIGUSDT whose filters let any number through, so that only the
/// mock's own arithmetic stands between a hostile number and an overflow.
async fn exchange() -> MockExchange {
    let big = SymbolSpec::new("BIGUSDT", "BIG", "USDT", dec!(60000))
        .qty_range(dec!(0.00001), Decimal::MAX)
        .price_range(dec!(0.01), Decimal::MAX)
        .max_notional(Decimal::MAX);
    MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .symbol_spec(big)
        .balance("USDT", dec!(100000))
        .balance("BTC", dec!(2))
        .balance("BIG", Decimal::MAX)
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

async fn order(ex: &MockExchange, params: &[(&str, &str)]) -> Answer {
    signed(ex, Method::POST, "/api/v3/order", params).await
}

/// Refused with one of `codes`; with no codes, answered: filled (200) or refused with a code.
fn assert_refused(answer: &Answer, codes: &[i64], case: &str) {
    if codes.is_empty() && answer.status == 200 {
        assert!(
            answer.body["orderId"].is_u64()
                || answer.body.as_object().is_some_and(|o| o.is_empty()),
            "{case}: {}",
            answer.body
        );
        return;
    }
    assert_eq!(answer.status, 400, "{case}: {}", answer.body);
    let code = answer
        .code()
        .unwrap_or_else(|| panic!("{case}: {}", answer.body));
    assert!(
        codes.is_empty() || codes.contains(&code),
        "{case}: {}",
        answer.body
    );
    assert!(answer.body["msg"].is_string(), "{case}: {}", answer.body);
}

/// A probe: its name, the order's parameters, and the codes it may be refused with.
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static [i64],
);

#[tokio::test]
async fn hostile_order_numbers_get_binances_errors_and_the_mock_keeps_serving() {
    let ex = exchange().await;
    let market = |sym: &'static str, side: &'static str, field: &'static str, v: &'static str| {
        vec![
            ("symbol", sym),
            ("side", side),
            ("type", "MARKET"),
            (field, v),
        ]
    };
    let limit = |sym: &'static str, price: &'static str, qty: &'static str| {
        vec![
            ("symbol", sym),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("price", price),
            ("quantity", qty),
        ]
    };
    let cases: Vec<Case> = vec![
        // Not in Binance's form ^([0-9]{1,20})(\.[0-9]{1,20})?$: -1100.
        (
            "quoteOrderQty = Decimal::MAX",
            market("BTCUSDT", "BUY", "quoteOrderQty", DECIMAL_MAX),
            &[-1100],
        ),
        (
            "quoteOrderQty = Decimal::MAX, sell",
            market("BIGUSDT", "SELL", "quoteOrderQty", DECIMAL_MAX),
            &[-1100],
        ),
        (
            "quantity = Decimal::MAX",
            market("BIGUSDT", "BUY", "quantity", DECIMAL_MAX),
            &[-1100],
        ),
        (
            "negative quantity",
            market("BTCUSDT", "SELL", "quantity", "-1"),
            &[-1100],
        ),
        (
            "negative quote",
            market("BTCUSDT", "BUY", "quoteOrderQty", "-100"),
            &[-1100],
        ),
        (
            "exponent",
            market("BTCUSDT", "BUY", "quantity", "1e5"),
            &[-1100],
        ),
        (
            "21 digits",
            market("BTCUSDT", "BUY", "quantity", "123456789012345678901"),
            &[-1100],
        ),
        (
            "21 decimals",
            market("BTCUSDT", "BUY", "quantity", "0.000000000000000000001"),
            &[-1100],
        ),
        (
            "trailing point",
            market("BTCUSDT", "BUY", "quantity", "1."),
            &[-1100],
        ),
        (
            "leading point",
            market("BTCUSDT", "BUY", "quantity", ".5"),
            &[-1100],
        ),
        (
            "plus sign",
            market("BTCUSDT", "BUY", "quantity", "+1"),
            &[-1100],
        ),
        ("NaN", market("BTCUSDT", "BUY", "quantity", "NaN"), &[-1100]),
        ("infinity", limit("BTCUSDT", "inf", "1"), &[-1100]),
        // More decimals than the assets' precision (8): -1111.
        (
            "9 decimals",
            market("BTCUSDT", "BUY", "quantity", "0.000000001"),
            &[-1111],
        ),
        (
            "9 decimal quote",
            market("BTCUSDT", "BUY", "quoteOrderQty", "100.123456789"),
            &[-1111],
        ),
        (
            "9 decimal price",
            limit("BTCUSDT", "50000.000000001", "0.001"),
            &[-1111],
        ),
        // In form but past the filters: -1013.
        (
            "huge quantity",
            market("BTCUSDT", "BUY", "quantity", "99999999999999999999"),
            &[-1013],
        ),
        (
            "huge price",
            limit("BTCUSDT", "99999999999999999999.99999999", "0.001"),
            &[-1013],
        ),
        // In form and within BIGUSDT's filters: price × quantity overflows a Decimal.
        (
            "price × qty overflows",
            limit(
                "BIGUSDT",
                "99999999999999999999.99999999",
                "99999999999999999999",
            ),
            &[-1013],
        ),
        // A quote amount larger than the book: it takes what the book has, or the balance
        // refuses it; either way an answer.
        (
            "huge quote",
            market(
                "BTCUSDT",
                "BUY",
                "quoteOrderQty",
                "99999999999999999999.99999999",
            ),
            &[],
        ),
        (
            "huge quote, big book",
            market(
                "BIGUSDT",
                "BUY",
                "quoteOrderQty",
                "99999999999999999999.99999999",
            ),
            &[],
        ),
    ];
    for (case, params, codes) in &cases {
        let answer = order(&ex, params).await;
        assert_refused(&answer, codes, case);
        let tested = signed(&ex, Method::POST, "/api/v3/order/test", params).await;
        assert_refused(&tested, codes, &format!("{case} (test order)"));
    }
    // Selling all of a Decimal::MAX balance: price × quantity overflows in the fills.
    let sell_all = order(
        &ex,
        &market(
            "BIGUSDT",
            "SELL",
            "quantity",
            "99999999999999999999.99999999",
        ),
    )
    .await;
    assert!(
        sell_all.status == 200 || sell_all.code().is_some(),
        "{}",
        sell_all.body
    );

    // The mock is whole: an ordinary order still fills (on the bids: the huge quote took the
    // asks).
    let fine = order(&ex, &market("BTCUSDT", "SELL", "quantity", "0.001")).await;
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert_eq!(fine.body["status"], "FILLED");
    ex.shutdown().await;
}

#[tokio::test]
async fn hostile_times_and_ids_on_market_data_are_answered() {
    let ex = exchange().await;
    let max = u64::MAX.to_string();
    let over = "18446744073709551616"; // u64::MAX + 1
    let queries = [
        format!("/api/v3/klines?symbol=BTCUSDT&interval=1M&startTime={max}"),
        format!("/api/v3/klines?symbol=BTCUSDT&interval=1w&startTime=0&endTime={max}"),
        format!("/api/v3/klines?symbol=BTCUSDT&interval=1s&endTime=0&limit={max}"),
        format!("/api/v3/klines?symbol=BTCUSDT&interval=1d&startTime={max}&endTime={max}"),
        "/api/v3/avgPrice?symbol=BTCUSDT".to_owned(),
        "/api/v3/ticker/24hr?symbol=BTCUSDT".to_owned(),
        format!("/api/v3/aggTrades?symbol=BTCUSDT&fromId={max}"),
        format!("/api/v3/aggTrades?symbol=BTCUSDT&startTime={max}&endTime={max}"),
        format!("/api/v3/trades?symbol=BTCUSDT&limit={max}"),
        format!("/api/v3/depth?symbol=BTCUSDT&limit={max}"),
        format!("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={over}"),
        "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=-1".to_owned(),
    ];
    let http = reqwest::Client::new();
    for query in &queries {
        let response = http
            .get(format!("{}{query}", ex.http_url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{query}: the mock dropped the connection: {e}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            status == 200 || (status == 400 && body["code"].is_i64()),
            "{query}: {status} {body}"
        );
    }
    let answer = common::get(&ex, "/api/v3/ping").await;
    assert_eq!(answer.status, 200);
    ex.shutdown().await;
}

#[tokio::test]
async fn hostile_timestamps_and_receive_windows_are_refused_not_panicked_on() {
    let ex = exchange().await;
    let max = u64::MAX.to_string();
    for (query, code) in [
        (format!("timestamp={max}"), -1021),
        ("timestamp=18446744073709551616".to_owned(), -1100),
        (
            format!("timestamp={}&recvWindow={max}", common::now_ms()),
            -1131,
        ),
        (
            format!("timestamp={}&recvWindow=1.0000001", common::now_ms()),
            -1111,
        ),
        ("timestamp=-5".to_owned(), -1100),
    ] {
        let answer = common::signed_raw(&ex, Method::GET, "/api/v3/account", &query, "").await;
        assert_eq!(answer.code(), Some(code), "{query}: {}", answer.body);
    }
    ex.shutdown().await;
}
