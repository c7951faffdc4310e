//! The main job: a short trading loop against the embedded mock exchange, with a stream stall
//! midway that makes the book unreadable and trips the kill switch. The emergency procedure runs
//! its four phases: the halt (immediate action), the assessment of the orders sent in the suspect
//! window and the exposure now (fetched fresh), the remediation record, and the validation: a
//! paper phase that trades against the live book without sending anything, then live trading.
//!
//! At the halt the adapter has a ladder of five limit bids resting on the exchange: the kill
//! switch's cancel sweep cancels them and confirms with a fresh open-orders query that nothing is
//! left; the demo prints the sweep, and its summary says whether the process was flat.
//!
//! Every order is sent with a `pre_trade::Decision`; once, a stale-decided bid and a fat-finger
//! bid are refused by the pre-trade check before they leave.
//!
//! `cargo run --example demo` (about 10 s; `--seconds N` to change; `--report PATH` writes the
//! final emergency reports as a JSON array; `RUST_LOG=warn` to see the policy's own log events).

mod adapter;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use adapter::{BinanceAdapter, Endpoints, OrderError};
use hft_cache::exchange::SignedClient;
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{
    CancelOutcome, EmergencyReport, GateMode, KillSwitch, PaperPhase, RelapseWatch, SweepState,
    TradingGate, Trigger,
};
use hft_cache::monitor::Registry;
use hft_cache_mock::MockExchange;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";
const TICK: Duration = Duration::from_millis(250);
/// The bid ladder: how many ticks under the best bid each of the resting bids sits.
const LADDER: [u32; 5] = [5, 10, 15, 20, 25];

#[derive(Default)]
struct Tally {
    book_reads: u64,
    book_refusals: u64,
    placed: u64,
    cancelled: u64,
    paper: u64,
    refused_halted: u64,
    refused_book: u64,
    refused_pre_trade: u64,
    errors: u64,
    trips: u64,
    resumes: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args { seconds, report } = args()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();

    let exchange = MockExchange::builder()
        .api_key("demo-key")
        .secret("demo-secret")
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .symbol("ETHUSDT", "ETH", "USDT", dec!(3000))
        .balance("USDT", dec!(10000))
        // The real exchange's cadence: `@depth@100ms` every 100 ms, `@bookTicker` on change.
        .start()
        .await?;
    println!(
        "mock exchange on {} (REST) and {} (WebSocket)",
        exchange.http_url(),
        exchange.ws_url()
    );

