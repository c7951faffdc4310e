//! Configures and starts a [`FuturesMock`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::time::{Interval, MissedTickBehavior};

use super::account::Account;
use super::faults::FuturesFaults;
use super::market::{FuturesMarket, Speed};
use super::state::{FuturesState, Shared, Venue};
use super::{countdown, engine, router, FuturesMock};
use crate::symbol::SymbolSpec;
use crate::wire::now_ms;
use crate::MockStartError;

/// How many events a slow WebSocket client may fall behind before it is disconnected.
const STREAM_BUFFER: usize = 16_384;
/// USD-M's cadences: `@depth@100ms`, and `@depth` every 250 ms; a server ping every 3 minutes.
const FAST_INTERVAL: Duration = Duration::from_millis(100);
const STANDARD_INTERVAL: Duration = Duration::from_millis(250);
const PING_INTERVAL: Duration = Duration::from_secs(180);
/// Leverage of a symbol nobody set one for (USD-M's default for new symbols).
const DEFAULT_LEVERAGE: u32 = 20;

/// Configures a [`FuturesMock`]; [`start`](Self::start) runs it.
///
/// Defaults: API key `"mock-api-key"`, secret `"mock-secret"`, a wallet of 0 USDT, leverage 20,
/// books that move every 20 ms, `@depth@100ms` every 100 ms and `@depth` every 250 ms (USD-M's
/// cadences), a server ping every 3 minutes, and, if no symbol is given, BTCUSDT around
/// 60 000 (see [`FuturesMockBuilder::symbol`] for its filters).
#[derive(Debug)]
#[must_use]
pub struct FuturesMockBuilder {
    api_key: String,
    secret: String,
    symbols: Vec<SymbolSpec>,
    balance: Decimal,
    leverage: u32,
    book_interval: Duration,
    depth_intervals: Option<(Duration, Duration)>,
    stream_interval_set: bool,
    ping_interval: Duration,
    seed: u64,
    addr: SocketAddr,
}

