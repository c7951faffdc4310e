//! The emergency assessment on every venue the switch sweeps, not only Binance spot: the orders
//! of the suspect window looked up fresh by each venue's own query, the symbols' assets and open
//! orders, the balances, each record naming its venue. Against the Bybit and Binance USD-M mocks
//! (OKX's is in tests/okx_venue.rs), real loopback servers.

use std::time::Duration;

use hft_cache::exchange::binance_futures::{BinanceFutures, FuturesOrder};
use hft_cache::exchange::bybit::{Bybit, OrderIds};
use hft_cache::exchange::SignedClient;
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{AssessmentState, KillSwitch, SweepState};
use hft_cache::monitor::Registry;
use hft_cache::Fresh;
use hft_cache_mock::bybit::BybitMock;
use hft_cache_mock::futures::FuturesMock;
use hft_cache_mock::RestFault;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;

const KEY: &str = "assess-key";
const SECRET: &str = "assess-secret";
const BTC: &str = "BTCUSDT";
const PATIENCE: Duration = Duration::from_secs(30);

async fn bybit() -> BybitMock {
    BybitMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(BTC, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(100000))
        .start()
        .await
        .unwrap()
}

fn bybit_client(ex: &BybitMock) -> hft_cache::exchange::SignedClientBuilder<Bybit> {
    SignedClient::builder_for(Bybit, ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
}

/// A switch that sweeps (unless `keep_resting`) and assesses the Bybit mock, and a trader
/// whose orders its journal records.
fn bybit_switch(ex: &BybitMock, keep_resting: bool) -> (KillSwitch, SignedClient<Bybit>) {
    let journal = OrderJournal::new();
    let mut kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(bybit_client(ex).build().unwrap());
    if keep_resting {
        kill = kill.keep_resting_orders();
    }
    let kill = kill.build();
    let trader = bybit_client(ex)
        .trading_gate(kill.gate())
        .journal(journal)
        .build()
        .unwrap();
    (kill, trader)
}

async fn bybit_bid(trader: &SignedClient<Bybit>, price: &str) -> String {
    let order = json!({
        "category": "spot", "symbol": BTC, "side": "Buy", "orderType": "Limit",
        "qty": "0.01", "price": price, "timeInForce": "GTC",
    });
    let ids: Fresh<OrderIds> = trader
        .signed_post("/v5/order/create", &order)
        .await
        .unwrap();
    let id = ids.read().unwrap().order_id.clone();
    id
}

async fn assessed(kill: &KillSwitch) -> hft_cache::kill_switch::EmergencyReport {
    tokio::time::timeout(PATIENCE, kill.assessed_report())
        .await
        .expect("assessed within its retries")
        .expect("tripped")
}

#[tokio::test]
async fn a_bybit_halt_is_assessed_through_bybits_own_queries() {
    let ex = bybit().await;
    let (kill, trader) = bybit_switch(&ex, true);
    let id = bybit_bid(&trader, "50000").await;

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    let [order] = done.orders.as_slice() else {
        panic!("{:?}", done.orders);
    };
    assert_eq!(
        (
            order.venue.as_str(),
            order.symbol.as_str(),
            order.status.as_str()
        ),
        ("bybit", BTC, "New")
    );
    assert_eq!(order.order_id, Some(id.parse().unwrap()));
    assert_eq!((order.orig_qty, order.executed_qty), (dec!(0.01), dec!(0)));
    assert!(order
        .client_order_id
        .as_deref()
        .is_some_and(|c| c.starts_with("hftj")));

    // Bybit's instruments name the assets; the resting bid is open.
    let [symbol] = done.symbols.as_slice() else {
        panic!("{:?}", done.symbols);
    };
    assert_eq!(symbol.venue, "bybit");
    assert_eq!(
        (symbol.base_asset.as_deref(), symbol.quote_asset.as_deref()),
        (Some("BTC"), Some("USDT"))
    );
    assert_eq!((symbol.open_orders, symbol.open_buy_qty), (1, dec!(0.01)));

    // The unified wallet's balances: the bid's 500 USDT locked.
    let usdt = done.assets.iter().find(|a| a.asset == "USDT").unwrap();
    assert_eq!(
        (usdt.venue.as_str(), usdt.free, usdt.locked),
        ("bybit", dec!(99500), dec!(500))
    );
    let btc = done.assets.iter().find(|a| a.asset == "BTC").unwrap();
    assert_eq!((btc.free, btc.locked), (Decimal::ZERO, Decimal::ZERO));
    assert!(done.clock_offset_ms.is_some());

    let text = report.to_string();
    assert!(text.contains("bybit BTCUSDT: net filled 0"), "{text}");
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("1 order(s) still open on bybit BTCUSDT")));
    ex.shutdown().await;
}

