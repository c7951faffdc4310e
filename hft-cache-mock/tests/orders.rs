//! Order types and parameters over real HTTP: `quoteOrderQty`, `LIMIT_MAKER`, client order ids,
//! `newOrderRespType`, resting orders that fill when the market moves through them (visible in
//! `myTrades`, `allOrders` and the balances), cancel-all, test orders and `expiryReason`.

mod common;

use std::time::Duration;

use common::{assert_shape, signed, Answer};
use hft_cache_mock::MockExchange;
use reqwest::Method;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

/// A book that does not move on its own: every change is the test's.
async fn still_exchange() -> MockExchange {
    common::builder()
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap()
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

async fn order(ex: &MockExchange, params: &[(&str, &str)]) -> Answer {
    let mut all = vec![("symbol", "BTCUSDT")];
    all.extend_from_slice(params);
    signed(ex, Method::POST, "/api/v3/order", &all).await
}

async fn best(ex: &MockExchange) -> (Decimal, Decimal) {
    let d = common::get(ex, "/api/v3/depth?symbol=BTCUSDT&limit=1")
        .await
        .body;
    (dec_of(&d["bids"][0][0]), dec_of(&d["asks"][0][0]))
}

async fn balance(ex: &MockExchange, asset: &str) -> (Decimal, Decimal) {
    let a = signed(ex, Method::GET, "/api/v3/account", &[]).await.body;
    let b = a["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == asset)
        .cloned()
        .unwrap();
    (dec_of(&b["free"]), dec_of(&b["locked"]))
}

const ACK: &[(&str, &str)] = &[
    ("symbol", "string"),
    ("orderId", "number"),
    ("orderListId", "number"),
    ("clientOrderId", "string"),
    ("transactTime", "number"),
];

const RESULT_EXTRA: &[(&str, &str)] = &[
    ("price", "string"),
    ("origQty", "string"),
    ("executedQty", "string"),
    ("origQuoteOrderQty", "string"),
    ("cummulativeQuoteQty", "string"),
    ("status", "string"),
    ("timeInForce", "string"),
    ("type", "string"),
    ("side", "string"),
    ("workingTime", "number"),
    ("selfTradePreventionMode", "string"),
];

#[tokio::test]
async fn new_order_resp_types_ack_result_full_have_the_documented_fields() {
    let ex = still_exchange().await;
    let base = [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")];
    let ack = order(&ex, &[&base[..], &[("newOrderRespType", "ACK")]].concat()).await;
    assert_shape(&ack.body, ACK);

    let result = order(
        &ex,
        &[&base[..], &[("newOrderRespType", "RESULT")]].concat(),
    )
    .await;
    let want: Vec<_> = ACK.iter().chain(RESULT_EXTRA).copied().collect();
    assert_shape(&result.body, &want);

    // MARKET and LIMIT default to FULL.
    let full = order(&ex, &base).await;
    let want: Vec<_> = ACK
        .iter()
        .chain(RESULT_EXTRA)
        .chain(&[("fills", "array")])
        .copied()
        .collect();
    assert_shape(&full.body, &want);
    assert_shape(
        &full.body["fills"][0],
        &[
            ("price", "string"),
            ("qty", "string"),
            ("commission", "string"),
            ("commissionAsset", "string"),
            ("tradeId", "number"),
        ],
    );
    let bad = order(&ex, &[&base[..], &[("newOrderRespType", "ALL")]].concat()).await;
    assert_eq!(bad.code(), Some(-1100));
    ex.shutdown().await;
}

#[tokio::test]
async fn accepted_orders_carry_the_order_count_headers() {
    let ex = still_exchange().await;
    let base = [("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")];
    let first = order(&ex, &base).await;
    let second = order(&ex, &base).await;
    assert_eq!(first.header("x-mbx-order-count-10s"), Some("1"));
    assert_eq!(second.header("x-mbx-order-count-10s"), Some("2"));
    assert_eq!(second.header("x-mbx-order-count-1d"), Some("2"));
    let test = signed(
        &ex,
        Method::POST,
        "/api/v3/order/test",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.001"),
        ],
    )
    .await;
    assert_eq!(
        test.header("x-mbx-order-count-10s"),
        None,
        "a test order is not counted"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn market_order_by_quote_order_qty_spends_at_most_that() {
    let ex = still_exchange().await;
    let before = balance(&ex, "USDT").await;
    let a = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quoteOrderQty", "1000"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let o = &a.body;
    let spent = dec_of(&o["cummulativeQuoteQty"]);
    assert_eq!(o["status"], "FILLED");
    assert_eq!(dec_of(&o["origQuoteOrderQty"]), dec!(1000));
    assert!(spent <= dec!(1000) && spent > dec!(990), "{spent}");
    let qty = dec_of(&o["executedQty"]);
    assert_eq!(qty, dec_of(&o["origQty"]));
    assert!(
        (qty / dec!(0.00001)).fract().is_zero(),
        "on the step size: {qty}"
    );
    assert_eq!(balance(&ex, "USDT").await.0, before.0 - spent);

    // Selling for a quote amount receives at most that.
    let s = order(
        &ex,
        &[
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quoteOrderQty", "500"),
        ],
    )
    .await;
    assert!(dec_of(&s.body["cummulativeQuoteQty"]) <= dec!(500));

    let both = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.1"),
            ("quoteOrderQty", "10"),
        ],
    )
    .await;
    assert_eq!(both.code(), Some(-1106));
    let on_limit = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("price", "50000"),
            ("quoteOrderQty", "10"),
        ],
    )
    .await;
    assert_eq!(on_limit.code(), Some(-1106));
    ex.shutdown().await;
}

