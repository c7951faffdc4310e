//! Runs a mock exchange until killed, for clients in other languages (see
//! `scripts/real-clients`).
//!
//! ```text
//! mock-exchange [--venue spot|futures|bybit] [--port N] [--api-key K] [--secret S]
//!               [--symbol BTCUSDT:BTC:USDT:60000]... [--balance USDT:100000]...
//!               [--stream-interval-ms N] [--depth-intervals-ms 1000,100]
//!               [--weight-limit N] [--seed N] [--leverage N]
//! ```
//!
//! `--venue` picks the mock (default `spot`):
//!
//! - `spot`: [`MockExchange`], Binance spot. Every option but `--leverage` applies.
//! - `futures`: [`FuturesMock`], Binance USD-M perpetuals. `--symbol`'s quote must be `USDT`
//!   (the symbol gets USD-M's default perpetual rules around its mid); `--balance` takes only
//!   `USDT` (the wallet); `--leverage` sets every symbol's starting leverage;
//!   `--depth-intervals-ms` is `STANDARD,FAST` (`@depth`, `@depth@100ms`) as on spot.
//! - `bybit`: [`BybitMock`], Bybit v5 spot. `--port`, `--api-key`, `--secret`, `--symbol`,
//!   `--balance` and `--stream-interval-ms` apply; the others are refused.
//!
//! An option the chosen venue has no use for is an error (exit status 2), not ignored.
//!
//! It prints `http_url=...`, `ws_url=...`, `api_key=...` and `ready`, then reads commands, one
//! a line, on standard input and answers each with one line (`ok`, a value, or `error: ...`).
//! On every venue: `quiet on|off` (the market stops moving by itself; streams stay up),
//! `close-streams`, `drop-delta`, `last-update-id SYMBOL`. On `spot` and `futures` also:
//! `stall on|off`, `server-shutdown`, `move SYMBOL PRICE`. End of input or `exit` stops it.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use hft_cache_mock::bybit::{BybitMock, BybitMockBuilder};
use hft_cache_mock::futures::{FuturesMock, FuturesMockBuilder};
use hft_cache_mock::{MockExchange, MockExchangeBuilder, MockStartError, SymbolSpec};
use rust_decimal::Decimal;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let builder = match Options::parse(&args).and_then(Options::builder) {
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

/// The command line, before a venue's builder is made from it.
#[derive(Default)]
struct Options {
    venue: Option<String>,
    port: Option<u16>,
    api_key: Option<String>,
    secret: Option<String>,
    seed: Option<u64>,
    weight_limit: Option<u32>,
    stream_interval: Option<Duration>,
    /// (standard, fast), as `--depth-intervals-ms` spells it.
    depth_intervals: Option<(Duration, Duration)>,
    leverage: Option<u32>,
    /// (symbol, base, quote, mid).
    symbols: Vec<(String, String, String, Decimal)>,
    balances: Vec<(String, Decimal)>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it
                .next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"));
            let number = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
            let decimal = |v: &str| v.parse::<Decimal>().map_err(|e| format!("{flag}: {e}"));
            let small = |v: u64| u32::try_from(v).map_err(|e| format!("{flag}: {e}"));
            match flag.as_str() {
                "--venue" => options.venue = Some(value?),
                "--port" => {
                    let port = number(&value?)?;
                    options.port = Some(u16::try_from(port).map_err(|e| format!("{flag}: {e}"))?);
                }
                "--api-key" => options.api_key = Some(value?),
                "--secret" => options.secret = Some(value?),
                "--seed" => options.seed = Some(number(&value?)?),
                "--weight-limit" => options.weight_limit = Some(small(number(&value?)?)?),
                "--leverage" => options.leverage = Some(small(number(&value?)?)?),
                "--stream-interval-ms" => {
                    options.stream_interval = Some(Duration::from_millis(number(&value?)?));
                }
                "--depth-intervals-ms" => {
                    let v = value?;
                    let (a, b) = v
                        .split_once(',')
                        .ok_or_else(|| format!("{flag}: expected STANDARD,FAST"))?;
                    options.depth_intervals = Some((
                        Duration::from_millis(number(a)?),
                        Duration::from_millis(number(b)?),
                    ));
                }
                "--symbol" => {
                    let v = value?;
                    let parts: Vec<&str> = v.split(':').collect();
                    let [symbol, base, quote, mid] = parts.as_slice() else {
                        return Err(format!("{flag}: expected SYMBOL:BASE:QUOTE:MID"));
                    };
                    options.symbols.push((
                        (*symbol).to_owned(),
                        (*base).to_owned(),
                        (*quote).to_owned(),
                        decimal(mid)?,
                    ));
                }
                "--balance" => {
                    let v = value?;
                    let (asset, free) = v
                        .split_once(':')
                        .ok_or_else(|| format!("{flag}: expected ASSET:AMOUNT"))?;
                    options.balances.push((asset.to_owned(), decimal(free)?));
                }
                other => return Err(format!("unknown option {other}")),
            }
        }
        Ok(options)
    }

    fn addr(&self) -> Option<SocketAddr> {
        self.port
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Refuses the options `venue` has no use for.
    fn refuse(&self, venue: &str, unused: &[(&str, bool)]) -> Result<(), String> {
        match unused.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(format!("{flag} does not apply to --venue {venue}")),
            None => Ok(()),
        }
    }

    fn builder(self) -> Result<Builder, String> {
        match self.venue.as_deref().unwrap_or("spot") {
            "spot" => self.spot().map(Builder::Spot),
            "futures" => self.futures().map(Builder::Futures),
            "bybit" => self.bybit().map(Builder::Bybit),
            other => Err(format!(
                "unknown venue '{other}' (expected spot, futures or bybit)"
            )),
        }
    }

    fn spot(self) -> Result<MockExchangeBuilder, String> {
        self.refuse("spot", &[("--leverage", self.leverage.is_some())])?;
        let mut b = MockExchange::builder();
        if let Some(addr) = self.addr() {
            b = b.bind(addr);
        }
        if let Some(key) = self.api_key {
            b = b.api_key(key);
        }
        if let Some(secret) = self.secret {
            b = b.secret(secret);
        }
        if let Some(seed) = self.seed {
            b = b.seed(seed);
        }
        if let Some(limit) = self.weight_limit {
            b = b.request_weight_limit(limit);
        }
        if let Some(interval) = self.stream_interval {
            b = b.stream_interval(interval);
        }
        if let Some((standard, fast)) = self.depth_intervals {
            b = b.depth_intervals(standard, fast);
        }
        for (symbol, base, quote, mid) in self.symbols {
            b = b.symbol_spec(SymbolSpec::new(symbol, base, quote, mid));
        }
        for (asset, free) in self.balances {
            b = b.balance(asset, free);
        }
        Ok(b)
    }

    fn futures(self) -> Result<FuturesMockBuilder, String> {
        let mut b = FuturesMock::builder();
        if let Some(addr) = self.addr() {
            b = b.bind(addr);
        }
        if let Some(key) = self.api_key {
            b = b.api_key(key);
        }
        if let Some(secret) = self.secret {
            b = b.secret(secret);
        }
        if let Some(seed) = self.seed {
            b = b.seed(seed);
        }
        if let Some(limit) = self.weight_limit {
            b = b.request_weight_limit(limit);
        }
        if let Some(leverage) = self.leverage {
            b = b.leverage(leverage);
        }
        if let Some(interval) = self.stream_interval {
            b = b.stream_interval(interval);
        }
        if let Some((standard, fast)) = self.depth_intervals {
            b = b.depth_intervals(fast, standard);
        }
        for (symbol, _base, quote, mid) in self.symbols {
            if quote != "USDT" {
                return Err(format!(
                    "--symbol {symbol}: a USD-M perpetual is quoted in USDT, not {quote}"
                ));
            }
            b = b.symbol(symbol, mid);
        }
        for (asset, free) in self.balances {
            if asset != "USDT" {
                return Err(format!(
                    "--balance {asset}: the futures wallet holds USDT only"
                ));
            }
            b = b.balance(free);
        }
        Ok(b)
    }

    fn bybit(self) -> Result<BybitMockBuilder, String> {
        self.refuse(
            "bybit",
            &[
                ("--seed", self.seed.is_some()),
                ("--weight-limit", self.weight_limit.is_some()),
                ("--leverage", self.leverage.is_some()),
                ("--depth-intervals-ms", self.depth_intervals.is_some()),
            ],
        )?;
        let mut b = BybitMock::builder();
        if let Some(addr) = self.addr() {
            b = b.bind(addr);
        }
        if let Some(key) = self.api_key {
            b = b.api_key(key);
        }
        if let Some(secret) = self.secret {
            b = b.secret(secret);
        }
        if let Some(interval) = self.stream_interval {
            b = b.stream_interval(interval);
        }
        for (symbol, base, quote, mid) in self.symbols {
            b = b.symbol(symbol, base, quote, mid);
        }
        for (coin, free) in self.balances {
            b = b.balance(coin, free);
        }
        Ok(b)
    }
}

