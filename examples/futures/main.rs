//! Futures: positions as live data, flatten on halt, and the exchange's own dead man's switch,
//! against an embedded Binance USD-M futures mock.
//!
//! 1. A futures adapter (positions only as `Fresh<T>`, rules in a `StaticCache`, books in a
//!    `StreamCache` synced by the `pu` rule) opens a long position and rests three bids.
//! 2. A `DeadMan` keeps the venue's `countdownCancelAll` armed while the gate is live.
//! 3. The depth stream stalls; the watcher trips the kill switch: the sweep cancels the resting
//!    bids, the positions are fetched fresh and flattened with a reduce-only market order (past
//!    the halted gate), and a fresh query confirms both.
//! 4. Trading resumes, three bids rest again; then the process hangs (the runtime the dead man
//!    runs on is blocked). Nobody renews the countdown, and the exchange cancels the bids by
//!    itself. When the process wakes up, its dead man's switch has lapsed: it trips the switch.
//!
//! The countdown is 1.5 s here, renewed every 300 ms, to keep the run short (Binance suggests
//! 120 s renewed every 30 s, the `DeadMan` default).
//!
//! `cargo run --example futures` (about 10 s; `--report PATH` writes the emergency reports as a
//! JSON array; `RUST_LOG=warn` shows the policy's own log events).