    let registry = Registry::new();
    let gate = TradingGate::new();
    // The audit record of our own orders: what the assessment reads after a trip.
    let journal = OrderJournal::new();
    let endpoints = Endpoints {
        rest_url: exchange.http_url(),
        ws_url: exchange.ws_url(),
        api_key: "demo-key".into(),
        secret: "demo-secret".into(),
    };
    let adapter = BinanceAdapter::connect(
        endpoints,
        &[SYMBOL, "ETHUSDT"],
        &registry,
        gate.clone(),
        journal.clone(),
    )
    .await?;
    // The kill switch's own client: after a trip it cancels every resting order (the sweep) and
    // fetches order status and balances fresh (the assessment); it is never halted (it places
    // nothing).
    let assessor = SignedClient::builder(exchange.http_url())
        .api_key("demo-key")
        .secret("demo-secret")
        .build()?;
    let kill = KillSwitch::builder()
        .registry(&registry)
        .gate(gate)
        .journal(journal.clone())
        .exchange(assessor)
        .paper_phase(PaperPhase::new(adapter.books()).orders(8))
        .relapse_watch(RelapseWatch::new(Duration::from_secs(3)))
        .build();
    let _watcher = kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_millis(1500)))
        .interval(Duration::from_millis(100))
        .build()?
        .spawn();
    println!("adapter connected: trading rules cached, order books and book tickers streaming, balances only fetched fresh");
    let start = Instant::now();
    while adapter.top_of_book(SYMBOL).is_err() && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let total = Duration::from_secs(seconds);
    // A stall long enough to trip the kill switch (feed unhealthy > 1.5 s), at about 40 %.
    let stall_from = total.mul_f64(0.4);
    let stall_until = stall_from + Duration::from_millis(2500).min(total.mul_f64(0.3));
    let (mut stalled, mut stall_done) = (false, false);
    // Once, while live: two orders the pre-trade controls must refuse.
    let mut misdecided_done = false;
    let mut tally = Tally::default();
    let mut resting: VecDeque<u64> = VecDeque::new();
    let mut last_halt_note = String::new();
    let mut last_mode = GateMode::Live;
    // The last trip whose sweep and assessment were printed.
    let mut reported_trip = 0;
    let mut next_report = Duration::from_secs(1);
    let start = Instant::now();
    println!(
        "trading {SYMBOL} for {seconds} s: a ladder of {} limit bids {}..{} ticks under the market, the oldest replaced every {TICK:?}\n",
        LADDER.len(),
        LADDER[0],
        LADDER[LADDER.len() - 1]
    );

    while start.elapsed() < total {
        let now = start.elapsed();
        if !stalled && !stall_done && now >= stall_from {
            exchange.faults().stall_stream(true);
            stalled = true;
            println!(
                "[{:>5.1}s] !! injecting a stream stall: the exchange stops sending depth updates",
                secs(now)
            );
        }
        if stalled && now >= stall_until {
            exchange.faults().stall_stream(false);
            (stalled, stall_done) = (false, true);
            println!(
                "[{:>5.1}s] !! stall over: the feed reconnects and resyncs from a new snapshot",
                secs(now)
            );
        }
        if let Some(halt) = kill.halted() {
            let note = halt.to_string();
            if note != last_halt_note {
                tally.trips += 1;
                println!("[{:>5.1}s] KILL SWITCH: {note}", secs(now));
                if !resting.is_empty() {
                    println!(
                        "[{:>5.1}s] {} of our bids rest on the exchange: the kill switch's cancel sweep is cancelling them",
                        secs(now),
                        resting.len()
                    );
                }
                // Ours no more to cancel: the sweep does it, and the exchange says what is left.
                resting.clear();
                last_halt_note = note;
            }
            if kill.trips() > reported_trip {
                // The halt never waited for these: the sweep cancels the resting orders and
                // confirms with a fresh query, then the assessment fetches the suspect orders'
                // status and the balances fresh from the exchange.
                if let Ok(Some(report)) =
                    tokio::time::timeout(Duration::from_secs(5), kill.assessed_report()).await
                {
                    reported_trip = report.trip;
                    print_sweep(start.elapsed(), &report);
                    print_assessment(&report.to_string());
                }
            }
            if stall_done {
                match kill.resume() {
                    Ok(_) => {
                        tally.resumes += 1;
                        last_halt_note.clear();
                        println!("[{:>5.1}s] resume: validation passed (feeds healthy, nothing stale, no live data cached)", secs(now));
                    }
                    Err(e) => println!("[{:>5.1}s] resume refused: {e}", secs(now)),
                }
            }
        }
        let mode = kill.gate().mode();
        if mode != last_mode {
            match mode {
                GateMode::Paper => println!(
                    "[{:>5.1}s] PAPER PHASE: orders are checked as live and answered from a simulation against the book; nothing is sent",
                    secs(now)
                ),
                GateMode::Live => println!(
                    "[{:>5.1}s] LIVE again: the paper phase passed with no refusal, stale read or feed fault",
                    secs(now)
                ),
                GateMode::Halted => {}
            }
            last_mode = mode;
        }

        if !misdecided_done && now >= total.mul_f64(0.15) && kill.gate().mode() == GateMode::Live {
            misdecided_done = true;
            let (stale, fat_finger) = adapter.misdecided_orders(SYMBOL).await;
            for (what, outcome) in [
                (
                    "a bid decided on a book read 100 ms before it left (budget 50 ms)",
                    stale,
                ),
                ("a fat-finger bid 10 % through the best ask", fat_finger),
            ] {
                match outcome {
                    Err(OrderError::PreTrade(refusal)) => println!(
                        "[{:>5.1}s] PRE-TRADE: {what}: refused before it was sent: {refusal}",
                        secs(start.elapsed())
                    ),
                    Ok(_) => println!(
                        "[{:>5.1}s] PRE-TRADE: {what}: SENT (the controls should have refused it)",
                        secs(start.elapsed())
                    ),
                    Err(e) => println!(
                        "[{:>5.1}s] PRE-TRADE: {what}: not sent: {e}",
                        secs(start.elapsed())
                    ),
                }
            }
        }
        match adapter.top_of_book(SYMBOL) {
            Ok(_) => tally.book_reads += 1,
            Err(_) => tally.book_refusals += 1,
        }
        let paper = kill.gate().mode() == GateMode::Paper;
        let ticks = LADDER[((tally.placed + tally.paper) % LADDER.len() as u64) as usize];
        match adapter.bid_below_market(SYMBOL, ticks).await {
            Ok(ack) => {
                if paper {
                    tally.paper += 1;
                } else {
                    tally.placed += 1;
                }
                // A paper order exists nowhere (its id is 0): there is nothing to cancel.
                resting.extend(ack.read().ok().map(|a| a.order_id).filter(|&id| id != 0));
            }
            Err(OrderError::Halted(_)) => tally.refused_halted += 1,
            Err(OrderError::Book(_)) => tally.refused_book += 1,
            Err(OrderError::PreTrade(_)) => tally.refused_pre_trade += 1,
            Err(e) => {
                tally.errors += 1;
                println!("[{:>5.1}s] order error: {e}", secs(now));
            }
        }

        // The new bid is in: the oldest makes way (a refused bid leaves the ladder as it was).
        while resting.len() > LADDER.len() {
            if let Some(id) = resting.pop_front() {
                match adapter.cancel(SYMBOL, id).await {
                    Ok(_) => tally.cancelled += 1,
                    Err(_) => tally.errors += 1,
                }
            }
        }

        if start.elapsed() >= next_report {
            next_report += Duration::from_secs(1);
            progress(&adapter, start.elapsed(), &tally).await;
        }
        tokio::time::sleep(TICK).await;
    }

    exchange.faults().stall_stream(false);
    for id in resting.drain(..) {
        match adapter.cancel(SYMBOL, id).await {
            Ok(_) => tally.cancelled += 1,
            Err(_) => tally.errors += 1,
        }
    }
    // The last sweep and assessment, final, for the summary and the report file.
    let _ = tokio::time::timeout(Duration::from_secs(10), kill.assessed_report()).await;
    summary(&adapter, &kill, &registry, &journal, &tally).await;
    if let Some(path) = report {
        let reports = kill.reports();
        std::fs::write(&path, serde_json::to_string_pretty(&reports)?)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        println!(
            "\n{} emergency report(s) written to {} (JSON array)",
            reports.len(),
            path.display()
        );
    }
    exchange.shutdown().await;
    Ok(())
}

