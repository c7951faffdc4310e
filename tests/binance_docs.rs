//! Every JSON example of Binance's spot REST docs decodes into the crate's types, with the
//! right class: the account and orders are live (`Fresh<T>` only), exchange info and its
//! filters static. The examples are verbatim copies (tests/fixtures/binance/README.md).

use hft_cache::book::DepthSnapshot;
use hft_cache::exchange::binance::{
    Account, AssetFilter, CancelledOrder, ExchangeFilter, ExchangeInfo, OpenOrders, Order,
    OrderAck, OrderFull, OrderResult, OrderSide, OrderStatus, OrderType, RateLimit, SymbolFilter,
    TimeInForce,
};
use hft_cache::fetch::ApiError;
use hft_cache::{Classified, DataClass};
use rust_decimal_macros::dec;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The docs' examples are JavaScript: strip `//` comments (outside strings) to get JSON.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if in_string => escaped = true,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/binance/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    strip_comments(&text)
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    let json = fixture(name);
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"))
}

fn class_of<T: Classified>() -> DataClass {
    <T::Class as hft_cache::policy::ClassMarker>::CLASS
}

#[test]
fn the_classes_follow_the_policy() {
    assert_eq!(class_of::<Account>(), DataClass::Live);
    assert_eq!(class_of::<OrderAck>(), DataClass::Live);
    assert_eq!(class_of::<OrderResult>(), DataClass::Live);
    assert_eq!(class_of::<OrderFull>(), DataClass::Live);
    assert_eq!(class_of::<Order>(), DataClass::Live);
    assert_eq!(class_of::<OpenOrders>(), DataClass::Live);
    assert_eq!(class_of::<CancelledOrder>(), DataClass::Live);
    assert_eq!(class_of::<ExchangeInfo>(), DataClass::Static);
    assert_eq!(class_of::<SymbolFilter>(), DataClass::Static);
    assert_eq!(class_of::<RateLimit>(), DataClass::Static);
}

#[test]
fn error_payload() {
    let error: ApiError = decode("error.jsonc");
    assert_eq!(
        error,
        ApiError {
            code: -1121,
            msg: "Invalid symbol.".to_owned()
        }
    );
}

#[test]
fn account_information() {
    let account: Account = decode("account.jsonc");
    assert_eq!(account.maker_commission, 15);
    assert_eq!(account.commission_rates.maker, dec!(0.0015));
    assert!(account.can_trade && account.can_withdraw && account.can_deposit);
    assert_eq!(account.account_type, "SPOT");
    assert_eq!(account.uid, Some(354937868));
    let btc = account.balance("BTC").unwrap();
    assert_eq!((btc.free, btc.locked), (dec!(4723846.89208129), dec!(0)));
    assert_eq!(account.balances.len(), 2);
    assert_eq!(account.permissions, ["SPOT"]);
}

