//! Binance USD-M futures as a shipped venue: `SignedClient<BinanceFutures>` against the
//! futures mock over real sockets: server time, exchange info into trading rules, orders,
//! positions and the account as `Fresh<T>`, futures error codes, the gate, and the kill
//! switch's sweep over `openOrders` and `allOpenOrders` (whose answer names no order).

use std::time::Duration;

use hft_cache::exchange::binance::OrderStatus;
use hft_cache::exchange::binance_futures::{
    BinanceFutures, FuturesAccount, FuturesExchangeInfo, FuturesOpenOrders, FuturesOrder,
    FuturesOrderType, PositionSide, Positions,
};
use hft_cache::exchange::{ExchangeErrorKind, RequestError, SignedClient};
use hft_cache::kill_switch::{CancelOutcome, KillSwitch, SweepState};
use hft_cache::monitor::Registry;
use hft_cache::pre_trade::TradingRules;
use hft_cache::Fresh;
use hft_cache_mock::futures::FuturesMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";

async fn mock() -> FuturesMock {
    FuturesMock::builder()
        .symbol(SYMBOL, dec!(60000))
        .balance(dec!(10000))
        .leverage(10)
        .start()
        .await
        .unwrap()
}

fn client(mock: &FuturesMock) -> hft_cache::exchange::SignedClientBuilder<BinanceFutures> {
    SignedClient::builder_for(BinanceFutures, mock.http_url())
        .api_key(mock.api_key())
        .secret(mock.secret())
}

fn limit(side: &'static str, price: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("symbol", SYMBOL),
        ("side", side),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("price", price),
        ("quantity", "0.010"),
    ]
}

fn market(side: &'static str, quantity: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("symbol", SYMBOL),
        ("side", side),
        ("type", "MARKET"),
        ("quantity", quantity),
        ("newOrderRespType", "RESULT"),
    ]
}