#[tokio::test]
async fn limit_maker_rests_or_is_rejected_when_it_would_take() {
    let ex = still_exchange().await;
    let (bid, ask) = best(&ex).await;
    let take = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.01"),
            ("price", &ask.to_string()),
        ],
    )
    .await;
    assert_eq!((take.status, take.code()), (400, Some(-2010)));
    assert_eq!(take.body["msg"], "Order would immediately match and take.");
    let sell_take = order(
        &ex,
        &[
            ("side", "SELL"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.01"),
            ("price", &bid.to_string()),
        ],
    )
    .await;
    assert_eq!(sell_take.code(), Some(-2010));

    let make = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT_MAKER"),
            ("quantity", "0.01"),
            ("price", &bid.to_string()),
        ],
    )
    .await;
    assert_eq!(make.status, 200, "{}", make.body);
    assert_eq!(
        (make.body["status"].as_str(), make.body["type"].as_str()),
        (Some("NEW"), Some("LIMIT_MAKER"))
    );
    assert_eq!(make.body["fills"], serde_json::json!([]));
    assert_eq!(
        balance(&ex, "USDT").await.1,
        bid * dec!(0.01),
        "its funds are locked"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn client_order_ids_are_unique_among_open_orders_and_address_orders() {
    let ex = still_exchange().await;
    let (bid, _) = best(&ex).await;
    let low = (bid - dec!(100)).to_string();
    let resting = [
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.01"),
        ("price", low.as_str()),
        ("newClientOrderId", "my-order-1"),
    ];
    let first = order(&ex, &resting).await;
    assert_eq!(first.body["clientOrderId"], "my-order-1");
    let dup = order(&ex, &resting).await;
    assert_eq!(
        (dup.code(), dup.body["msg"].as_str()),
        (Some(-2010), Some("Duplicate order sent."))
    );
    let empty = order(&ex, &[&resting[..5], &[("newClientOrderId", "")]].concat()).await;
    assert_eq!(empty.code(), Some(-1118));

    let by_client = signed(
        &ex,
        Method::GET,
        "/api/v3/order",
        &[("symbol", "BTCUSDT"), ("origClientOrderId", "my-order-1")],
    )
    .await;
    assert_eq!(by_client.body["orderId"], first.body["orderId"]);
    let id = first.body["orderId"].to_string();
    let mismatch = signed(
        &ex,
        Method::GET,
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("orderId", &id),
            ("origClientOrderId", "other"),
        ],
    )
    .await;
    assert_eq!(mismatch.code(), Some(-2013), "both given: both must match");

    let cancel = signed(
        &ex,
        Method::DELETE,
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("origClientOrderId", "my-order-1"),
            ("newClientOrderId", "cxl-1"),
        ],
    )
    .await;
    assert_eq!(cancel.body["status"], "CANCELED");
    assert_eq!(cancel.body["origClientOrderId"], "my-order-1");
    assert_eq!(cancel.body["clientOrderId"], "cxl-1");
    // Once the first is no longer open, its client order id may be used again.
    let again = order(&ex, &resting).await;
    assert_eq!(again.status, 200, "{}", again.body);
    ex.shutdown().await;
}

