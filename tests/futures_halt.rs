//! Positions in the emergency procedure, against the Binance USD-M futures mock: a halt sweeps
//! the resting orders, then fetches the positions fresh into the report; with
//! `flatten_positions` it closes them with reduce-only market orders (past a halted gate),
//! confirmed by a fresh query; scoped halts flatten only their scope; a refused close or an
//! unreachable venue leaves the positions reported incomplete or failed, never assumed flat.

use std::time::Duration;

use hft_cache::exchange::binance_futures::{BinanceFutures, FuturesOrder};
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::kill_switch::{
    CloseOutcome, EmergencyReport, Halt, HaltScope, KillSwitch, PositionsState, SweepState,
    TradingGate,
};
use hft_cache::monitor::Registry;
use hft_cache::Fresh;
use hft_cache_mock::futures::FuturesMock;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const KEY: &str = "futures-key";
const SECRET: &str = "futures-secret";
const BTC: &str = "BTCUSDT";
const ETH: &str = "ETHUSDT";

async fn mock() -> FuturesMock {
    FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(BTC, dec!(60000))
        .symbol(ETH, dec!(3000))
        .balance(dec!(10000))
        .leverage(10)
        .start()
        .await
        .unwrap()
}

fn client(ex: &FuturesMock, gate: Option<&TradingGate>) -> SignedClient<BinanceFutures> {
    let builder = SignedClient::builder_for(BinanceFutures, ex.http_url())
        .api_key(KEY)
        .secret(SECRET);
    match gate {
        Some(gate) => builder.trading_gate(gate.clone()),
        None => builder,
    }
    .build()
    .unwrap()
}

async fn order(
    client: &SignedClient<BinanceFutures>,
    params: &[(&str, &str)],
) -> Result<Fresh<FuturesOrder>, RequestError> {
    client.signed_post("/fapi/v1/order", params).await
}

/// A market order that opens (or adds to) a position.
async fn take(client: &SignedClient<BinanceFutures>, symbol: &str, side: &str, qty: &str) {
    order(
        client,
        &[
            ("symbol", symbol),
            ("side", side),
            ("type", "MARKET"),
            ("quantity", qty),
        ],
    )
    .await
    .unwrap();
}

/// A limit bid well under the market: it rests.
async fn rest(client: &SignedClient<BinanceFutures>, symbol: &str, price: &str) {
    order(
        client,
        &[
            ("symbol", symbol),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "0.01"),
            ("price", price),
        ],
    )
    .await
    .unwrap();
}

fn switch(gate: &TradingGate) -> hft_cache::kill_switch::KillSwitchBuilder {
    KillSwitch::builder()
        .registry(&Registry::new())
        .gate(gate.clone())
        .sweep_retry(
            5,
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(50),
        )
        .assessment_retry(3, Duration::from_millis(10), Duration::from_millis(50))
}

async fn settled(kill: &KillSwitch) -> EmergencyReport {
    tokio::time::timeout(Duration::from_secs(20), kill.assessed_report())
        .await
        .expect("the procedure settles")
        .expect("a report")
}