#[tokio::test]
async fn rules_orders_positions_and_account_come_fresh_from_the_venue() {
    let mock = mock().await;
    let client = client(&mock).build().unwrap();
    client.sync_time().await.unwrap();

    let info: FuturesExchangeInfo = client
        .public_get("/fapi/v1/exchangeInfo", &[] as &[(&str, &str)])
        .await
        .unwrap();
    let rules = TradingRules::from_binance_futures(info.symbol(SYMBOL).unwrap());
    assert_eq!(rules.price.unwrap().tick, dec!(0.1));
    assert_eq!(rules.lot.unwrap().step, dec!(0.001));
    assert_eq!(rules.notional.unwrap().min, dec!(5));

    // A resting bid, listed, queried.
    let placed: Fresh<FuturesOrder> = client
        .signed_post("/fapi/v1/order", &limit("BUY", "50000"))
        .await
        .unwrap();
    let (order_id, status) = {
        let order = placed.read().unwrap();
        (order.order_id, order.status)
    };
    assert_eq!(status, OrderStatus::New);
    let open: Fresh<FuturesOpenOrders> = client
        .signed_get("/fapi/v1/openOrders", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    let open = open.read().unwrap();
    assert_eq!(open.0.len(), 1);
    assert_eq!(open.0[0].order_type, FuturesOrderType::Limit);
    assert_eq!(open.0[0].quantity_left(), dec!(0.010));
    let id = order_id.to_string();
    let queried: Fresh<FuturesOrder> = client
        .signed_get(
            "/fapi/v1/order",
            &[("symbol", SYMBOL), ("orderId", id.as_str())],
        )
        .await
        .unwrap();
    assert_eq!(queried.read().unwrap().price, dec!(50000));
    let cancelled: Fresh<FuturesOrder> = client
        .signed_delete(
            "/fapi/v1/order",
            &[("symbol", SYMBOL), ("orderId", id.as_str())],
        )
        .await
        .unwrap();
    assert_eq!(cancelled.read().unwrap().status, OrderStatus::Canceled);

    // A market buy opens a long position, seen only through a fresh query.
    let filled: Fresh<FuturesOrder> = client
        .signed_post("/fapi/v1/order", &market("BUY", "0.020"))
        .await
        .unwrap();
    assert_eq!(filled.read().unwrap().status, OrderStatus::Filled);
    let positions: Fresh<Positions> = client
        .signed_get("/fapi/v2/positionRisk", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    let positions = positions.read().unwrap();
    let btc = positions.get(SYMBOL).unwrap();
    assert_eq!(btc.position_amt, dec!(0.020));
    assert_eq!(btc.position_side, PositionSide::Both);
    assert_eq!(btc.leverage, 10);
    assert!(btc.entry_price > dec!(0) && btc.mark_price > dec!(0));
    assert!(
        btc.liquidation_price < btc.entry_price,
        "a long liquidates below its entry"
    );
    assert_eq!(
        mock.position(SYMBOL).unwrap().0,
        btc.position_amt.normalize()
    );

    let account: Fresh<FuturesAccount> = client
        .signed_get("/fapi/v2/account", &[] as &[(&str, &str)])
        .await
        .unwrap();
    let account = account.read().unwrap();
    assert_eq!(account.assets[0].asset, "USDT");
    assert!(account.total_initial_margin > dec!(0));
    assert_eq!(account.positions[0].position_amt, dec!(0.020));
}

#[tokio::test]
async fn futures_codes_are_classified_and_the_gate_holds_only_placements() {
    let mock = mock().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let client = client(&mock).trading_gate(kill.gate()).build().unwrap();

    // Flat: a reduce-only sell would open a short. -2022.
    let mut reduce = market("SELL", "0.010");
    reduce.push(("reduceOnly", "true"));
    let refused = client
        .signed_post::<FuturesOrder, _>("/fapi/v1/order", &reduce)
        .await
        .unwrap_err();
    assert_eq!(
        refused.exchange_kind(),
        Some(ExchangeErrorKind::OrderRejected),
        "{refused}"
    );
    let unknown = client
        .signed_delete::<FuturesOrder, _>(
            "/fapi/v1/order",
            &[("symbol", SYMBOL), ("orderId", "999999")],
        )
        .await
        .unwrap_err();
    assert_eq!(
        unknown.exchange_kind(),
        Some(ExchangeErrorKind::UnknownOrder),
        "{unknown}"
    );
    let bad_symbol = client
        .signed_get::<FuturesOpenOrders, _>("/fapi/v1/openOrders", &[("symbol", "NOPEUSDT")])
        .await
        .unwrap_err();
    assert_eq!(
        bad_symbol.exchange_kind(),
        Some(ExchangeErrorKind::InvalidParameter)
    );
    // A 5xx on a placement leaves the order's fate open.
    mock.faults().fail_endpoint("/fapi/v1/order", 503, 1);
    let unknown_fate = client
        .signed_post::<FuturesOrder, _>("/fapi/v1/order", &limit("BUY", "50000"))
        .await
        .unwrap_err();
    assert_eq!(
        unknown_fate.exchange_kind(),
        Some(ExchangeErrorKind::ExecutionUnknown),
        "{unknown_fate}"
    );

    // Halted: placements are refused before they are sent; the countdown and cancels pass.
    let _: Fresh<FuturesOrder> = client
        .signed_post("/fapi/v1/order", &limit("BUY", "50000"))
        .await
        .unwrap();
    kill.trip("test halt");
    let halted = client
        .signed_post::<FuturesOrder, _>("/fapi/v1/order", &limit("BUY", "50000"))
        .await
        .unwrap_err();
    assert!(matches!(halted, RequestError::Halted(_)), "{halted}");
    let _: Fresh<hft_cache::exchange::binance_futures::CountdownArmed> = client
        .signed_post(
            "/fapi/v1/countdownCancelAll",
            &[("symbol", SYMBOL), ("countdownTime", "60000")],
        )
        .await
        .unwrap();
    assert!(mock.countdown(SYMBOL).is_some());
    let _: Fresh<hft_cache::exchange::binance_futures::FuturesCancelAll> = client
        .signed_delete("/fapi/v1/allOpenOrders", &[("symbol", SYMBOL)])
        .await
        .unwrap();
    assert_eq!(mock.open_order_count(), 0);
}

#[tokio::test]
async fn the_sweep_cancels_every_resting_order_with_cancel_all_and_confirms_flat() {
    let mock = mock().await;
    let trader = client(&mock).build().unwrap();
    for price in ["50000", "50100", "50200"] {
        let _: Fresh<FuturesOrder> = trader
            .signed_post("/fapi/v1/order", &limit("BUY", price))
            .await
            .unwrap();
    }
    let _: Fresh<FuturesOrder> = trader
        .signed_post("/fapi/v1/order", &limit("SELL", "70000"))
        .await
        .unwrap();
    assert_eq!(mock.open_order_count(), 4);
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .exchange(client(&mock).build().unwrap())
        .sweep_retry(
            8,
            Duration::from_millis(20),
            Duration::from_millis(200),
            Duration::from_millis(200),
        )
        .build();
    // One 5xx on the cancel-all: retried.
    mock.faults()
        .fail_endpoint("/fapi/v1/allOpenOrders", 503, 1);
    kill.trip("risk desk stop");
    let report = tokio::time::timeout(Duration::from_secs(20), kill.assessed_report())
        .await
        .unwrap()
        .unwrap();
    let c = &report.cancellation;
    assert_eq!(c.state, SweepState::Done, "{report}");
    let venue = &c.venues[0];
    assert_eq!(venue.venue, "binance-futures");
    assert_eq!(venue.orders.len(), 4);
    // The cancel-all named no order; the order status told each was cancelled by it.
    assert!(
        venue
            .orders
            .iter()
            .all(|o| o.outcome == CancelOutcome::Cancelled),
        "{report}"
    );
    assert!(venue.retries >= 1, "{report}");
    assert_eq!(venue.open_after.as_deref().map(<[_]>::len), Some(0));
    assert_eq!(mock.open_order_count(), 0);
}