async fn progress(adapter: &BinanceAdapter, at: Duration, tally: &Tally) {
    let book = match adapter.top_of_book(SYMBOL) {
        Ok((bid, ask, id)) => format!(
            "{SYMBOL} {}/{} (update {id})",
            bid.normalize(),
            ask.normalize()
        ),
        Err(e) => format!("{SYMBOL} book refused ({e})"),
    };
    // Live data: fetched for this line, read once, dropped.
    let funds = match adapter.account().await {
        Ok(account) => match account.read() {
            Ok(a) => {
                let (free, locked) = a.balance("USDT");
                format!(
                    "USDT free {} locked {} (fetched {:?} ago)",
                    free.round_dp(2),
                    locked.round_dp(2),
                    account.age()
                )
            }
            Err(e) => format!("account expired: {e}"),
        },
        Err(e) => format!("account fetch failed: {e}"),
    };
    let feed = adapter
        .feed_health(SYMBOL)
        .map_or("?".to_string(), |h| format!("{:?}", h.phase).to_lowercase());
    let ticker = match adapter.ticker(SYMBOL) {
        Ok((bid, ask)) => format!("ticker {}/{}", bid.normalize(), ask.normalize()),
        Err(_) => "ticker refused".to_string(),
    };
    println!(
        "[{:>5.1}s] {book} | {ticker} | {funds} | orders placed {} cancelled {} refused {} | feed {feed}",
        secs(at),
        tally.placed,
        tally.cancelled,
        tally.refused_halted + tally.refused_book,
    );
}