impl Default for FuturesMockBuilder {
    fn default() -> Self {
        FuturesMockBuilder {
            api_key: "mock-api-key".to_owned(),
            secret: "mock-secret".to_owned(),
            symbols: Vec::new(),
            balance: Decimal::ZERO,
            leverage: DEFAULT_LEVERAGE,
            book_interval: Duration::from_millis(20),
            depth_intervals: None,
            stream_interval_set: false,
            ping_interval: PING_INTERVAL,
            seed: 0xF07E5,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// A USD-M perpetual's default rules: quoted and margined in USDT, base asset the symbol
/// without its `USDT` suffix, tick 0.1 (0.01 under a price of 1000), step and minimum quantity
/// 0.001, maximum 1000, prices up to 1 000 000, minimum notional 5 USDT (USD-M's general
/// threshold; BTCUSDT's own is higher).
pub(crate) fn perpetual(symbol: &str, mid: Decimal) -> SymbolSpec {
    let symbol = symbol.to_ascii_uppercase();
    let base = symbol
        .strip_suffix("USDT")
        .filter(|b| !b.is_empty())
        .unwrap_or(&symbol)
        .to_owned();
    let tick = if mid >= Decimal::from(1000) {
        Decimal::new(1, 1)
    } else {
        Decimal::new(1, 2)
    };
    SymbolSpec::new(symbol.clone(), base, "USDT", mid)
        .tick_size(tick)
        .step_size(Decimal::new(1, 3))
        .qty_range(Decimal::new(1, 3), Decimal::from(1000))
        .price_range(tick, Decimal::from(1_000_000))
        .min_notional(Decimal::from(5))
}

impl FuturesMockBuilder {
    /// The API key signed endpoints accept in `X-MBX-APIKEY`.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The secret signed requests must be signed with (HMAC-SHA256).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = secret.into();
        self
    }

    /// Lists a USDT-margined perpetual with USD-M-like default rules (tick 0.1, or 0.01 under
    /// 1000; step 0.001; quantities 0.001 to 1000; minimum notional 5 USDT), its book around
    /// `mid_price`. A symbol listed twice keeps the later listing.
    pub fn symbol(self, symbol: impl Into<String>, mid_price: Decimal) -> Self {
        self.symbol_spec(perpetual(&symbol.into(), mid_price))
    }

    /// Lists a perpetual with its own rules (the spot mock's [`SymbolSpec`]: tick, step,
    /// quantity and price ranges, minimum notional, status; its quote asset is the margin
    /// asset).
    pub fn symbol_spec(mut self, spec: SymbolSpec) -> Self {
        self.symbols.retain(|s| s.symbol != spec.symbol);
        self.symbols.push(spec);
        self
    }

    /// The wallet's starting USDT balance (default 0).
    pub fn balance(mut self, usdt: Decimal) -> Self {
        self.balance = usdt;
        self
    }

    /// Every symbol's starting leverage (default 20, clamped to 1..=125); `POST
    /// /fapi/v1/leverage` changes one symbol's.
    pub fn leverage(mut self, leverage: u32) -> Self {
        self.leverage = leverage.clamp(1, 125);
        self
    }

    /// How often each book moves (default 20 ms) and, unless
    /// [`depth_intervals`](Self::depth_intervals) says otherwise, how often both depth speeds
    /// publish: one knob for tests that want events fast.
    pub fn stream_interval(mut self, interval: Duration) -> Self {
        self.book_interval = interval;
        self.stream_interval_set = true;
        self
    }

    /// How often `@depth@100ms` (default 100 ms) and `@depth` (default 250 ms) publish.
    pub fn depth_intervals(mut self, fast: Duration, standard: Duration) -> Self {
        self.depth_intervals = Some((fast, standard));
        self
    }

    /// How often each WebSocket is pinged (default 3 minutes, as USD-M does).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Seeds the books' random walk, so that a run can be reproduced.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Listens on this address instead of `127.0.0.1:0` (an ephemeral loopback port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds the listener and starts the server, the market and the countdown checker on the
    /// current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`MockStartError`] if the address cannot be bound, an interval is zero or a symbol's
    /// spec is unusable.
    pub async fn start(self) -> Result<FuturesMock, MockStartError> {
        let (fast, standard) = self.depth_intervals.unwrap_or(if self.stream_interval_set {
            (self.book_interval, self.book_interval)
        } else {
            (FAST_INTERVAL, STANDARD_INTERVAL)
        });
        for (what, d) in [
            ("the stream interval", self.book_interval),
            ("the fast depth interval", fast),
            ("the depth interval", standard),
            ("the ping interval", self.ping_interval),
        ] {
            if d.is_zero() {
                return Err(MockStartError::ZeroInterval(what));
            }
        }
        let mut symbols = self.symbols;
        if symbols.is_empty() {
            symbols.push(perpetual("BTCUSDT", Decimal::from(60_000)));
        }
        let (bus, _) = broadcast::channel(STREAM_BUFFER);
        let mut markets = BTreeMap::new();
        let mut leverage = BTreeMap::new();
        for (i, spec) in symbols.into_iter().enumerate() {
            spec.validate().map_err(MockStartError::InvalidSymbol)?;
            leverage.insert(spec.symbol.clone(), self.leverage);
            let seed = self.seed.wrapping_add(i as u64);
            markets.insert(
                spec.symbol.clone(),
                FuturesMarket::new(spec, seed, bus.clone()),
            );
        }
        let listener =
            TcpListener::bind(self.addr)
                .await
                .map_err(|source| MockStartError::Bind {
                    addr: self.addr,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockStartError::Bind {
                addr: self.addr,
                source,
            })?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let state: FuturesState = Arc::new(Shared {
            api_key: self.api_key,
            secret: SecretString::from(self.secret),
            venue: Mutex::new(Venue {
                markets,
                account: Account::new(self.balance, leverage),
                countdowns: BTreeMap::new(),
            }),
            faults: FuturesFaults::new(),
            bus,
            ping_interval: self.ping_interval,
            listed_at: now_ms(),
            shutdown: shutdown_rx.clone(),
        });
        let app = router(Arc::clone(&state));
        let mut stop = shutdown_rx;
        let server = tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!(error = %e, "futures mock server stopped");
            }
        });
        let market = tokio::spawn(run_market(
            Arc::clone(&state),
            self.book_interval,
            fast,
            standard,
        ));
        let countdowns = tokio::spawn(countdown::run(Arc::clone(&state)));
        tracing::debug!(%addr, "futures mock started");
        Ok(FuturesMock {
            addr,
            state,
            shutdown: shutdown_tx,
            tasks: vec![server, market, countdowns],
        })
    }
}

fn interval(period: Duration) -> Interval {
    let mut i = tokio::time::interval(period);
    i.set_missed_tick_behavior(MissedTickBehavior::Delay);
    i
}

/// Moves every book and publishes each depth speed at its cadence, until shutdown.
async fn run_market(state: FuturesState, book: Duration, fast: Duration, standard: Duration) {
    let mut shutdown = state.shutdown.clone();
    let (mut book, mut fast, mut standard) = (interval(book), interval(fast), interval(standard));
    // The first ticks are immediate; everything first happens one period in.
    book.tick().await;
    fast.tick().await;
    standard.tick().await;
    let faults = &state.faults.shared.inner;
    loop {
        let speed = tokio::select! {
            _ = book.tick() => {
                if !faults.is_quiet() {
                    engine::tick(&mut state.lock(), faults);
                }
                continue;
            }
            _ = fast.tick() => Speed::Fast,
            _ = standard.tick() => Speed::Standard,
            _ = shutdown.changed() => return,
        };
        for market in state.lock().markets.values_mut() {
            market.flush(speed, faults);
        }
    }
}