#[tokio::test]
async fn a_halt_sweeps_then_reports_the_positions_fetched_fresh() {
    let ex = mock().await;
    let gate = TradingGate::new();
    let trader = client(&ex, Some(&gate));
    take(&trader, BTC, "BUY", "0.5").await;
    for price in ["50000", "50001", "50002"] {
        rest(&trader, BTC, price).await;
    }
    let kill = switch(&gate)
        .exchange_with_positions(client(&ex, None))
        .build();
    let at_trip = kill.trip("test");
    assert_eq!(at_trip.positions.state, PositionsState::Pending);
    let report = settled(&kill).await;

    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    assert_eq!(ex.open_order_count(), 0);
    let p = &report.positions;
    assert_eq!(
        (p.state, p.flatten),
        (PositionsState::Done, false),
        "{report}"
    );
    let venue = &p.venues[0];
    assert_eq!(venue.venue, "binance-futures");
    let btc = &venue.at_halt[0];
    assert_eq!((btc.symbol.as_str(), btc.size), (BTC, dec!(0.5)));
    assert!(btc.entry_price > dec!(59000) && btc.mark_price > Decimal::ZERO);
    assert!(btc.liquidation_price.is_some() && btc.leverage == Some(10));
    assert!(venue.closes.is_empty() && venue.open_after == venue.at_halt);
    // Not flattened: still open on the exchange, and the operator is told what to do.
    assert_eq!(ex.position(BTC).unwrap().0, dec!(0.5));
    assert!(
        report
            .remediation
            .manual
            .iter()
            .any(|m| m.contains("BTCUSDT long 0.5")
                && m.contains("close it with a reduce-only order")),
        "{:#?}",
        report.remediation
    );
    let json = report.to_json();
    assert!(
        json.contains(r#""positions":{"state":"done","flatten":false"#),
        "{json}"
    );
    assert!(
        report.to_string().contains("POSITIONS (flatten off): done"),
        "{report}"
    );
}

#[tokio::test]
async fn flatten_closes_every_position_past_the_halted_gate_and_confirms_it() {
    let ex = mock().await;
    let gate = TradingGate::new();
    let trader = client(&ex, Some(&gate));
    take(&trader, BTC, "BUY", "0.5").await;
    take(&trader, ETH, "SELL", "2").await;
    rest(&trader, BTC, "50000").await;
    // The kill switch's own client shares the trader's gate: the flatten must pass it halted.
    let kill = switch(&gate)
        .exchange_with_positions(client(&ex, Some(&gate)))
        .flatten_positions()
        .build();
    kill.trip("test");
    // Halted: the trader's own reduce-only order is refused like any other; only the kill
    // switch's flatten, built from a fresh position answer, goes out.
    let refused = order(
        &trader,
        &[
            ("symbol", BTC),
            ("side", "SELL"),
            ("type", "MARKET"),
            ("quantity", "0.5"),
            ("reduceOnly", "true"),
        ],
    )
    .await;
    assert!(
        matches!(refused, Err(RequestError::Halted(_))),
        "{refused:?}"
    );
    let report = settled(&kill).await;

    let p = &report.positions;
    assert_eq!(
        (p.state, p.flatten),
        (PositionsState::Done, true),
        "{report}"
    );
    let venue = &p.venues[0];
    assert_eq!(venue.at_halt.len(), 2);
    let mut closes: Vec<(&str, &str, Decimal, &CloseOutcome)> = venue
        .closes
        .iter()
        .map(|c| {
            (
                c.symbol.as_str(),
                c.direction.as_str(),
                c.quantity,
                &c.outcome,
            )
        })
        .collect();
    closes.sort_by_key(|c| c.0);
    assert_eq!(
        closes,
        [
            (BTC, "long", dec!(0.5), &CloseOutcome::Closed),
            (ETH, "short", dec!(2), &CloseOutcome::Closed)
        ]
    );
    assert!(venue.open_after.is_empty(), "{report}");
    assert_eq!(ex.position(BTC).unwrap().0, Decimal::ZERO);
    assert_eq!(ex.position(ETH).unwrap().0, Decimal::ZERO);
    assert!(report
        .remediation
        .done
        .iter()
        .any(|d| d.contains("closed with a reduce-only market order")));
    assert!(
        report.to_string().contains("binance-futures: flat"),
        "{report}"
    );
}

#[tokio::test]
async fn a_scoped_halt_flattens_only_its_symbol() {
    let ex = mock().await;
    let gate = TradingGate::new();
    let trader = client(&ex, Some(&gate));
    take(&trader, BTC, "BUY", "0.2").await;
    take(&trader, ETH, "BUY", "1").await;
    let kill = switch(&gate)
        .exchange_with_positions(client(&ex, None))
        .flatten_positions()
        .build();
    kill.halt(
        Halt::new("btc only")
            .scope(HaltScope::symbol(BTC))
            .by("test"),
    );
    let report = settled(&kill).await;

    assert_eq!(report.positions.state, PositionsState::Done, "{report}");
    assert_eq!(ex.position(BTC).unwrap().0, Decimal::ZERO);
    assert_eq!(
        ex.position(ETH).unwrap().0,
        dec!(1),
        "outside the scope: kept"
    );
    let venue = &report.positions.venues[0];
    assert_eq!(venue.closes.len(), 1);
    assert_eq!(venue.open_after.len(), 1);
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("ETHUSDT long 1") && m.contains("STILL OPEN")));
}

#[tokio::test]
async fn a_refused_close_leaves_the_positions_incomplete_never_assumed_flat() {
    let ex = mock().await;
    let gate = TradingGate::new();
    let trader = client(&ex, Some(&gate));
    take(&trader, BTC, "BUY", "0.3").await;
    let kill = switch(&gate)
        .exchange_with_positions(client(&ex, None))
        .flatten_positions()
        .build();
    // Every close of the flatten's three rounds is refused.
    ex.faults().fail_endpoint("/fapi/v1/order", 400, 3);
    kill.trip("test");
    let report = settled(&kill).await;

    let p = &report.positions;
    assert_eq!(p.state, PositionsState::Incomplete, "{report}");
    let venue = &p.venues[0];
    assert_eq!(venue.closes.len(), 3, "{report}");
    assert!(venue
        .closes
        .iter()
        .all(|c| matches!(c.outcome, CloseOutcome::Failed { .. })));
    assert_eq!(venue.open_after[0].size, dec!(0.3));
    assert_eq!(ex.position(BTC).unwrap().0, dec!(0.3));
    let manual = report.remediation.manual.join("\n");
    assert!(manual.contains("STILL OPEN after the flatten"), "{manual}");
    assert!(manual.contains("refused or failed"), "{manual}");
    assert!(report
        .to_string()
        .contains("POSITIONS (flatten on): INCOMPLETE"));
}

#[tokio::test]
async fn positions_that_cannot_be_fetched_are_reported_failed() {
    let ex = mock().await;
    let gate = TradingGate::new();
    let trader = client(&ex, Some(&gate));
    take(&trader, BTC, "BUY", "0.1").await;
    let kill = switch(&gate)
        .exchange_with_positions(client(&ex, None))
        .build();
    ex.faults().fail_endpoint("/fapi/v2/positionRisk", 503, 100);
    kill.trip("test");
    let report = settled(&kill).await;

    assert_eq!(report.positions.state, PositionsState::Failed, "{report}");
    assert!(report.positions.venues[0].error.is_some());
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("could not be fetched")));
}