#[tokio::test]
async fn after_a_bybit_sweep_the_assessment_finds_the_cancelled_order_among_the_closed_ones() {
    let ex = bybit().await;
    let (kill, trader) = bybit_switch(&ex, false);
    let id = bybit_bid(&trader, "50000").await;

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    // `order/realtime` lists open orders only; the closed one is found with `openOnly=1`,
    // not reported as never having arrived.
    assert_eq!(done.orders[0].status, "Cancelled", "{report}");
    assert_eq!(done.orders[0].order_id, Some(id.parse().unwrap()));
    assert_eq!(done.symbols[0].open_orders, 0);
    let usdt = done.assets.iter().find(|a| a.asset == "USDT").unwrap();
    assert_eq!((usdt.free, usdt.locked), (dec!(100000), dec!(0)));
    ex.shutdown().await;
}

#[tokio::test]
async fn a_bybit_order_whose_answer_was_lost_is_found_by_its_order_link_id() {
    let ex = bybit().await;
    let (kill, trader) = bybit_switch(&ex, true);
    let market = |qty: &str| {
        json!({
            "category": "spot", "symbol": BTC, "side": "Buy", "orderType": "Market",
            "qty": qty, "marketUnit": "baseCoin",
        })
    };
    // Executed, then answered with half a body: the order filled, the client cannot tell.
    ex.faults().truncate_next_responses(1);
    let lost = trader
        .signed_post::<OrderIds, _>("/v5/order/create", &market("0.001"))
        .await
        .unwrap_err();
    assert!(lost.to_string().contains("truncated"), "{lost}");
    // Refused with a 502 before it ran: not on the exchange.
    ex.faults().fail_next_requests(1);
    trader
        .signed_post::<OrderIds, _>("/v5/order/create", &market("0.002"))
        .await
        .unwrap_err();

    kill.trip("answers lost");
    let report = assessed(&kill).await;
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    let found: Vec<(&str, Option<u64>, Decimal)> = done
        .orders
        .iter()
        .map(|o| (o.status.as_str(), o.order_id, o.executed_qty))
        .collect();
    // The filled one is found among the closed orders by the `orderLinkId` the journal gave
    // it, with the order id the venue gave it; the other was never placed.
    let [(filled, Some(_), qty), (missing, None, zero)] = found.as_slice() else {
        panic!("{found:?}");
    };
    assert_eq!((*filled, *qty), ("Filled", dec!(0.001)));
    assert_eq!((*missing, *zero), ("NOT_FOUND", dec!(0)));
    assert_eq!(done.symbols[0].net_filled_qty, dec!(0.001));
    ex.shutdown().await;
}

async fn futures() -> FuturesMock {
    FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(BTC, dec!(60000))
        .balance(dec!(10000))
        .leverage(10)
        .start()
        .await
        .unwrap()
}