/// A venue's builder, chosen by `--venue`.
enum Builder {
    Spot(MockExchangeBuilder),
    Futures(FuturesMockBuilder),
    Bybit(BybitMockBuilder),
}

impl Builder {
    async fn start(self) -> Result<Venue, MockStartError> {
        Ok(match self {
            Builder::Spot(b) => Venue::Spot(b.start().await?),
            Builder::Futures(b) => Venue::Futures(b.start().await?),
            Builder::Bybit(b) => Venue::Bybit(b.start().await?),
        })
    }
}

/// A running mock of one venue.
enum Venue {
    Spot(MockExchange),
    Futures(FuturesMock),
    Bybit(BybitMock),
}

impl Venue {
    fn http_url(&self) -> String {
        match self {
            Venue::Spot(ex) => ex.http_url(),
            Venue::Futures(ex) => ex.http_url(),
            Venue::Bybit(ex) => ex.http_url(),
        }
    }

    fn ws_url(&self) -> String {
        match self {
            Venue::Spot(ex) => ex.ws_url(),
            Venue::Futures(ex) => ex.ws_url(),
            Venue::Bybit(ex) => ex.ws_url(),
        }
    }

    fn api_key(&self) -> &str {
        match self {
            Venue::Spot(ex) => ex.api_key(),
            Venue::Futures(ex) => ex.api_key(),
            Venue::Bybit(ex) => ex.api_key(),
        }
    }

