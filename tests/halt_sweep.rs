//! A halt that stops trading: every trip cancels the resting orders in its scope on every venue
//! (Binance spot and Bybit mocks, real loopback servers), confirmed by fresh open-orders queries;
//! the faults a sweep meets (5xx, 429, a fill while cancelling, an unreachable venue, two trips
//! at once); scoped halts; resume that needs flat or an acknowledgment; the audit trail.

use std::time::Duration;

use hft_cache::exchange::bybit::Bybit;
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{
    AuditAction, CancelOutcome, EmergencyReport, Halt, HaltScope, KillSwitch, ResumeError,
    StepKind, SweepState,
};
use hft_cache::monitor::Registry;
use hft_cache::{Fresh, Live};
use hft_cache_mock::bybit::BybitMock;
use hft_cache_mock::{MockExchange, RestFault};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

const BTC: &str = "BTCUSDT";
const ETH: &str = "ETHUSDT";
const KEY: &str = "key";
const SECRET: &str = "secret";
/// Event-driven waits give up after this: a generous bound for a noisy machine, not a timing.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Ack {
    order_id: u64,
    client_order_id: String,
    status: String,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct OpenOrder {
    order_id: u64,
    client_order_id: String,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct BybitAck {
    order_id: String,
    #[serde(rename = "orderLinkId")]
    _order_link_id: String,
}

async fn binance() -> MockExchange {
    MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol(BTC, "BTC", "USDT", dec!(60000))
        .symbol(ETH, "ETH", "USDT", dec!(3000))
        .balance("USDT", dec!(100000))
        .start()
        .await
        .unwrap()
}

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

fn client(ex: &MockExchange) -> SignedClient {
    SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap()
}

fn bybit_client(ex: &BybitMock) -> SignedClient<Bybit> {
    SignedClient::builder_for(Bybit, ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap()
}

/// Short retries, so that a fault costs milliseconds, not seconds.
fn switch() -> hft_cache::kill_switch::KillSwitchBuilder {
    KillSwitch::builder()
        .registry(&Registry::new())
        .sweep_retry(
            5,
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(50),
        )
}

async fn bid(client: &SignedClient, symbol: &str, price: &str, client_id: Option<&str>) -> Ack {
    let mut order = vec![
        ("symbol", symbol.to_owned()),
        ("side", "BUY".to_owned()),
        ("type", "LIMIT".to_owned()),
        ("timeInForce", "GTC".to_owned()),
        ("quantity", "0.01".to_owned()),
        ("price", price.to_owned()),
    ];
    if let Some(id) = client_id {
        order.push(("newClientOrderId", id.to_owned()));
    }
    let ack: Fresh<Ack> = client.signed_post("/api/v3/order", &order).await.unwrap();
    let ack = ack.read().unwrap();
    assert_eq!(ack.status, "NEW");
    Ack {
        order_id: ack.order_id,
        client_order_id: ack.client_order_id.clone(),
        status: ack.status.clone(),
    }
}

async fn open_on(client: &SignedClient, symbol: &str) -> Vec<(u64, String)> {
    let open: Fresh<Vec<OpenOrder>> = client
        .signed_get("/api/v3/openOrders", &[("symbol", symbol)])
        .await
        .unwrap();
    open.read()
        .unwrap()
        .iter()
        .map(|o| (o.order_id, o.client_order_id.clone()))
        .collect()
}

async fn assessed(kill: &KillSwitch) -> EmergencyReport {
    tokio::time::timeout(PATIENCE, kill.assessed_report())
        .await
        .expect("the sweep and the assessment end within their bounds")
        .expect("tripped")
}

fn outcomes(report: &EmergencyReport, venue: &str) -> Vec<(String, CancelOutcome)> {
    let sweep = report
        .cancellation
        .venues
        .iter()
        .find(|v| v.venue == venue)
        .unwrap_or_else(|| panic!("no {venue} in {:#?}", report.cancellation));
    let mut outcomes: Vec<(String, CancelOutcome)> = sweep
        .orders
        .iter()
        .map(|o| (o.order.order_id.clone(), o.outcome))
        .collect();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    outcomes
}

/// A switch whose failed cancel-all waits half a second before its retry: time for the
/// market to move meanwhile.
fn slow_retry_switch() -> hft_cache::kill_switch::KillSwitchBuilder {
    KillSwitch::builder()
        .registry(&Registry::new())
        .sweep_retry(
            5,
            Duration::from_millis(500),
            Duration::from_millis(500),
            Duration::from_millis(500),
        )
}

/// Waits (within [`PATIENCE`]) until `done`.
async fn until(done: impl Fn() -> bool) {
    tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
}

/// A resting Bybit bid of 0.001 BTC at `price`; its order id.
async fn bybit_bid(trader: &SignedClient<Bybit>, price: &str) -> String {
    let order = serde_json::json!({
        "category": "spot", "symbol": BTC, "side": "Buy", "orderType": "Limit",
        "qty": "0.001", "price": price, "timeInForce": "GTC",
    });
    let ack: Fresh<BybitAck> = trader
        .signed_post("/v5/order/create", &order)
        .await
        .unwrap();
    let id = ack.read().unwrap().order_id.clone();
    id
}

/// The sweep on `venue` is done, `near` filled while it ran and `far` cancelled, and the
/// remediation names the filled one.
fn assert_filled_meanwhile(report: &EmergencyReport, venue: &str, near: &str, far: &str) {
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    let mut expected = vec![
        (near.to_owned(), CancelOutcome::FilledMeanwhile),
        (far.to_owned(), CancelOutcome::Cancelled),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(outcomes(report, venue), expected, "{report}");
    assert!(
        report
            .remediation
            .manual
            .iter()
            .any(|m| m.contains(&format!("order {near}"))
                && m.contains("filled while it was being cancelled")),
        "{:#?}",
        report.remediation
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trip_cancels_every_resting_order_on_both_venues_and_confirms_flat() {
    let (ex, by) = (binance().await, bybit().await);
    let journal = OrderJournal::new();
    let kill = switch()
        .exchange(client(&ex))
        .exchange(bybit_client(&by))
        .build();
    let trader = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(kill.gate())
        .build()
        .unwrap();
    let bybit_trader = SignedClient::builder_for(Bybit, by.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    let btc = bid(&trader, BTC, "50000", None).await;
    let eth = bid(&trader, ETH, "2500", None).await;
    let mut bybit_ids = Vec::new();
    for price in ["50000", "49000"] {
        bybit_ids.push(bybit_bid(&bybit_trader, price).await);
    }
    assert_eq!(by.open_order_count(), 2);

    // The journal reads Bybit's own names and gives the order an `orderLinkId`.
    let lines = journal.to_json_lines();
    let entry: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(entry["symbol"], BTC);
    assert_eq!(entry["side"], "Buy");
    assert_eq!(entry["order_type"], "Limit");
    assert_eq!(entry["quantity"], "0.001");
    assert!(entry["client_order_id"]
        .as_str()
        .unwrap()
        .starts_with("hftj-"));

    let report = kill.trip("risk desk stop");
    assert!(kill.is_halted(), "the gate closes before any request");
    assert_eq!(report.cancellation.state, SweepState::Pending);
    assert_eq!(report.cancellation.sweep, 1);
    assert!(report.steps.iter().any(|s| s.step == StepKind::CancelSweep));

    let report = assessed(&kill).await;
    let c = &report.cancellation;
    assert_eq!(c.state, SweepState::Done, "{report}");
    assert!(c.time_to_flat.is_some());
    let mut binance_ids = [btc.order_id.to_string(), eth.order_id.to_string()];
    binance_ids.sort();
    bybit_ids.sort();
    assert_eq!(
        outcomes(&report, "binance"),
        binance_ids
            .iter()
            .map(|id| (id.clone(), CancelOutcome::Cancelled))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        outcomes(&report, "bybit"),
        bybit_ids
            .iter()
            .map(|id| (id.clone(), CancelOutcome::Cancelled))
            .collect::<Vec<_>>()
    );
    for venue in &c.venues {
        assert_eq!(venue.open_after.as_deref(), Some(&[][..]), "{venue:?}");
        assert_eq!(venue.rounds, 1, "one cancel-all round, one confirmation");
    }
    // The venues agree: nothing rests.
    assert!(open_on(&trader, BTC).await.is_empty());
    assert!(open_on(&trader, ETH).await.is_empty());
    assert_eq!(by.open_order_count(), 0);

    let btc_record = &c.venues[0]
        .orders
        .iter()
        .find(|o| o.order.order_id == btc.order_id.to_string())
        .unwrap()
        .order;
    assert_eq!(
        (btc_record.symbol.as_str(), btc_record.side.as_str()),
        (BTC, "BUY")
    );
    assert_eq!(
        (btc_record.price, btc_record.quantity_left),
        (Some(dec!(50000)), dec!(0.01))
    );
    assert_eq!(
        btc_record.client_order_id.as_deref(),
        Some(btc.client_order_id.as_str())
    );

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["cancellation"]["state"], "done");
    assert_eq!(json["cancellation"]["venues"][1]["venue"], "bybit");
    assert_eq!(
        json["cancellation"]["venues"][0]["orders"][0]["outcome"],
        "cancelled"
    );
    let text = report.to_string();
    assert!(text.contains("CANCEL SWEEP #1 of all: done"), "{text}");
    assert!(report
        .remediation
        .done
        .iter()
        .any(|d| d.contains("confirm none open on binance, bybit")));

    kill.resume().expect("flat and healthy");
    assert!(!kill.is_halted());
    ex.shutdown().await;
    by.shutdown().await;
}

#[tokio::test]
async fn cancels_that_get_5xx_at_first_are_retried_until_flat() {
    let ex = binance().await;
    let by = bybit().await;
    let kill = switch()
        .exchange(client(&ex))
        .exchange(bybit_client(&by))
        .build();
    let trader = client(&ex);
    bid(&trader, BTC, "50000", None).await;
    // The open-orders query passes; the cancel-all gets 503 twice, then goes through.
    ex.faults()
        .push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    ex.faults().fail_next_requests(2);
    // Bybit: its first two requests (the open-orders query) get 502 from the gateway.
    by.faults().fail_next_requests(2);

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    let binance = &report.cancellation.venues[0];
    assert_eq!(binance.retries, 2);
    assert!(
        binance.last_error.as_deref().unwrap().contains("503"),
        "{binance:?}"
    );
    assert_eq!(binance.orders[0].outcome, CancelOutcome::Cancelled);
    let bybit = &report.cancellation.venues[1];
    assert_eq!((bybit.retries, bybit.state), (2, SweepState::Done));
    assert!(open_on(&trader, BTC).await.is_empty());
    ex.shutdown().await;
    by.shutdown().await;
}

#[tokio::test]
async fn a_rate_limited_cancel_is_waited_out_not_dropped() {
    let ex = binance().await;
    let kill = switch().exchange(client(&ex)).build();
    let trader = client(&ex);
    bid(&trader, BTC, "50000", None).await;
    ex.faults()
        .push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    ex.faults()
        .error_next_requests(1, 429, -1003, "Too many requests; current limit is 6000.");

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let binance = &report.cancellation.venues[0];
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    assert_eq!((binance.rate_limited, binance.retries), (1, 1));
    assert!(binance.last_error.as_deref().unwrap().contains("-1003"));
    assert_eq!(binance.orders[0].outcome, CancelOutcome::Cancelled);
    assert!(report.to_string().contains("1 rate limit(s)"));
    ex.shutdown().await;
}

#[tokio::test]
async fn a_ban_without_a_retry_after_is_not_hammered() {
    let ex = binance().await;
    let kill = switch()
        .exchange(client(&ex))
        .sweep_bounds(1, Duration::from_secs(10))
        .build();
    let trader = client(&ex);
    let order = bid(&trader, BTC, "50000", None).await;
    let faults = ex.faults();
    faults.push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    faults.error_next_requests(
        1,
        418,
        -1003,
        "Way too much request weight used; IP banned.",
    );

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let binance = &report.cancellation.venues[0];
    assert_eq!(
        report.cancellation.state,
        SweepState::Incomplete,
        "{report}"
    );
    assert_eq!(binance.retries, 0, "a request during a ban would extend it");
    assert_eq!(binance.orders[0].outcome, CancelOutcome::Failed);
    assert!(binance.orders[0].error.as_deref().unwrap().contains("418"));
    assert_eq!(
        report.cancellation.to_acknowledge(),
        [order.order_id.to_string()]
    );
    ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_that_fills_while_the_sweep_runs_is_told_apart_from_a_cancel() {
    let ex = binance().await;
    let kill = slow_retry_switch().exchange(client(&ex)).build();
    let trader = client(&ex);
    let near = bid(&trader, BTC, "50000", None).await;
    let far = bid(&trader, BTC, "40000", None).await;
    // The sweep lists both bids; its cancel-all gets a 503; while it waits to retry, the
    // market goes through the near bid.
    ex.faults()
        .push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    ex.faults().fail_next_requests(1);
    kill.trip("operator stop");
    until(|| ex.faults().pending_rest_faults() == 0).await;
    assert!(ex.move_price(BTC, dec!(49990)));

    let report = assessed(&kill).await;
    assert_filled_meanwhile(
        &report,
        "binance",
        &near.order_id.to_string(),
        &far.order_id.to_string(),
    );
    ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_bybit_an_order_that_fills_while_the_sweep_runs_is_told_apart_from_a_cancel() {
    let by = bybit().await;
    let kill = slow_retry_switch().exchange(bybit_client(&by)).build();
    let trader = bybit_client(&by);
    let near = bybit_bid(&trader, "50000").await;
    let far = bybit_bid(&trader, "40000").await;
    // The sweep lists both bids; its cancel-all gets a 502; while it waits to retry, a trade
    // goes through the near bid. Bybit lists open orders only: the sweep finds the near bid
    // among the closed ones, filled.
    by.faults().fail_endpoint("/v5/order/cancel-all", 1);
    kill.trip("operator stop");
    until(|| by.faults().pending_failures() == 0).await;
    assert_eq!(by.trade_through(BTC, dec!(49990)), 1);

    let report = assessed(&kill).await;
    assert_filled_meanwhile(&report, "bybit", &near, &far);
    assert_eq!(by.open_order_count(), 0);
    by.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_exchange_leaves_the_sweep_incomplete_and_resume_refused() {
    let ex = binance().await;
    let path = std::env::temp_dir().join(format!("hft-halt-audit-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let journal = OrderJournal::builder().file(&path).build().unwrap();
    let kill = switch()
        .exchange(client(&ex))
        .journal(journal)
        .sweep_bounds(3, Duration::from_secs(2))
        .assessment_retry(2, Duration::from_millis(5), Duration::from_millis(10))
        .build();
    bid(&client(&ex), BTC, "50000", None).await;
    ex.shutdown().await;

    kill.halt(Halt::new("exchange lost").by("alice"));
    let report = assessed(&kill).await;
    let c = &report.cancellation;
    assert_eq!(c.state, SweepState::Incomplete, "{report}");
    assert_eq!(c.venues[0].open_after, None, "nothing was answered");
    assert_eq!(c.unknown_venues(), ["binance"]);
    assert!(
        kill.is_halted(),
        "an incomplete sweep leaves the gate halted"
    );
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("binance: open orders unknown")));

    let refused = kill.resume().unwrap_err();
    let ResumeError::SweepIncomplete { to_acknowledge, .. } = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!(to_acknowledge, &["binance"]);
    assert!(refused.to_string().contains("binance: open orders unknown"));
    assert!(kill.is_halted());
    assert!(matches!(
        kill.resume_acknowledging(["something else"]),
        Err(ResumeError::SweepIncomplete { .. })
    ));
    kill.resume_with(
        hft_cache::kill_switch::Resume::all()
            .acknowledging(["binance"])
            .by("bob"),
    )
    .expect("acknowledged");
    assert!(!kill.is_halted());

    let report = kill.last_report().unwrap();
    assert_eq!(report.cancellation.acknowledged, ["binance"]);
    let actions: Vec<(AuditAction, &str)> = report
        .audit
        .iter()
        .map(|a| (a.action, a.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Trip, "alice"),
            (AuditAction::ResumeRefused, "KillSwitch::resume"),
            (AuditAction::ResumeRefused, "KillSwitch::resume"),
            (AuditAction::Acknowledge, "bob"),
            (AuditAction::Resume, "bob"),
        ]
    );
    assert_eq!(kill.audit_trail().len(), 5);
    assert_eq!(report.audit[0].reason, "manual stop: exchange lost");
    assert_eq!(report.audit[3].orders, ["binance"]);
    let file = std::fs::read_to_string(&path).unwrap();
    let records: Vec<serde_json::Value> = file
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|l| l.get("audit").cloned())
        .collect();
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "trip",
            "resume_refused",
            "resume_refused",
            "acknowledge",
            "resume"
        ]
    );
    assert_eq!(records[0]["actor"], "alice");
    assert_eq!(records[0]["scope"]["kind"], "all");
    assert_eq!(records[0]["report"], 1);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn an_order_whose_cancel_keeps_failing_is_named_and_must_be_acknowledged() {
    let ex = binance().await;
    let kill = switch()
        .exchange(client(&ex))
        .sweep_bounds(2, Duration::from_secs(10))
        .build();
    let trader = client(&ex);
    let stuck = bid(&trader, BTC, "50000", None).await;
    let faults = ex.faults();
    let refused = RestFault::Error {
        status: 400,
        code: -1020,
        msg: "This operation is not supported.".to_owned(),
    };
    // Two rounds: list, cancel-all (refused), confirm; cancel-all (refused), confirm.
    faults.push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    faults.push_rest_fault(refused.clone(), 1);
    faults.push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    faults.push_rest_fault(refused, 1);

    kill.trip("operator stop");
    let report = assessed(&kill).await;
    let c = &report.cancellation;
    assert_eq!(c.state, SweepState::Incomplete, "{report}");
    assert_eq!(c.venues[0].rounds, 2);
    assert_eq!(
        outcomes(&report, "binance"),
        [(stuck.order_id.to_string(), CancelOutcome::Failed)]
    );
    let open = c.venues[0].open_after.as_ref().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(c.to_acknowledge(), [stuck.order_id.to_string()]);
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains(&format!(
            "cancel failed for binance order {}",
            stuck.order_id
        )) && m.contains("-1020")));

    let refused = kill.resume().unwrap_err();
    assert!(
        refused
            .to_string()
            .contains(&format!("binance order {}", stuck.order_id)),
        "{refused}"
    );
    kill.resume_acknowledging([stuck.order_id.to_string()])
        .expect("acknowledged");
    assert_eq!(open_on(&trader, BTC).await.len(), 1, "left open, knowingly");
    ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_trips_in_quick_succession_run_one_sweep() {
    let ex = binance().await;
    let kill = switch().exchange(client(&ex)).build();
    let trader = client(&ex);
    bid(&trader, BTC, "50000", None).await;
    bid(&trader, ETH, "2500", None).await;

    // The sweep's first answer takes a moment (well within its max age): the second trip comes
    // while the first sweep surely runs.
    ex.faults()
        .push_rest_fault(RestFault::Delay(Duration::from_millis(100)), 1);
    let first = kill.trip("first stop");
    let second = kill.trip("second stop");
    assert_eq!(
        (first.cancellation.sweep, second.cancellation.sweep),
        (1, 1)
    );
    assert!(second
        .steps
        .iter()
        .any(|s| s.step == StepKind::CancelSweep && s.outcome.contains("already running")));

    let last = assessed(&kill).await;
    let reports = kill.reports();
    assert_eq!(reports.len(), 2);
    for report in &reports {
        assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
        assert_eq!(
            report.cancellation, last.cancellation,
            "one sweep, one record"
        );
    }
    assert_eq!(last.cancellation.venues[0].orders.len(), 2);
    assert!(last.cancellation.venues[0]
        .orders
        .iter()
        .all(|o| o.outcome == CancelOutcome::Cancelled));
    assert!(open_on(&trader, BTC).await.is_empty() && open_on(&trader, ETH).await.is_empty());

    // Once that sweep is over, the next trip sweeps afresh.
    let third = kill.trip("third stop");
    assert_eq!(third.cancellation.sweep, 2);
    assert_eq!(assessed(&kill).await.cancellation.state, SweepState::Done);
    ex.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_halt_on_one_symbol_leaves_the_other_symbols_orders_resting() {
    let ex = binance().await;
    let kill = switch().exchange(client(&ex)).build();
    let gate = kill.gate();
    let trader = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(gate.clone())
        .build()
        .unwrap();
    let btc = bid(&trader, BTC, "50000", Some("mm-1")).await;
    let btc_arb = bid(&trader, BTC, "49000", Some("arb-1")).await;
    let eth = bid(&trader, ETH, "2500", None).await;

    let report = kill.halt(
        Halt::new("ETH desk stop")
            .scope(HaltScope::symbol(ETH))
            .by("alice"),
    );
    assert_eq!(report.scope, HaltScope::symbol(ETH));
    assert!(!kill.is_halted() && gate.check().is_ok());
    assert!(report.disabled_caches.is_empty());
    assert!(
        report.remediation.done[0].starts_with("scoped halt of symbol ETHUSDT"),
        "{:#?}",
        report.remediation
    );
    let report = assessed(&kill).await;
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    assert_eq!(
        outcomes(&report, "binance"),
        [(eth.order_id.to_string(), CancelOutcome::Cancelled)]
    );
    assert!(open_on(&trader, ETH).await.is_empty());
    assert_eq!(open_on(&trader, BTC).await.len(), 2, "BTC's orders rest");

    // The gate refuses ETH orders only.
    let refused = trader
        .signed_post::<Ack, _>(
            "/api/v3/order",
            &[
                ("symbol", ETH),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", "2500"),
            ],
        )
        .await
        .unwrap_err();
    let RequestError::Halted(halted) = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!(halted.scope(), &HaltScope::symbol(ETH));
    assert!(
        refused
            .to_string()
            .contains("ETH desk stop, for symbol ETHUSDT"),
        "{refused}"
    );
    bid(&trader, BTC, "48000", Some("mm-2")).await;

    // Scopes stack: a strategy's halt sweeps only its orders, with single cancels.
    kill.halt(Halt::new("mm quotes wrong").scope(HaltScope::strategy("mm-")));
    let report = assessed(&kill).await;
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    assert_eq!(report.cancellation.venues[0].orders.len(), 2);
    let left = open_on(&trader, BTC).await;
    assert_eq!(left, [(btc_arb.order_id, btc_arb.client_order_id.clone())]);
    assert!(gate.check_order("binance", BTC, Some("mm-3")).is_err());
    assert!(gate.check_order("binance", BTC, Some("arb-2")).is_ok());
    assert!(gate.check_order("binance", ETH, Some("arb-2")).is_err());
    assert_eq!(gate.scoped_halts().len(), 2);
    let _ = btc;

    // Resume names the scope it lifts.
    assert_eq!(
        kill.resume(),
        Err(ResumeError::NotHalted),
        "everything was never halted"
    );
    kill.resume_scope(&HaltScope::symbol(ETH)).unwrap();
    assert!(gate.check_order("binance", ETH, Some("arb-2")).is_ok());
    assert!(gate.check_order("binance", BTC, Some("mm-3")).is_err());
    assert!(matches!(
        kill.resume_scope(&HaltScope::symbol(ETH)),
        Err(ResumeError::ScopeNotHalted { .. })
    ));
    kill.resume_scope(&HaltScope::strategy("mm-")).unwrap();
    assert!(gate.check_order("binance", BTC, Some("mm-3")).is_ok());

    let trail: Vec<(AuditAction, String)> = kill
        .audit_trail()
        .iter()
        .map(|a| (a.action, a.scope.to_string()))
        .collect();
    assert_eq!(
        trail,
        [
            (AuditAction::ScopedHalt, "symbol ETHUSDT".to_owned()),
            (AuditAction::ScopedHalt, "strategy mm-".to_owned()),
            (AuditAction::ResumeRefused, "all".to_owned()),
            (AuditAction::Resume, "symbol ETHUSDT".to_owned()),
            (AuditAction::ResumeRefused, "symbol ETHUSDT".to_owned()),
            (AuditAction::Resume, "strategy mm-".to_owned()),
        ]
    );
    assert_eq!(kill.audit_trail()[0].actor, "alice");
    ex.shutdown().await;
}

#[tokio::test]
async fn keep_resting_orders_is_a_choice_the_report_shows() {
    let ex = binance().await;
    let kill = switch().exchange(client(&ex)).keep_resting_orders().build();
    let trader = client(&ex);
    bid(&trader, BTC, "50000", None).await;
    let report = kill.trip("operator stop");
    assert_eq!(report.cancellation.state, SweepState::KeptResting);
    assert!(report
        .remediation
        .manual
        .iter()
        .any(|m| m.contains("kept by choice")));
    let report = assessed(&kill).await;
    assert_eq!(report.cancellation.state, SweepState::KeptResting);
    assert_eq!(open_on(&trader, BTC).await.len(), 1);
    kill.resume().expect("nothing to wait for");
    let _: Decimal = dec!(0);
    ex.shutdown().await;
}

#[tokio::test]
async fn a_bybit_adapter_in_the_paper_phase_gets_bybit_s_answer_and_sends_nothing() {
    use hft_cache::book::{BookView, Level};
    use hft_cache::kill_switch::{GateMode, PaperPhase};
    use hft_cache::StreamCache;

    let by = bybit().await;
    let registry = Registry::new();
    let books = StreamCache::<String, BookView>::builder()
        .name("bybit-books")
        .registry(&registry)
        .build()
        .unwrap();
    let feed = books.custom_transport_writer("test-feed");
    let level = |price, qty| Level { price, qty };
    feed.publish(
        BTC.to_owned(),
        BookView {
            symbol: BTC.into(),
            last_update_id: 1,
            bids: vec![level(dec!(59999), dec!(1))],
            asks: vec![level(dec!(60001), dec!(1))],
        },
    );
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&registry)
        .journal(journal.clone())
        .exchange(bybit_client(&by))
        .paper_phase(PaperPhase::new(&books).orders(5))
        .build();
    let trader = SignedClient::builder_for(Bybit, by.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    kill.trip("operator stop");
    assert_eq!(assessed(&kill).await.cancellation.state, SweepState::Done);
    kill.resume().unwrap();
    assert_eq!(kill.gate().mode(), GateMode::Paper);

    let order = serde_json::json!({
        "category": "spot", "symbol": BTC, "side": "Buy", "orderType": "Market", "qty": "0.5",
        "orderLinkId": "mm-paper-1",
    });
    let ack: Fresh<BybitAck> = trader
        .signed_post("/v5/order/create", &order)
        .await
        .expect("answered in Bybit's shape");
    assert_eq!(
        ack.read().unwrap().order_id,
        "0",
        "the order exists nowhere"
    );
    assert_eq!(by.open_order_count(), 0);
    let entry: serde_json::Value =
        serde_json::from_str(journal.to_json_lines().lines().last().unwrap()).unwrap();
    assert_eq!(entry["mode"], "paper");
    assert_eq!(entry["client_order_id"], "mm-paper-1");
    assert_eq!(
        entry["outcome"]["order_id"], 0,
        "Bybit's string id, read as the venue names it"
    );
    by.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategy_sweep_sends_its_cancels_together_and_counts_every_retry() {
    let ex = binance().await;
    let kill = switch().exchange(client(&ex)).build();
    let trader = client(&ex);
    let mut mm = Vec::new();
    for i in 0..12 {
        let (symbol, price) = if i % 2 == 0 {
            (BTC, format!("{}", 50000 - i))
        } else {
            (ETH, format!("{}", 2500 - i))
        };
        mm.push(
            bid(&trader, symbol, &price, Some(&format!("mm-{i}")))
                .await
                .order_id,
        );
    }
    let arb = bid(&trader, BTC, "48000", Some("arb-1")).await;
    // The list passes; then three 503s land on whichever single cancels go out first.
    ex.faults()
        .push_rest_fault(RestFault::Delay(Duration::ZERO), 1);
    ex.faults().fail_next_requests(3);

    kill.halt(Halt::new("mm quotes wrong").scope(HaltScope::strategy("mm-")));
    let report = assessed(&kill).await;
    let c = &report.cancellation;
    assert_eq!(c.state, SweepState::Done, "{report}");
    let mut expected: Vec<(String, CancelOutcome)> = mm
        .iter()
        .map(|id| (id.to_string(), CancelOutcome::Cancelled))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(outcomes(&report, "binance"), expected);
    assert_eq!(
        c.venues[0].retries, 3,
        "every retry of every cancel counted"
    );
    assert!(c.venues[0].last_error.as_deref().unwrap().contains("503"));
    let left = open_on(&trader, BTC).await;
    assert_eq!(left, [(arb.order_id, arb.client_order_id.clone())]);
    assert!(open_on(&trader, ETH).await.is_empty());
    ex.shutdown().await;
}