/// The cancel sweep of a halt, in a few lines: what it cancelled, when it was flat, what is left.
fn print_sweep(at: Duration, report: &EmergencyReport) {
    let c = &report.cancellation;
    let count = |outcome| {
        c.venues
            .iter()
            .flat_map(|v| &v.orders)
            .filter(|o| o.outcome == outcome)
            .count()
    };
    let open_after: usize = c
        .venues
        .iter()
        .map(|v| v.open_after.as_ref().map_or(0, Vec::len))
        .sum();
    let rounds = c.venues.iter().map(|v| v.rounds).max().unwrap_or(0);
    let head = format!(
        "[{:>5.1}s] CANCEL SWEEP #{} ({}): {} cancelled, {} filled meanwhile, {} already closed, {} failed, {rounds} round(s)",
        secs(at),
        c.sweep,
        c.state.as_str(),
        count(CancelOutcome::Cancelled),
        count(CancelOutcome::FilledMeanwhile),
        count(CancelOutcome::AlreadyClosed),
        count(CancelOutcome::Failed),
    );
    match (c.state, c.time_to_flat) {
        (SweepState::Done, Some(t)) => println!(
            "{head}; confirmed flat {} ms after the trip; open after: {open_after}",
            t.as_millis()
        ),
        (SweepState::Done, None) => println!("{head}; nothing was open; open after: 0"),
        _ => println!(
            "{head}; NOT FLAT, still open: {}",
            c.describe_open().join("; ")
        ),
    }
    for v in &c.venues {
        for o in &v.orders {
            let order = &o.order;
            println!(
                "           {} order {} {} {} {} @ {}: {}",
                v.venue,
                order.order_id,
                order.symbol,
                order.side,
                order.quantity_left.normalize(),
                order
                    .price
                    .map_or("market".to_owned(), |p| p.normalize().to_string()),
                o.outcome.as_str()
            );
        }
    }
}

/// The assessment part of the emergency report, as a risk officer reads it.
fn print_assessment(report: &str) {
    println!("---- emergency report, with the assessment ----");
    for line in report.lines() {
        println!("  | {line}");
    }
    println!("---- end of report ----");
}