    async fn shutdown(self) {
        match self {
            Venue::Spot(ex) => ex.shutdown().await,
            Venue::Futures(ex) => ex.shutdown().await,
            Venue::Bybit(ex) => ex.shutdown().await,
        }
    }
}

async fn run(builder: Builder) -> ExitCode {
    let venue = match builder.start().await {
        Ok(v) => v,
        Err(e) => {
            eprintln!("mock-exchange: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("http_url={}", venue.http_url());
    println!("ws_url={}", venue.ws_url());
    println!("api_key={}", venue.api_key());
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
        let answer = command(&venue, line).unwrap_or_else(|e| format!("error: {e}"));
        println!("{answer}");
        let _ = std::io::stdout().flush();
    }
    venue.shutdown().await;
    ExitCode::SUCCESS
}

fn on(word: Option<&&str>) -> Result<bool, String> {
    match word.copied() {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err("expected on or off".to_owned()),
    }
}

fn price(text: &str) -> Result<Decimal, String> {
    text.parse().map_err(|e| format!("bad price: {e}"))
}

fn command(venue: &Venue, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match venue {
        Venue::Spot(ex) => spot_command(ex, &words),
        Venue::Futures(ex) => futures_command(ex, &words),
        Venue::Bybit(ex) => bybit_command(ex, &words),
    }
    .map_err(|e| e.unwrap_or_else(|| format!("unknown command '{line}'")))
}

/// A command's answer; `Err(None)` for a command the venue does not know.
type Answer = Result<String, Option<String>>;

fn spot_command(ex: &MockExchange, words: &[&str]) -> Answer {
    let faults = ex.faults();
    match words {
        ["quiet", rest @ ..] => faults.quiet_market(on(rest.first())?),
        ["stall", rest @ ..] => faults.stall_stream(on(rest.first())?),
        ["server-shutdown"] => faults.server_shutdown(),
        ["close-streams"] => faults.close_streams(),
        ["drop-delta"] => faults.drop_next_delta(),
        ["move", symbol, to] => {
            if !ex.move_price(symbol, price(to)?) {
                return Err(Some("unknown symbol or price off the tick size".to_owned()));
            }
        }
        ["last-update-id", symbol] => {
            return ex
                .last_update_id(symbol)
                .map(|id| id.to_string())
                .ok_or_else(|| Some("unknown symbol".to_owned()))
        }
        _ => return Err(None),
    }
    Ok("ok".to_owned())
}

fn futures_command(ex: &FuturesMock, words: &[&str]) -> Answer {
    let faults = ex.faults();
    match words {
        ["quiet", rest @ ..] => faults.quiet_market(on(rest.first())?),
        ["stall", rest @ ..] => faults.stall_stream(on(rest.first())?),
        ["server-shutdown"] => faults.server_shutdown(),
        ["close-streams"] => faults.close_streams(),
        ["drop-delta"] => faults.drop_next_delta(),
        ["move", symbol, to] => {
            if !ex.move_price(symbol, price(to)?) {
                return Err(Some("unknown symbol or price off the tick size".to_owned()));
            }
        }
        ["last-update-id", symbol] => {
            return ex
                .update_id(symbol)
                .map(|id| id.to_string())
                .ok_or_else(|| Some("unknown symbol".to_owned()))
        }
        _ => return Err(None),
    }
    Ok("ok".to_owned())
}

fn bybit_command(ex: &BybitMock, words: &[&str]) -> Answer {
    let faults = ex.faults();
    match words {
        // Bybit's stall stops the book itself (sockets stay up): spot's `quiet`.
        ["quiet", rest @ ..] => faults.stall_stream(on(rest.first())?),
        ["close-streams"] => faults.close_sockets(),
        ["drop-delta"] => faults.drop_next_delta(),
        ["last-update-id", symbol] => {
            return ex
                .update_id(symbol)
                .map(|id| id.to_string())
                .ok_or_else(|| Some("unknown symbol".to_owned()))
        }
        _ => return Err(None),
    }
    Ok("ok".to_owned())
}
