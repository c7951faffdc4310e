//! Runs a mock exchange until killed, for clients in other languages (see
//! `scripts/real-clients`).
//!
//! ```text
//! mock-exchange [--port N] [--api-key K] [--secret S] [--symbol BTCUSDT:BTC:USDT:60000]...
//!               [--balance USDT:100000]... [--stream-interval-ms N]
//!               [--depth-intervals-ms 1000,100] [--weight-limit N] [--seed N]
//! ```
//!
//! It prints `http_url=...`, `ws_url=...` and `ready`, then reads commands, one a line, on
//! standard input and answers each with one line (`ok`, a value, or `error: ...`):
//! `quiet on|off`, `stall on|off`, `server-shutdown`, `close-streams`, `drop-delta`,
//! `move SYMBOL PRICE`, `last-update-id SYMBOL`. End of input or `exit` stops it.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use hft_cache_mock::{MockExchange, MockExchangeBuilder, SymbolSpec};
use rust_decimal::Decimal;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let builder = match configure(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("mock-exchange: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mock-exchange: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(builder))
}

async fn run(builder: MockExchangeBuilder) -> ExitCode {
    let exchange = match builder.start().await {
        Ok(ex) => ex,
        Err(e) => {
            eprintln!("mock-exchange: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("http_url={}", exchange.http_url());
    println!("ws_url={}", exchange.ws_url());
    println!("api_key={}", exchange.api_key());
    println!("ready");
    let _ = std::io::stdout().flush();

    // Standard input blocks, so a thread reads it and hands the lines over.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = rx.recv().await {
        let line = line.trim();
        if line == "exit" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let answer = command(&exchange, line).unwrap_or_else(|e| format!("error: {e}"));
        println!("{answer}");
        let _ = std::io::stdout().flush();
    }
    exchange.shutdown().await;
    ExitCode::SUCCESS
}

fn command(ex: &MockExchange, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let on = |w: Option<&&str>| match w.copied() {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err("expected on or off".to_owned()),
    };
    let faults = ex.faults();
    match words.as_slice() {
        ["quiet", rest @ ..] => faults.quiet_market(on(rest.first())?),
        ["stall", rest @ ..] => faults.stall_stream(on(rest.first())?),
        ["server-shutdown"] => faults.server_shutdown(),
        ["close-streams"] => faults.close_streams(),
        ["drop-delta"] => faults.drop_next_delta(),
        ["move", symbol, price] => {
            let price: Decimal = price.parse().map_err(|e| format!("bad price: {e}"))?;
            if !ex.move_price(symbol, price) {
                return Err("unknown symbol or price off the tick size".to_owned());
            }
        }
        ["last-update-id", symbol] => {
            return ex
                .last_update_id(symbol)
                .map(|id| id.to_string())
                .ok_or_else(|| "unknown symbol".to_owned())
        }
        _ => return Err(format!("unknown command '{line}'")),
    }
    Ok("ok".to_owned())
}

fn configure(args: &[String]) -> Result<MockExchangeBuilder, String> {
    let mut builder = MockExchange::builder();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        let decimal = |v: &str| v.parse::<Decimal>().map_err(|e| format!("{flag}: {e}"));
        builder = match flag.as_str() {
            "--port" => {
                let port = u16::try_from(number(value()?)?).map_err(|e| e.to_string())?;
                builder.bind(SocketAddr::from(([127, 0, 0, 1], port)))
            }
            "--api-key" => builder.api_key(value()?),
            "--secret" => builder.secret(value()?),
            "--seed" => builder.seed(number(value()?)?),
            "--weight-limit" => {
                let limit = u32::try_from(number(value()?)?).map_err(|e| e.to_string())?;
                builder.request_weight_limit(limit)
            }
            "--stream-interval-ms" => {
                builder.stream_interval(Duration::from_millis(number(value()?)?))
            }
            "--depth-intervals-ms" => {
                let v = value()?;
                let (a, b) = v
                    .split_once(',')
                    .ok_or_else(|| format!("{flag}: expected STANDARD,FAST"))?;
                builder.depth_intervals(
                    Duration::from_millis(number(a.to_owned())?),
                    Duration::from_millis(number(b.to_owned())?),
                )
            }
            "--symbol" => {
                let v = value()?;
                let parts: Vec<&str> = v.split(':').collect();
                let [symbol, base, quote, mid] = parts.as_slice() else {
                    return Err(format!("{flag}: expected SYMBOL:BASE:QUOTE:MID"));
                };
                builder.symbol_spec(SymbolSpec::new(*symbol, *base, *quote, decimal(mid)?))
            }
            "--balance" => {
                let v = value()?;
                let (asset, free) = v
                    .split_once(':')
                    .ok_or_else(|| format!("{flag}: expected ASSET:AMOUNT"))?;
                builder.balance(asset, decimal(free)?)
            }
            other => return Err(format!("unknown option {other}")),
        };
    }
    Ok(builder)
}
