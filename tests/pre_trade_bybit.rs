//! The pre-trade controls on Bybit v5: rules from `instruments-info` (`priceFilter`,
//! `lotSizeFilter`) agree with the Bybit mock's own filters, and the throttle defaults to
//! Bybit's published order limit.

use std::time::Duration;

use hft_cache::exchange::bybit::{Bybit, InstrumentsInfo, OrderIds};
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::pre_trade::{Limits, PreTrade, Refusal, Rule, Throttle, TradingRules};
use hft_cache::StaticCache;
use hft_cache_mock::bybit::BybitMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";
const KEY: &str = "key";
const SECRET: &str = "secret";

/// The Bybit mock's codes for an order its filters reject (price off the tick, quantity off
/// the step, below the minimum or above the maximum, value out of bounds).
const FILTER_CODES: [i64; 6] = [170134, 170137, 170136, 170381, 170140, 170124];

async fn mock() -> BybitMock {
    BybitMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(1000000000000))
        .start()
        .await
        .unwrap()
}

fn client(mock: &BybitMock) -> hft_cache::exchange::SignedClientBuilder<Bybit> {
    SignedClient::builder_for(Bybit, mock.http_url())
        .api_key(KEY)
        .secret(SECRET)
}

async fn rules(mock: &BybitMock) -> StaticCache<String, TradingRules> {
    let public = client(mock).build().unwrap();
    let rules = StaticCache::<String, TradingRules>::builder()
        .name("bybit-rules")
        .max_age(Duration::from_secs(60))
        .loader(move || {
            let public = public.clone();
            async move {
                let info: InstrumentsInfo = public
                    .public_get("/v5/market/instruments-info", &[("category", "spot")])
                    .await?;
                Ok::<_, RequestError>(
                    info.list
                        .iter()
                        .map(|i| (i.symbol.clone(), TradingRules::from_bybit(i)))
                        .collect::<Vec<_>>(),
                )
            }
        })
        .build()
        .unwrap();
    rules.refresh().await.unwrap();
    rules
}

fn limit_buy(qty: &str, price: &str) -> serde_json::Value {
    serde_json::json!({
        "category": "spot", "symbol": SYMBOL, "side": "Buy", "orderType": "Limit",
        "timeInForce": "GTC", "qty": qty, "price": price,
    })
}

#[tokio::test]
async fn rules_from_instruments_info_agree_with_the_mocks_filters() {
    let by = mock().await;
    let controls = PreTrade::builder()
        .rules(rules(&by).await)
        .allow_undecided()
        .defaults(Limits::none())
        .throttle(Throttle::new(10_000, Duration::from_secs(1)).unwrap())
        .build()
        .unwrap();
    let checked = client(&by).pre_trade(controls).build().unwrap();
    let unchecked = client(&by).build().unwrap();
    let prices = ["59000", "59000.01", "59000.001", "0.01", "0.005", "61000.5"];
    let qtys = [
        "0.000048",
        "0.000047",
        "0.000049",
        "0.0000485",
        "1",
        "10000",
        "10000.000001",
        "0.00002",
        "0.001",
    ];
    let (mut passed, mut refused) = (0, 0);
    for price in prices {
        for qty in qtys {
            let order = limit_buy(qty, price);
            match checked
                .signed_post::<OrderIds, _>("/v5/order/create", &order)
                .await
            {
                Ok(_) => passed += 1,
                Err(RequestError::PreTrade(r)) if r.rule().is_venue_filter() => {
                    refused += 1;
                    let theirs = unchecked
                        .signed_post::<OrderIds, _>("/v5/order/create", &order)
                        .await;
                    assert!(
                        matches!(&theirs, Err(RequestError::Exchange { code, .. }) if FILTER_CODES.contains(code)),
                        "we refused {qty} @ {price} ({r}); the mock answered {theirs:?}"
                    );
                }
                Err(e) => panic!("{qty} @ {price}: the mock refused what we passed: {e}"),
            }
        }
    }
    assert!(
        passed > 5 && refused > 20,
        "both sides exercised: {passed} passed, {refused} refused"
    );
}

#[tokio::test]
async fn a_bybit_tick_and_value_refusal_names_the_rule_and_the_limit() {
    let by = mock().await;
    let controls = PreTrade::builder()
        .rules(rules(&by).await)
        .allow_undecided()
        .defaults(Limits::none())
        .build()
        .unwrap();
    let checked = client(&by).pre_trade(controls).build().unwrap();
    let refusal = |result: Result<hft_cache::Fresh<OrderIds>, RequestError>| match result {
        Err(RequestError::PreTrade(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let off_tick: Refusal = refusal(
        checked
            .signed_post("/v5/order/create", &limit_buy("0.001", "59000.005"))
            .await,
    );
    assert_eq!(off_tick.rule(), Rule::PriceFilter, "{off_tick}");
    // 0.00005 BTC at 19 000 is 0.95 USDT, under the 1 USDT minimum order value.
    let small: Refusal = refusal(
        checked
            .signed_post("/v5/order/create", &limit_buy("0.00005", "19000"))
            .await,
    );
    assert_eq!(small.rule(), Rule::Notional, "{small}");
    assert!(small.to_string().contains('1'), "{small}");
    assert_eq!(by.open_order_count(), 0, "nothing reached the exchange");
}

#[test]
fn the_throttle_defaults_to_bybits_published_order_limits() {
    let spot = Throttle::bybit("spot").unwrap();
    assert_eq!((spot.limit(), spot.per()), (20, Duration::from_secs(1)));
    let linear = Throttle::bybit("linear").unwrap();
    assert_eq!(linear.limit(), 10);
    assert!(Throttle::bybit("option").is_none());
}