async fn summary(
    adapter: &BinanceAdapter,
    kill: &KillSwitch,
    registry: &Registry,
    journal: &OrderJournal,
    tally: &Tally,
) {
    println!("\n== summary");
    println!(
        "book reads: {} served, {} refused (stale or unhealthy feed: never served)",
        tally.book_reads, tally.book_refusals
    );
    let reports = kill.reports();
    let swept: usize = reports
        .iter()
        .flat_map(|r| &r.cancellation.venues)
        .flat_map(|v| &v.orders)
        .filter(|o| o.outcome == CancelOutcome::Cancelled)
        .count();
    println!(
        "orders: {} placed, {} cancelled by the adapter and {swept} by the kill switch's sweep, {} refused by the kill switch, {} refused for want of a fresh book, {} ladder bids refused by the pre-trade check, {} errors",
        tally.placed, tally.cancelled, tally.refused_halted, tally.refused_book, tally.refused_pre_trade, tally.errors
    );
    println!(
        "pre-trade refusals by rule (checked when each order left): {}",
        serde_json::to_string(&adapter.refusals()).unwrap_or_default()
    );
    println!(
        "paper phase: {} orders answered by the simulation, none sent",
        tally.paper
    );
    println!(
        "kill switch: {} trip(s), {} resume(s), gate now {}",
        tally.trips,
        tally.resumes,
        kill.gate().mode()
    );
    let mut flat_at_every_halt = true;
    for report in &reports {
        let c = &report.cancellation;
        let flat = c.state == SweepState::Done;
        flat_at_every_halt &= flat;
        let cancelled = c
            .venues
            .iter()
            .flat_map(|v| &v.orders)
            .filter(|o| o.outcome == CancelOutcome::Cancelled)
            .count();
        match c.time_to_flat {
            Some(t) if flat => println!(
                "  halt #{} by {}: FLAT, {cancelled} resting order(s) cancelled, confirmed by the exchange {} ms after the trip",
                report.trip,
                report.actor,
                t.as_millis()
            ),
            None if flat => println!(
                "  halt #{} by {}: FLAT, nothing was resting",
                report.trip, report.actor
            ),
            _ => println!(
                "  halt #{} by {}: NOT FLAT (sweep {}): {}",
                report.trip,
                report.actor,
                c.state.as_str(),
                c.describe_open().join("; ")
            ),
        }
    }
    if !reports.is_empty() {
        println!(
            "flat at every halt: {}",
            if flat_at_every_halt { "yes" } else { "NO" }
        );
    }
    // Live data: the exchange's answer now, not our memory of what we sent.
    match adapter.open_orders(SYMBOL).await {
        Ok(open) => match open.read() {
            Ok(open) => println!(
                "open orders on the exchange at exit (fetched fresh): {}{}",
                open.len(),
                if open.is_empty() {
                    ", flat".to_owned()
                } else {
                    format!(
                        ", NOT flat: {}",
                        open.iter()
                            .map(|o| format!(
                                "{} {} @ {}",
                                o.order_id,
                                o.orig_qty.normalize(),
                                o.price.normalize()
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
            Err(e) => println!("open orders at exit: expired before read ({e})"),
        },
        Err(e) => println!("open orders at exit: fetch failed ({e})"),
    }
    println!("order journal: {}", journal.totals());
    if let Some(h) = adapter.feed_health(SYMBOL) {
        println!(
            "feed {SYMBOL}: {} events, {} reconnects, {} gaps, {} resyncs",
            h.events, h.reconnects, h.gaps, h.resyncs
        );
    }
    let t = adapter.ticker_health();
    println!(
        "book-ticker feed: {} events, {} reconnects",
        t.events, t.reconnects
    );
    if let Ok(account) = adapter.account().await {
        if let Ok(a) = account.read() {
            let (free, locked) = a.balance("USDT");
            println!(
                "USDT now (fresh): free {}, locked {}",
                free.round_dp(2),
                locked.round_dp(2)
            );
        }
    }
    println!("\n== compliance report\n{}", registry.report());
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// What the command line asked for.
struct Args {
    seconds: u64,
    /// Where to write the final emergency reports, as a JSON array.
    report: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut seconds = 10;
    let mut report = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds needs a whole number, not {value:?}"))?;
                if seconds == 0 {
                    return Err("--seconds must be at least 1".into());
                }
            }
            "--report" => {
                let path = args.next().ok_or("--report needs a file path")?;
                report = Some(PathBuf::from(path));
            }
            "--help" | "-h" => {
                println!("cargo run --example demo [-- --seconds N] [--report PATH]");
                std::process::exit(0);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; try --seconds N or --report PATH"
                ))
            }
        }
    }
    Ok(Args { seconds, report })
}