mod adapter;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use adapter::{Endpoints, FuturesAdapter};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{
    DeadMan, EmergencyReport, GateMode, KillSwitch, PositionsState, SweepState, TradingGate,
    Trigger,
};
use hft_cache::monitor::Registry;
use hft_cache_mock::futures::FuturesMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";
const COUNTDOWN: Duration = Duration::from_millis(1500);
const REARM_EVERY: Duration = Duration::from_millis(300);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let report_path = args()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let started = Instant::now();
    let at = || format!("[{:>5.1}s]", started.elapsed().as_secs_f64());

    let exchange = FuturesMock::builder()
        .api_key("futures-key")
        .secret("futures-secret")
        .symbol(SYMBOL, dec!(60000))
        .balance(dec!(10000))
        .leverage(10)
        .start()
        .await?;
    println!(
        "futures mock on {} (REST) and {} (WebSocket)",
        exchange.http_url(),
        exchange.ws_url()
    );
    let endpoints = Endpoints {
        rest_url: exchange.http_url(),
        ws_url: exchange.ws_url(),
        api_key: "futures-key".into(),
        secret: "futures-secret".into(),
    };

    let registry = Registry::new();
    let gate = TradingGate::new();
    let journal = OrderJournal::new();
    let adapter = FuturesAdapter::connect(
        &endpoints,
        &[SYMBOL],
        &registry,
        gate.clone(),
        journal.clone(),
    )
    .await?;
    // The kill switch's own client: it sweeps resting orders, fetches positions and flattens
    // them; it shares the trader's gate, which lets only its reduce-only closes through.
    let kill = KillSwitch::builder()
        .registry(&registry)
        .gate(gate.clone())
        .journal(journal.clone())
        .exchange_with_positions(endpoints.client().trading_gate(gate.clone()).build()?)
        .flatten_positions()
        .build();
    let _watcher = kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(1)))
        .interval(Duration::from_millis(50))
        .build()?
        .spawn();
    wait_for_book(&adapter).await?;
    println!("{} adapter connected: rules cached, book synced by the pu rule, positions only fetched fresh", at());

    // The dead man's switch runs on a runtime of its own, so that the run can hang it later.
    let dead_man_runtime = DeadManRuntime::start()?;
    let dead_man = {
        let _on_it = dead_man_runtime.handle.enter();
        DeadMan::builder(endpoints.client().build()?, &kill)
            .symbol(SYMBOL)
            .countdown(COUNTDOWN)
            .rearm_every(REARM_EVERY)
            .spawn()?
    };

    // 1. A position and resting bids.
    adapter.market(SYMBOL, "BUY", dec!(0.2)).await?;
    print_position(&adapter, &at()).await?;
    rest_bids(&adapter, &at()).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let state = dead_man.state();
    println!(
        "{} DEAD MAN: countdown {:?} armed on {SYMBOL}, renewed {} time(s) every {:?}; the exchange cancels by itself if renewals stop",
        at(),
        state.countdown,
        state.rearms,
        state.rearm_every
    );

    // 2. A fault: the depth stream stalls, the watcher trips the switch.
    println!("{} FAULT: the depth stream stalls", at());
    exchange.faults().stall_stream(true);
    let mut halts = kill.subscribe();
    tokio::time::timeout(Duration::from_secs(5), halts.wait_for(Option::is_some)).await??;
    println!(
        "{} KILL SWITCH tripped: {}",
        at(),
        kill.halted()
            .map(|h| h.reason.to_string())
            .unwrap_or_default()
    );
    let report = tokio::time::timeout(Duration::from_secs(10), kill.assessed_report())
        .await?
        .ok_or("no report")?;
    print_halt(&report, &at());
    print_position(&adapter, &at()).await?;
    println!(
        "{} DEAD MAN after the halt: {} ({})",
        at(),
        dead_man.state().phase.as_str(),
        dead_man.state().stopped_because.unwrap_or_default()
    );

    // 3. The stream recovers; trading resumes once the caches validate.
    exchange.faults().stall_stream(false);
    let resumed = Instant::now();
    loop {
        match kill.resume() {
            Ok(_) => break,
            Err(e) if resumed.elapsed() > Duration::from_secs(10) => return Err(e.into()),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    wait_for_book(&adapter).await?;
    println!("{} RESUMED: gate {:?}", at(), kill.gate().mode());
    rest_bids(&adapter, &at()).await?;
    tokio::time::sleep(REARM_EVERY * 2).await;
    println!(
        "{} DEAD MAN: renewing again ({} renewal(s) so far)",
        at(),
        dead_man.state().rearms
    );

    // 4. The process hangs: nothing on the dead man's runtime runs, so nothing renews.
    let hang = COUNTDOWN * 2;
    println!(
        "{} HANG: the dead man's runtime is blocked for {hang:?}; nobody renews the countdown",
        at()
    );
    dead_man_runtime.hang(hang);
    let hung = Instant::now();
    while exchange.open_order_count() > 0 && hung.elapsed() < hang {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open = adapter.open_orders(SYMBOL).await?;
    let open_now = open.read()?.0.len();
    let since_renewal = dead_man
        .state()
        .symbols
        .first()
        .and_then(|s| s.last_armed_unix_ms)
        .map(|last| unix_ms().saturating_sub(last));
    println!(
        "{} EXCHANGE-SIDE CANCEL: {} ms after the last renewal the venue cancelled the resting bids by itself: a fresh query shows {open_now} open",
        at(),
        since_renewal.map_or("?".to_owned(), |ms| ms.to_string()),
    );
    // The process wakes up: its countdown lapsed while it slept, which trips the switch.
    let woke = Instant::now();
    while kill.gate().mode() == GateMode::Live && woke.elapsed() < hang + Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = dead_man.state();
    println!(
        "{} WOKE UP: dead man {} ({} late renewal(s)); kill switch: {}",
        at(),
        state.phase.as_str(),
        state.late_rearms,
        kill.halted()
            .map(|h| h.reason.to_string())
            .unwrap_or_else(|| "not tripped".into())
    );
    let _ = tokio::time::timeout(Duration::from_secs(10), kill.assessed_report()).await;

    let reports = kill.reports();
    println!(
        "\nSUMMARY: {} halt(s); orders journaled: {}; exchange open orders now: {}; position now: {}",
        reports.len(),
        journal.totals().recorded,
        exchange.open_order_count(),
        exchange.position(SYMBOL).map_or("none".into(), |(size, _)| size.normalize().to_string()),
    );
    if let Some(path) = report_path {
        std::fs::write(&path, serde_json::to_string_pretty(&reports)?)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        println!(
            "{} emergency report(s) written to {} (JSON array)",
            reports.len(),
            path.display()
        );
    }
    dead_man.stop();
    exchange.shutdown().await;
    Ok(())
}

async fn wait_for_book(adapter: &FuturesAdapter) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    while let Err(e) = adapter.top_of_book(SYMBOL) {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!("no book: {e}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn rest_bids(adapter: &FuturesAdapter, at: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut prices = Vec::new();
    for bps in [100, 200, 300] {
        let (price, _) = adapter.rest_bid(SYMBOL, bps, dec!(0.01)).await?;
        prices.push(price.to_string());
    }
    println!(
        "{at} three bids rest on the exchange at {}",
        prices.join(", ")
    );
    Ok(())
}

/// The position, fetched for this line, read once, dropped.
async fn print_position(
    adapter: &FuturesAdapter,
    at: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let positions = adapter.positions().await?;
    let age = positions.age();
    let positions = positions.read()?;
    match positions.get(SYMBOL).filter(|p| p.is_open()) {
        Some(p) => println!(
            "{at} POSITION {SYMBOL}: {} @ entry {}, mark {}, unrealized PnL {}, liquidation {}, {}x (fetched {age:.1?} ago)",
            p.position_amt.normalize(),
            p.entry_price.round_dp(2),
            p.mark_price.round_dp(2),
            p.unrealized_profit.round_dp(2),
            p.liquidation_price.round_dp(2),
            p.leverage
        ),
        None => println!("{at} POSITION {SYMBOL}: flat (fetched {age:.1?} ago)"),
    }
    Ok(())
}

fn print_halt(report: &EmergencyReport, at: &str) {
    let c = &report.cancellation;
    let cancelled = c
        .venues
        .iter()
        .flat_map(|v| &v.orders)
        .filter(|o| o.outcome == hft_cache::kill_switch::CancelOutcome::Cancelled)
        .count();
    println!(
        "{at} SWEEP: {} ({cancelled} resting order(s) cancelled{})",
        if c.state == SweepState::Done {
            "FLAT"
        } else {
            "INCOMPLETE"
        },
        c.time_to_flat
            .map(|t| format!(", confirmed {} ms after the trip", t.as_millis()))
            .unwrap_or_default()
    );
    let p = &report.positions;
    for venue in &p.venues {
        for close in &venue.closes {
            println!(
                "{at} FLATTEN: {} {} {}, a reduce-only market order: {}",
                close.symbol,
                close.direction,
                close.quantity.normalize(),
                close.outcome
            );
        }
    }
    println!(
        "{at} POSITIONS after the flatten: {}",
        match p.state {
            PositionsState::Done => "flat, confirmed by a fresh query",
            PositionsState::Incomplete => "STILL OPEN",
            _ => "unknown",
        }
    );
}

/// A current-thread runtime on its own thread, for the dead man's task: blocking it is how the
/// run simulates a hung process.
struct DeadManRuntime {
    handle: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl DeadManRuntime {
    fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = runtime.block_on(stopped);
        });
        Ok(DeadManRuntime {
            handle,
            _stop: stop,
        })
    }

    /// Blocks the runtime's one thread for `time`: none of its tasks runs meanwhile.
    fn hang(&self, time: Duration) {
        self.handle.spawn(async move { std::thread::sleep(time) });
    }
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn args() -> Result<Option<PathBuf>, String> {
    let mut report = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--report" => {
                report = Some(PathBuf::from(args.next().ok_or("--report needs a path")?));
            }
            other => return Err(format!("unknown argument {other} (expected --report PATH)")),
        }
    }
    Ok(report)
}