#[tokio::test]
async fn resting_orders_fill_when_the_market_moves_through_them() {
    let ex = still_exchange().await;
    let (bid, ask) = best(&ex).await;
    let buy_price = bid - dec!(50);
    let sell_price = ask + dec!(50);
    let (usdt0, _) = balance(&ex, "USDT").await;
    let (btc0, _) = balance(&ex, "BTC").await;
    let buy = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.2"),
            ("price", &buy_price.to_string()),
        ],
    )
    .await;
    let sell = order(
        &ex,
        &[
            ("side", "SELL"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.1"),
            ("price", &sell_price.to_string()),
        ],
    )
    .await;
    assert_eq!(
        (buy.body["status"].as_str(), sell.body["status"].as_str()),
        (Some("NEW"), Some("NEW"))
    );
    assert_eq!(
        balance(&ex, "USDT").await,
        (usdt0 - buy_price * dec!(0.2), buy_price * dec!(0.2))
    );

    // Not far enough: nothing fills.
    assert!(ex.move_price("BTCUSDT", buy_price + dec!(0.01)));
    let open = signed(
        &ex,
        Method::GET,
        "/api/v3/openOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await;
    assert_eq!(open.body.as_array().unwrap().len(), 2);

    // Through the buy, then up through the sell.
    assert!(ex.move_price("BTCUSDT", buy_price - dec!(1)));
    assert!(ex.move_price("BTCUSDT", sell_price + dec!(1)));
    let open = signed(
        &ex,
        Method::GET,
        "/api/v3/openOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await;
    assert_eq!(open.body, serde_json::json!([]));

    let all = signed(
        &ex,
        Method::GET,
        "/api/v3/allOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await
    .body;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    for o in all {
        assert_eq!(o["status"], "FILLED");
        assert_eq!(o["executedQty"], o["origQty"]);
    }
    assert_eq!(
        dec_of(&all[0]["cummulativeQuoteQty"]),
        buy_price * dec!(0.2),
        "at its own price"
    );

    let trades = signed(
        &ex,
        Method::GET,
        "/api/v3/myTrades",
        &[("symbol", "BTCUSDT")],
    )
    .await
    .body;
    let trades = trades.as_array().unwrap();
    assert_eq!(trades.len(), 2);
    assert_shape(
        &trades[0],
        &[
            ("symbol", "string"),
            ("id", "number"),
            ("orderId", "number"),
            ("orderListId", "number"),
            ("price", "string"),
            ("qty", "string"),
            ("quoteQty", "string"),
            ("commission", "string"),
            ("commissionAsset", "string"),
            ("time", "number"),
            ("isBuyer", "bool"),
            ("isMaker", "bool"),
            ("isBestMatch", "bool"),
        ],
    );
    assert_eq!(
        (
            trades[0]["isBuyer"].as_bool(),
            trades[0]["isMaker"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(dec_of(&trades[0]["price"]), buy_price);
    assert_eq!(trades[1]["isBuyer"], false);
    let by_order = signed(
        &ex,
        Method::GET,
        "/api/v3/myTrades",
        &[
            ("symbol", "BTCUSDT"),
            ("orderId", &sell.body["orderId"].to_string()),
        ],
    )
    .await
    .body;
    assert_eq!(by_order.as_array().unwrap().len(), 1);

    // The fills are public trades too.
    let public = common::get(&ex, "/api/v3/trades?symbol=BTCUSDT").await.body;
    assert!(public
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == trades[0]["id"]));

    let proceeds = sell_price * dec!(0.1);
    assert_eq!(
        balance(&ex, "USDT").await,
        (usdt0 - buy_price * dec!(0.2) + proceeds, dec!(0))
    );
    assert_eq!(
        balance(&ex, "BTC").await,
        (btc0 + dec!(0.2) - dec!(0.1), dec!(0))
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn cancel_all_open_orders_of_a_symbol() {
    let ex = still_exchange().await;
    let (bid, _) = best(&ex).await;
    for i in 0..3 {
        let p = (bid - Decimal::from(10 * (i + 1))).to_string();
        order(
            &ex,
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", &p),
            ],
        )
        .await;
    }
    let (_, locked) = balance(&ex, "USDT").await;
    assert!(locked > dec!(0));
    let cancelled = signed(
        &ex,
        Method::DELETE,
        "/api/v3/openOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let items = cancelled.body.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|o| o["status"] == "CANCELED"));
    assert_eq!(balance(&ex, "USDT").await.1, dec!(0), "everything unlocked");
    let again = signed(
        &ex,
        Method::DELETE,
        "/api/v3/openOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await;
    assert_eq!(again.code(), Some(-2011));
    ex.shutdown().await;
}

#[tokio::test]
async fn test_orders_validate_and_place_nothing() {
    let ex = still_exchange().await;
    let path = "/api/v3/order/test";
    let ok = signed(
        &ex,
        Method::POST,
        path,
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", "50000"),
        ],
    )
    .await;
    assert_eq!((ok.status, &ok.body), (200, &serde_json::json!({})));
    let rates = signed(
        &ex,
        Method::POST,
        path,
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.01"),
            ("computeCommissionRates", "true"),
        ],
    )
    .await;
    assert!(rates.body["standardCommissionForOrder"]["maker"].is_string());
    let bad = signed(
        &ex,
        Method::POST,
        path,
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.000001"),
            ("price", "50000"),
        ],
    )
    .await;
    assert_eq!(bad.code(), Some(-1013));
    let open = signed(
        &ex,
        Method::GET,
        "/api/v3/allOrders",
        &[("symbol", "BTCUSDT")],
    )
    .await;
    assert_eq!(open.body, serde_json::json!([]));
    ex.shutdown().await;
}

#[tokio::test]
async fn expired_orders_say_why() {
    let ex = still_exchange().await;
    let (bid, _) = best(&ex).await;
    let p = (bid - dec!(100)).to_string();
    let ioc = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "IOC"),
            ("quantity", "0.01"),
            ("price", &p),
        ],
    )
    .await;
    assert_eq!(ioc.body["status"], "EXPIRED");
    assert_eq!(ioc.body["expiryReason"], "UNFILLED_IOC_QUANTITY_EXPIRED");
    let fok = order(
        &ex,
        &[
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "FOK"),
            ("quantity", "0.01"),
            ("price", &p),
        ],
    )
    .await;
    assert_eq!(fok.body["expiryReason"], "UNFILLED_FOK_ORDER_EXPIRED");
    let query = signed(
        &ex,
        Method::GET,
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("orderId", &fok.body["orderId"].to_string()),
        ],
    )
    .await;
    assert_eq!(query.body["expiryReason"], "UNFILLED_FOK_ORDER_EXPIRED");
    // An order that did not expire has no expiryReason at all.
    let filled = order(
        &ex,
        &[("side", "BUY"), ("type", "MARKET"), ("quantity", "0.01")],
    )
    .await;
    assert!(filled.body.get("expiryReason").is_none());
    ex.shutdown().await;
}