#[test]
fn new_order_ack_result_and_full() {
    let ack: OrderAck = decode("order_ack.jsonc");
    assert_eq!((ack.order_id, ack.order_list_id), (28, -1));
    assert_eq!(ack.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
    assert_eq!(ack.transact_time, 1507725176595);

    let result: OrderResult = decode("order_result.jsonc");
    assert_eq!(result.status, OrderStatus::Filled);
    assert_eq!(result.order_type, OrderType::Market);
    assert_eq!(result.side, OrderSide::Sell);
    assert_eq!(result.time_in_force, TimeInForce::Gtc);
    assert_eq!((result.orig_qty, result.executed_qty), (dec!(10), dec!(10)));
    assert_eq!(result.working_time, Some(1507725176595));

    let full: OrderFull = decode("order_full.jsonc");
    assert_eq!(full.result.order_id, 28);
    assert_eq!(full.fills.len(), 5);
    let filled: rust_decimal::Decimal = full.fills.iter().map(|f| f.qty).sum();
    assert_eq!(filled, full.result.executed_qty);
    assert_eq!(full.fills[1].commission, dec!(19.995));
    assert_eq!(full.fills[4].trade_id, 60);
    assert_eq!(full.fills[0].commission_asset, "USDT");
}

#[test]
fn query_cancel_and_open_orders() {
    let order: Order = decode("query_order.jsonc");
    assert_eq!((order.symbol.as_str(), order.order_id), ("LTCBTC", 1));
    assert_eq!(order.status, OrderStatus::New);
    assert_eq!((order.price, order.orig_qty), (dec!(0.1), dec!(1)));
    assert_eq!(order.stop_price, Some(dec!(0)));
    assert!(order.is_working);

    let cancelled: CancelledOrder = decode("cancel_order.jsonc");
    assert_eq!(cancelled.status, OrderStatus::Canceled);
    assert_eq!(cancelled.orig_client_order_id, "myOrder1");
    assert_eq!(cancelled.client_order_id, "cancelMyOrder1");
    assert_eq!(cancelled.transact_time, Some(1684804350068));

    let open: OpenOrders = decode("open_orders.jsonc");
    assert_eq!(open.0.len(), 1);
    assert_eq!(open.0[0].time_in_force, TimeInForce::Gtc);
    assert_eq!(open.0[0].working_time, Some(1499827319559));
}

#[test]
fn depth_snapshot() {
    let depth: DepthSnapshot = decode("depth.jsonc");
    assert_eq!(depth.last_update_id, 1027024);
    assert_eq!(depth.bids, vec![(dec!(4), dec!(431))]);
    assert_eq!(depth.asks, vec![(dec!(0.000002) + dec!(4), dec!(12))]);
}

#[test]
fn every_filter_of_filters_md() {
    let filters: Vec<Value> = serde_json::from_str(&fixture("filters.jsonc")).unwrap();
    assert_eq!(
        filters.len(),
        20,
        "15 symbol, 4 exchange and 1 asset filter"
    );
    let mut symbol = Vec::new();
    let mut exchange = Vec::new();
    let mut asset = Vec::new();
    for filter in filters {
        let kind = filter["filterType"].as_str().unwrap().to_owned();
        if kind.starts_with("EXCHANGE_") {
            exchange.push(serde_json::from_value::<ExchangeFilter>(filter).unwrap());
        } else if kind == "MAX_ASSET" {
            asset.push(serde_json::from_value::<AssetFilter>(filter).unwrap());
        } else {
            let decoded = serde_json::from_value::<SymbolFilter>(filter).unwrap();
            assert_ne!(decoded, SymbolFilter::Unknown, "{kind} is a known filter");
            symbol.push(decoded);
        }
    }
    assert_eq!((symbol.len(), exchange.len(), asset.len()), (15, 4, 1));
    assert!(!exchange.contains(&ExchangeFilter::Unknown));
    assert_eq!(
        asset[0],
        AssetFilter::MaxAsset {
            asset: "USDC".to_owned(),
            limit: dec!(42)
        }
    );
    assert!(symbol.contains(&SymbolFilter::PriceFilter {
        min_price: dec!(0.000001),
        max_price: dec!(100000),
        tick_size: dec!(0.000001),
    }));
    assert!(symbol.contains(&SymbolFilter::TrailingDelta {
        min_trailing_above_delta: 10,
        max_trailing_above_delta: 2000,
        min_trailing_below_delta: 10,
        max_trailing_below_delta: 2000,
    }));
    // A filter added to the exchange later does not break decoding.
    let future: SymbolFilter =
        serde_json::from_str(r#"{"filterType":"SOME_NEW_FILTER","x":"1"}"#).unwrap();
    assert_eq!(future, SymbolFilter::Unknown);
}

/// The docs' exchangeInfo example, with its placeholder arrays filled from filters.md and
/// enums.md: every symbol filter on its symbol, every exchange filter, every rate limiter.
#[test]
fn exchange_information_with_every_filter() {
    let mut info: Value = serde_json::from_str(&fixture("exchange_info.jsonc")).unwrap();
    let filters: Vec<Value> = serde_json::from_str(&fixture("filters.jsonc")).unwrap();
    let (exchange, symbol): (Vec<Value>, Vec<Value>) = filters
        .into_iter()
        .filter(|f| f["filterType"] != "MAX_ASSET")
        .partition(|f| f["filterType"].as_str().unwrap().starts_with("EXCHANGE_"));
    assert_eq!(
        info["rateLimits"],
        serde_json::json!([{}]),
        "the docs' placeholder"
    );
    info["rateLimits"] = serde_json::from_str(&fixture("rate_limits.jsonc")).unwrap();
    info["exchangeFilters"] = Value::Array(exchange);
    info["symbols"][0]["filters"] = Value::Array(symbol);

    let info: ExchangeInfo = serde_json::from_value(info).unwrap();
    assert_eq!(info.timezone, "UTC");
    assert_eq!(info.rate_limits.len(), 3);
    assert_eq!(info.rate_limits[0].rate_limit_type, "REQUEST_WEIGHT");
    assert_eq!(info.rate_limits[0].limit, 6000);
    assert_eq!(info.exchange_filters.len(), 4);
    let eth = &info.symbols[0];
    assert_eq!(
        (
            eth.symbol.as_str(),
            eth.base_asset.as_str(),
            eth.quote_asset.as_str()
        ),
        ("ETHBTC", "ETH", "BTC")
    );
    assert_eq!(eth.base_asset_precision, 8);
    assert_eq!(eth.order_types.len(), 7);
    assert!(eth.order_types.contains(&OrderType::LimitMaker));
    assert_eq!(eth.filters.len(), 15);
    assert_eq!(eth.tick_size(), Some(dec!(0.000001)));
    assert_eq!(eth.step_size(), Some(dec!(0.001)));
    assert_eq!(eth.permission_sets, [["SPOT", "MARGIN"]]);
    assert_eq!(info.sors[0].symbols, ["BTCUSDT", "BTCUSDC"]);
}
