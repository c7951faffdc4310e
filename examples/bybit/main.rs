//! The Bybit-style reference adapter on the same scenario as the Binance demo: trading rules
//! cached, balances and orders only as `Fresh<T>`, an order whose execution status is unknown
//! (a gateway error) that trips the kill switch, a reconciliation by client order id, a
//! validated resume, and the compliance report.
//!
//! `cargo run --example bybit` (about 6 s; `--seconds N` to change).

mod adapter;

use std::time::{Duration, Instant};

use adapter::{BybitAdapter, OrderError};
use hft_cache::kill_switch::{KillSwitch, Trigger};
use hft_cache::monitor::Registry;
use hft_cache_mock::bybit::BybitMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";
const TICK: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Tally {
    placed: u64,
    cancelled: u64,
    refused_halted: u64,
    refused_book: u64,
    unknown: u64,
    reconciled: u64,
    errors: u64,
    trips: u64,
    resumes: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds = seconds_from_args()?;
    let exchange = BybitMock::builder()
        .api_key("demo-key")
        .secret("demo-secret")
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .start()
        .await?;
    println!(
        "bybit-style mock on {} (REST) and {} (WebSocket)",
        exchange.http_url(),
        exchange.ws_url()
    );

    let registry = Registry::new();
    let kill = KillSwitch::builder().registry(&registry).build();
    let _watcher = kill
        .watcher()
        .trigger(Trigger::feed_unhealthy_for(Duration::from_millis(1500)))
        .interval(Duration::from_millis(100))
        .build()?
        .spawn();
    let adapter = BybitAdapter::connect(
        exchange.http_url(),
        exchange.ws_url(),
        &[SYMBOL],
        "demo-key",
        "demo-secret",
        &registry,
        kill.gate(),
    )
    .await?;
    println!("adapter connected: clock synced, trading rules cached, order book streaming, balances only fetched fresh");
    let started = Instant::now();
    while adapter.top_of_book(SYMBOL).is_err() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let total = Duration::from_secs(seconds);
    // A stall of the book topic long enough to trip the kill switch (unhealthy > 1.5 s), then,
    // after a validated resume, a gateway error on an order placement.
    let stall_from = total.mul_f64(0.15);
    let stall_until = stall_from + Duration::from_millis(2500);
    let (mut stalled, mut stall_done, mut last_halt) = (false, false, String::new());
    let fault_at = total.mul_f64(0.7).max(stall_until + Duration::from_secs(2));
    let mut fault_injected = false;
    let mut unknown: Option<(String, u64)> = None;
    let mut to_cancel: Vec<String> = Vec::new();
    let mut tally = Tally::default();
    let mut next_report = Duration::from_secs(1);
    let mut n = 0u64;
    let start = Instant::now();
    println!("trading {SYMBOL} for {seconds} s: a limit bid 5 ticks under the book, replaced every {TICK:?}\n");

    while start.elapsed() < total {
        let now = start.elapsed();
        // Cancels that fail are retried on the next tick: no order is left behind.
        for id in std::mem::take(&mut to_cancel) {
            match adapter.cancel(SYMBOL, &id).await {
                Ok(_) => tally.cancelled += 1,
                Err(_) => {
                    tally.errors += 1;
                    to_cancel.push(id);
                }
            }
        }

        if !stalled && !stall_done && now >= stall_from {
            exchange.faults().silence_stream(true);
            stalled = true;
            println!(
                "[{:>5.1}s] !! injecting a stall: the book topic goes silent (no deltas, no snapshots)",
                now.as_secs_f64()
            );
        }
        if stalled && now >= stall_until {
            exchange.faults().silence_stream(false);
            (stalled, stall_done) = (false, true);
            println!(
                "[{:>5.1}s] !! stall over: the feed resubscribes and starts from a new snapshot",
                now.as_secs_f64()
            );
        }
        if let Some(halt) = kill.halted() {
            let note = halt.to_string();
            if note != last_halt {
                println!("[{:>5.1}s] KILL SWITCH: {note}", now.as_secs_f64());
                tally.trips += 1;
                last_halt = note;
            }
            // A feed trip resumes once the feed is back; an unknown order waits for its
            // reconciliation below.
            if stall_done && unknown.is_none() {
                match kill.resume() {
                    Ok(_) => {
                        tally.resumes += 1;
                        last_halt.clear();
                        println!("[{:>5.1}s] resumed: validation passed (feed healthy, nothing stale, no live data cached)", now.as_secs_f64());
                    }
                    Err(e) => println!("[{:>5.1}s] resume refused: {e}", now.as_secs_f64()),
                }
            }
        }

        if !fault_injected && now >= fault_at {
            // The next order placement meets a gateway error: it may or may not have executed.
            exchange.faults().fail_next_requests(1);
            fault_injected = true;
            println!(
                "[{:>5.1}s] !! injecting a gateway error (HTTP 502) on the next order placement",
                now.as_secs_f64()
            );
        }

        n += 1;
        let link = format!("demo-{n}");
        match adapter.bid_below_market(SYMBOL, 5, &link).await {
            Ok(placed) => {
                tally.placed += 1;
                to_cancel.extend(placed.read().ok().map(|p| p.order_id.clone()));
            }
            Err(OrderError::Book(_)) => tally.refused_book += 1,
            Err(OrderError::Halted(_)) => {
                tally.refused_halted += 1;
                println!(
                    "[{:>5.1}s] order {link} refused: trading is halted",
                    now.as_secs_f64()
                );
            }
            Err(OrderError::Exchange(e)) if e.execution_unknown() => {
                // Not a failure: the order may be live. Stop trading until it is found.
                tally.unknown += 1;
                kill.trip(format!("order {link}: execution status unknown ({e})"));
                unknown = Some((link, n));
            }
            Err(e) => {
                tally.errors += 1;
                println!("[{:>5.1}s] order error: {e}", now.as_secs_f64());
            }
        }

        // One tick after the trip, so that the halt is seen refusing an order first.
        if let Some((link, _)) = unknown.clone().filter(|(_, tripped_at)| n > *tripped_at) {
            // Halted: reconcile before trading again. The order is looked up by its client id.
            match adapter.find(SYMBOL, &link).await {
                Ok(found) => {
                    let orders = found.read()?;
                    match orders.list.first() {
                        Some(order) => {
                            println!("[{:>5.1}s] reconciled: {link} is on the book as {} at {}; cancelling it", now.as_secs_f64(), order.order_id, order.price);
                            to_cancel.push(order.order_id.clone());
                        }
                        None => println!(
                            "[{:>5.1}s] reconciled: {link} never reached the book",
                            now.as_secs_f64()
                        ),
                    }
                    tally.reconciled += 1;
                    unknown = None;
                    match kill.resume() {
                        Ok(_) => {
                            tally.resumes += 1;
                            last_halt.clear();
                            println!("[{:>5.1}s] resumed: validation passed (nothing stale, no live data cached)", now.as_secs_f64());
                        }
                        Err(e) => println!("[{:>5.1}s] resume refused: {e}", now.as_secs_f64()),
                    }
                }
                Err(e) => println!(
                    "[{:>5.1}s] reconciliation failed, retrying: {e}",
                    now.as_secs_f64()
                ),
            }
        }

        if start.elapsed() >= next_report {
            next_report += Duration::from_secs(1);
            progress(&adapter, start.elapsed(), &tally).await;
        }
        tokio::time::sleep(TICK).await;
    }

    for id in to_cancel {
        if adapter.cancel(SYMBOL, &id).await.is_ok() {
            tally.cancelled += 1;
        }
    }
    println!("\n== summary");
    println!(
        "orders: {} placed, {} cancelled, {} of unknown fate ({} reconciled), {} refused by the kill switch, {} errors",
        tally.placed, tally.cancelled, tally.unknown, tally.reconciled, tally.refused_halted, tally.errors
    );
    println!(
        "kill switch: {} trip(s), {} resume(s)",
        tally.trips, tally.resumes
    );
    if let Some(report) = kill.last_report() {
        println!("last emergency:\n{report}");
    }
    if let Ok(wallet) = adapter.wallet().await {
        let (free, locked) = wallet.read()?.balance("USDT");
        println!(
            "USDT now (fresh): free {}, locked {}",
            free.round_dp(2),
            locked.round_dp(2)
        );
    }
    println!("\n== compliance report\n{}", registry.report());
    exchange.shutdown().await;
    if tally.unknown == 0 || tally.resumes == 0 || tally.placed == 0 {
        return Err("the scenario did not run: no unknown order, resume or placement".into());
    }
    Ok(())
}

