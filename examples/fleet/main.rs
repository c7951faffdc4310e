//! One process of a fleet: the demo's adapter on its own embedded mock exchange, joined to the
//! fleet's NATS server, quoting a small bid ladder until it receives SIGTERM (or Ctrl-C).
//!
//! A fleet halt (`hft-fleet halt --nats URL --all --by alice --why ...`) trips its kill switch:
//! the cancel sweep takes its bids off the mock exchange, and it stops placing. If it loses the
//! server for a whole lease it halts itself. `hft-fleet resume` asks it to resume: it validates
//! (caches healthy, sweep done), trades on paper for a while, then live again.
//!
//! ```text
//! nats-server -js -sd /tmp/nats &
//! cargo run --features fleet,mock,ops --example fleet -- --nats nats://127.0.0.1:4222 --name mm-1 \
//!     [--ops 127.0.0.1:9187] [--lease-ms 3000]
//! ```
//!
//! With `--ops ADDR` it serves the ops endpoint (bearer token from `HFT_CACHE_OPS_TOKEN`), so
//! that its gate can be read from `GET /metrics`.

// The demo's adapter as it is; this process uses only its quoting side.
#[allow(dead_code)]
#[path = "../demo/adapter.rs"]
mod adapter;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use adapter::{BinanceAdapter, Endpoints, OrderError};
use hft_cache::exchange::SignedClient;
use hft_cache::fleet::FleetMember;
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{KillSwitch, PaperPhase, TradingGate};
use hft_cache::monitor::Registry;
use hft_cache::ops::OpsServer;
use hft_cache_mock::MockExchange;
use rust_decimal_macros::dec;
use tokio::signal::unix::{signal, SignalKind};

const SYMBOL: &str = "BTCUSDT";
// Longer than the pre-trade duplicate window (1 s), so a repeated price is never a duplicate.
const TICK: Duration = Duration::from_millis(1200);
const LADDER: [u32; 3] = [5, 10, 15];

struct Args {
    nats: String,
    name: String,
    ops: Option<SocketAddr>,
    lease: Duration,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args {
        nats,
        name,
        ops,
        lease,
    } = args()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let exchange = MockExchange::builder()
        .api_key("fleet-key")
        .secret("fleet-secret")
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .start()
        .await?;
    let registry = Registry::new();
    let gate = TradingGate::new();
    let journal = OrderJournal::new();
    let endpoints = Endpoints {
        rest_url: exchange.http_url(),
        ws_url: exchange.ws_url(),
        api_key: "fleet-key".into(),
        secret: "fleet-secret".into(),
    };
    let adapter = BinanceAdapter::connect(
        endpoints,
        &[SYMBOL],
        &registry,
        gate.clone(),
        journal.clone(),
    )
    .await?;
    let sweeper = SignedClient::builder(exchange.http_url())
        .api_key("fleet-key")
        .secret("fleet-secret")
        .build()?;
    let kill = KillSwitch::builder()
        .registry(&registry)
        .gate(gate)
        .journal(journal)
        .exchange(sweeper)
        .paper_phase(
            PaperPhase::new(adapter.books())
                .orders(4)
                .duration(Duration::from_secs(2)),
        )
        .build();

    // Fails closed: without the fleet, the switch is tripped and the process exits.
    let member = match FleetMember::builder(nats.clone(), name.clone())
        .lease(lease)
        .join(&kill)
        .await
    {
        Ok(member) => member,
        Err(e) => {
            eprintln!("{name}: not joined, trading halted: {e}");
            std::process::exit(3);
        }
    };
    let _ops = match ops {
        Some(addr) => {
            let handle = OpsServer::builder(&kill).addr(addr).spawn().await?;
            println!("{name}: ops endpoint on http://{}", handle.local_addr());
            Some(handle)
        }
        None => None,
    };
    println!(
        "{name}: joined the fleet at {nats} (lease {lease:?}), mock exchange on {}, gate {}",
        exchange.http_url(),
        kill.gate().mode()
    );

    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut modes = kill.subscribe_mode();
    let mut resting = VecDeque::new();
    let mut placed = 0u64;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = interrupt.recv() => break,
            changed = modes.changed() => {
                if changed.is_ok() {
                    let halted = kill.halted().map(|h| h.reason.to_string());
                    println!("{name}: gate {}{}", kill.gate().mode(), halted.map(|r| format!(" ({r})")).unwrap_or_default());
                }
            }
            _ = tokio::time::sleep(TICK) => quote(&adapter, &name, &mut resting, &mut placed).await,
        }
    }
    for id in resting.drain(..) {
        let _ = adapter.cancel(SYMBOL, id).await;
    }
    member.leave().await;
    println!(
        "{name}: left the fleet after {placed} orders; gate {}",
        kill.gate().mode()
    );
    exchange.shutdown().await;
    Ok(())
}

/// One tick: a bid on the ladder (refused while halted), the oldest bid cancelled to make way.
async fn quote(
    adapter: &BinanceAdapter,
    name: &str,
    resting: &mut VecDeque<u64>,
    placed: &mut u64,
) {
    let ticks = LADDER[(*placed % LADDER.len() as u64) as usize];
    match adapter.bid_below_market(SYMBOL, ticks).await {
        Ok(ack) => {
            *placed += 1;
            resting.extend(ack.read().ok().map(|a| a.order_id).filter(|&id| id != 0));
        }
        // Halted (by the fleet, or by itself): the sweep has the resting bids.
        Err(OrderError::Halted(_)) => resting.clear(),
        Err(e) => eprintln!("{name}: order not placed: {e}"),
    }
    while resting.len() > LADDER.len() {
        if let Some(id) = resting.pop_front() {
            let _ = adapter.cancel(SYMBOL, id).await;
        }
    }
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut nats, mut name, mut ops) = (None, None, None);
    let mut lease = Duration::from_secs(3);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--nats" => nats = Some(value("--nats")?),
            "--name" => name = Some(value("--name")?),
            "--ops" => {
                let v = value("--ops")?;
                ops = Some(
                    v.parse()
                        .map_err(|_| format!("--ops needs HOST:PORT, not {v:?}"))?,
                );
            }
            "--lease-ms" => {
                let v = value("--lease-ms")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--lease-ms needs milliseconds, not {v:?}"))?;
                lease = Duration::from_millis(ms);
            }
            "--help" | "-h" => {
                println!("cargo run --features fleet,mock,ops --example fleet -- --nats URL --name NAME [--ops ADDR] [--lease-ms MS]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(Args {
        nats: nats.ok_or("--nats URL is required")?,
        name: name.ok_or("--name NAME is required")?,
        ops,
        lease,
    })
}