fn futures_client(ex: &FuturesMock) -> hft_cache::exchange::SignedClientBuilder<BinanceFutures> {
    SignedClient::builder_for(BinanceFutures, ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
}

/// A switch that keeps resting orders and assesses the USD-M mock with `attempts` attempts, and
/// a trader whose orders its journal records.
fn futures_switch(ex: &FuturesMock, attempts: u32) -> (KillSwitch, SignedClient<BinanceFutures>) {
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(futures_client(ex).build().unwrap())
        .assessment_retry(
            attempts,
            Duration::from_millis(10),
            Duration::from_millis(40),
        )
        .keep_resting_orders()
        .build();
    let trader = futures_client(ex)
        .trading_gate(kill.gate())
        .journal(journal)
        .build()
        .unwrap();
    (kill, trader)
}

/// A resting USD-M bid of 0.01 BTC at 50 000.
const FUTURES_BID: [(&str, &str); 7] = [
    ("symbol", BTC),
    ("side", "BUY"),
    ("type", "LIMIT"),
    ("timeInForce", "GTC"),
    ("quantity", "0.01"),
    ("price", "50000"),
    ("newOrderRespType", "RESULT"),
];

async fn futures_order(
    trader: &SignedClient<BinanceFutures>,
    params: &[(&str, &str)],
) -> Fresh<FuturesOrder> {
    trader.signed_post("/fapi/v1/order", params).await.unwrap()
}

#[tokio::test]
async fn a_futures_halt_is_assessed_on_usd_m_and_survives_a_failing_account_endpoint() {
    let ex = futures().await;
    let (kill, trader) = futures_switch(&ex, 10);
    let bid = FUTURES_BID;
    let taken = [
        ("symbol", BTC),
        ("side", "BUY"),
        ("type", "MARKET"),
        ("quantity", "0.01"),
        ("newOrderRespType", "RESULT"),
    ];
    let resting = futures_order(&trader, &bid).await.read().unwrap().order_id;
    let filled = futures_order(&trader, &taken).await;
    let quote = filled.read().unwrap().cum_quote;

    // The account endpoint answers 500 twice, then garbage once: three attempts fail there.
    ex.faults().fail_endpoint("/fapi/v2/account", 500, 2);
    kill.trip("operator stop");
    ex.faults()
        .fault_endpoint("/fapi/v2/account", RestFault::Malformed, 1);
    let report = assessed(&kill).await;
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    assert!(done.attempts >= 3, "{}", done.attempts);
    let orders: Vec<(&str, &str, Option<u64>, Decimal)> = done
        .orders
        .iter()
        .map(|o| {
            (
                o.venue.as_str(),
                o.status.as_str(),
                o.order_id,
                o.executed_qty,
            )
        })
        .collect();
    assert_eq!(
        orders[0],
        ("binance-futures", "NEW", Some(resting), dec!(0))
    );
    assert_eq!((orders[1].1, orders[1].3), ("FILLED", dec!(0.01)));
    assert_eq!(done.orders[1].quote_qty, quote);

    let [symbol] = done.symbols.as_slice() else {
        panic!("{:?}", done.symbols);
    };
    assert_eq!(
        (symbol.base_asset.as_deref(), symbol.quote_asset.as_deref()),
        (Some("BTC"), Some("USDT"))
    );
    assert_eq!(symbol.net_filled_qty, dec!(0.01));
    assert_eq!((symbol.open_orders, symbol.open_buy_qty), (1, dec!(0.01)));
    // The margin asset: what is not available is locked in margin.
    let usdt = done.assets.iter().find(|a| a.asset == "USDT").unwrap();
    assert_eq!(usdt.venue, "binance-futures");
    assert!(
        usdt.locked > Decimal::ZERO && usdt.free < dec!(10000),
        "{usdt:?}"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn a_balances_answer_of_another_shape_fails_the_assessment_and_fakes_no_balance() {
    let ex = futures().await;
    let (kill, trader) = futures_switch(&ex, 3);
    let bid = FUTURES_BID;
    futures_order(&trader, &bid).await;

    // Valid JSON, but not an account: every attempt finds it unreadable. Zero balances read
    // from it would say the account holds nothing; the assessment must say it could not tell.
    ex.faults()
        .fault_endpoint("/fapi/v2/account", RestFault::WrongShape, 100);
    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let AssessmentState::Failed {
        attempts,
        last_error,
    } = &report.assessment
    else {
        panic!("assessed from a wrong-shaped account answer: {report}");
    };
    assert_eq!(*attempts, 3);
    assert_eq!(
        last_error,
        "binance-futures: balances: unreadable answer: missing field `assets`"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn usd_m_names_each_symbols_assets_from_its_one_exchange_info() {
    let ex = FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(BTC, dec!(60000))
        .symbol("ETHUSDT", dec!(3000))
        .balance(dec!(10000))
        .leverage(10)
        .start()
        .await
        .unwrap();
    let (kill, trader) = futures_switch(&ex, 10);
    for (symbol, price) in [(BTC, "50000"), ("ETHUSDT", "2500")] {
        let bid = [
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", price),
        ];
        futures_order(&trader, &bid).await;
    }

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    let assets: Vec<(&str, Option<&str>, Option<&str>, usize)> = done
        .symbols
        .iter()
        .map(|s| {
            (
                s.symbol.as_str(),
                s.base_asset.as_deref(),
                s.quote_asset.as_deref(),
                s.open_orders,
            )
        })
        .collect();
    assert_eq!(
        assets,
        [
            (BTC, Some("BTC"), Some("USDT"), 1),
            ("ETHUSDT", Some("ETH"), Some("USDT"), 1)
        ]
    );
    ex.shutdown().await;
}