async fn progress(adapter: &BybitAdapter, at: std::time::Duration, tally: &Tally) {
    // Live data: fetched for this line, read once, dropped.
    let funds = match adapter.wallet().await {
        Ok(wallet) => match wallet.read() {
            Ok(w) => {
                let (free, locked) = w.balance("USDT");
                format!(
                    "USDT free {} locked {} (fetched {:?} ago)",
                    free.round_dp(2),
                    locked.round_dp(2),
                    wallet.age()
                )
            }
            Err(e) => format!("wallet expired: {e}"),
        },
        Err(e) => format!("wallet fetch failed: {e}"),
    };
    let book = match adapter.top_of_book(SYMBOL) {
        Ok((bid, ask)) => format!("{SYMBOL} {}/{}", bid.normalize(), ask.normalize()),
        Err(e) => format!("{SYMBOL} book refused ({e})"),
    };
    let feed = adapter
        .feed_health(SYMBOL)
        .map_or("?".to_string(), |h| format!("{:?}", h.phase).to_lowercase());
    println!(
        "[{:>5.1}s] {book} | {funds} | orders placed {} cancelled {} refused {} | feed {feed}",
        at.as_secs_f64(),
        tally.placed,
        tally.cancelled,
        tally.refused_halted + tally.refused_book,
    );
}

fn seconds_from_args() -> Result<u64, String> {
    let mut args = std::env::args().skip(1);
    let mut seconds = 10;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds needs a whole number, not {value:?}"))?;
                if seconds < 2 {
                    return Err("--seconds must be at least 2".into());
                }
            }
            "--help" | "-h" => {
                println!("cargo run --example bybit [-- --seconds N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; try --seconds N")),
        }
    }
    Ok(seconds)
}
