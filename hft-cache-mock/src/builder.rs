//! Configures and starts a [`MockExchange`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

use super::faults::Faults;
use super::ledger::{Holding, Ledger};
use super::limits::Limits;
use super::market::Market;
use super::state::Shared;
use super::symbol::SymbolSpec;
use super::tls::MockTls;
use super::{router, stream, wire, MockExchange};

/// How many events a slow WebSocket client may fall behind before it is disconnected.
const STREAM_BUFFER: usize = 16_384;

/// Why a [`MockExchange`] did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockStartError {
    /// The loopback listener could not be bound.
    #[error("could not bind the mock exchange to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A symbol's spec is unusable (a zero tick size, a mid price too close to zero, ...).
    #[error("invalid symbol spec: {0}")]
    InvalidSymbol(String),
    /// An interval is zero.
    #[error("{0} must be longer than zero")]
    ZeroInterval(&'static str),
}

/// Configures a [`MockExchange`]; [`start`](MockExchangeBuilder::start) runs it.
///
/// Defaults follow Binance: `@depth` events every second and `@depth@100ms` events every
/// 100 ms, the ticker and klines every second, a server ping every 20 s, connections closed
/// after 24 h, a request-weight limit of 6000 a minute with a 2-minute ban. The mock's own
/// defaults: API key `"mock-api-key"`, secret `"mock-secret"`, books that move every 20 ms, no
/// balances, and, if no symbol is given, BTCUSDT (BTC/USDT) around 60 000.
///
/// Tests that want events fast set [`stream_interval`](Self::stream_interval), which sets
/// every cadence at once.
#[derive(Debug)]
#[must_use]
pub struct MockExchangeBuilder {
    api_key: String,
    secret: String,
    symbols: Vec<SymbolSpec>,
    balances: BTreeMap<String, Decimal>,
    book_interval: Duration,
    /// Explicit `@depth` and `@depth@100ms` cadences; else the stream interval if one was
    /// set; else Binance's.
    depth_intervals: Option<(Duration, Duration)>,
    stats_interval: Option<Duration>,
    stream_interval_set: bool,
    ping_interval: Duration,
    connection_lifetime: Duration,
    weight_limit: u32,
    ban_duration: Duration,
    seed: u64,
    addr: SocketAddr,
    tls: Option<MockTls>,
}

/// Binance's cadences and limits.
const DEPTH_INTERVAL: Duration = Duration::from_secs(1);
const DEPTH_FAST_INTERVAL: Duration = Duration::from_millis(100);
const STATS_INTERVAL: Duration = Duration::from_secs(1);
const CONNECTION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
const WEIGHT_LIMIT: u32 = 6000;
const BAN_DURATION: Duration = Duration::from_secs(120);

impl Default for MockExchangeBuilder {
    fn default() -> Self {
        MockExchangeBuilder {
            api_key: "mock-api-key".to_owned(),
            secret: "mock-secret".to_owned(),
            symbols: Vec::new(),
            balances: BTreeMap::new(),
            book_interval: Duration::from_millis(20),
            depth_intervals: None,
            stats_interval: None,
            stream_interval_set: false,
            ping_interval: Duration::from_secs(20),
            connection_lifetime: CONNECTION_LIFETIME,
            weight_limit: WEIGHT_LIMIT,
            ban_duration: BAN_DURATION,
            seed: 0x5EED,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
        }
    }
}

impl MockExchangeBuilder {
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

    /// Lists a symbol with default filters (see [`SymbolSpec`]), its book around `mid_price`.
    pub fn symbol(
        self,
        symbol: impl Into<String>,
        base: impl Into<String>,
        quote: impl Into<String>,
        mid_price: Decimal,
    ) -> Self {
        self.symbol_spec(SymbolSpec::new(symbol, base, quote, mid_price))
    }

    /// Lists a symbol with its own filters. A symbol listed twice keeps the later spec.
    pub fn symbol_spec(mut self, spec: SymbolSpec) -> Self {
        self.symbols.retain(|s| s.symbol != spec.symbol);
        self.symbols.push(spec);
        self
    }

    /// Starts the account with `free` of `asset` (upper-cased).
    pub fn balance(mut self, asset: impl Into<String>, free: Decimal) -> Self {
        self.balances
            .insert(asset.into().to_ascii_uppercase(), free);
        self
    }

    /// How often each book moves (default 20 ms) and, unless set on their own, how often both
    /// depth speeds, the ticker and the klines publish: one knob for tests that want events
    /// fast. A book that never moves on its own: a long interval plus
    /// [`depth_intervals`](Self::depth_intervals).
    pub fn stream_interval(mut self, interval: Duration) -> Self {
        self.book_interval = interval;
        self.stream_interval_set = true;
        self
    }

    /// How often `@depth` (default 1 s) and `@depth@100ms` (default 100 ms) publish what the
    /// book did since their last event; partial book streams (`@depth5`, `@depth5@100ms`, ...)
    /// follow the same two cadences.
    pub fn depth_intervals(mut self, standard: Duration, fast: Duration) -> Self {
        self.depth_intervals = Some((standard, fast));
        self
    }

    /// How often `@ticker` and `@kline_1s` publish (default 1 s); the other klines publish at
    /// twice this, as Binance's do.
    pub fn stats_interval(mut self, interval: Duration) -> Self {
        self.stats_interval = Some(interval);
        self
    }

    /// How often each WebSocket is pinged (default 20 s, as Binance does).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long a WebSocket connection lives before the server closes it (default 24 h, as
    /// Binance does).
    pub fn connection_lifetime(mut self, lifetime: Duration) -> Self {
        self.connection_lifetime = lifetime;
        self
    }

    /// The request weight allowed per minute (default 6000). Past it a request gets HTTP 429
    /// with `Retry-After`; one more request in the same minute bans the client for
    /// [`ban_duration`](Self::ban_duration) (HTTP 418 with `Retry-After`).
    pub fn request_weight_limit(mut self, limit: u32) -> Self {
        self.weight_limit = limit;
        self
    }

    /// How long a client that kept sending after a 429 is banned (default 2 minutes).
    pub fn ban_duration(mut self, ban: Duration) -> Self {
        self.ban_duration = ban;
        self
    }

    /// Seeds the books' random walk (default fixed), so that a run can be reproduced.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Listens on this address instead of `127.0.0.1:0` (an ephemeral loopback port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serves REST over HTTPS and streams over WSS with `tls`'s certificate, instead of plain
    /// HTTP and WS: [`http_url`](MockExchange::http_url) and
    /// [`ws_url`](MockExchange::ws_url) then say `https://` and `wss://`, and a client trusts
    /// [`MockTls::ca_certificate_pem`] to connect.
    pub fn tls(mut self, tls: MockTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Binds the listener and starts the server and the book ticker on the current tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// [`MockStartError`] if the address cannot be bound or the configuration is unusable.
    pub async fn start(self) -> Result<MockExchange, MockStartError> {
        let quick = self.stream_interval_set.then_some(self.book_interval);
        let (standard, fast) = self.depth_intervals.unwrap_or(match quick {
            Some(i) => (i, i),
            None => (DEPTH_INTERVAL, DEPTH_FAST_INTERVAL),
        });
        let cadence = stream::Cadence {
            book: self.book_interval,
            depth: [standard, fast],
            stats: self.stats_interval.or(quick).unwrap_or(STATS_INTERVAL),
        };
        for (what, d) in [
            ("the stream interval", cadence.book),
            ("the depth interval", standard),
            ("the fast depth interval", fast),
            ("the stats interval", cadence.stats),
            ("the ping interval", self.ping_interval),
            ("the connection lifetime", self.connection_lifetime),
        ] {
            if d.is_zero() {
                return Err(MockStartError::ZeroInterval(what));
            }
        }
        let mut symbols = self.symbols;
        if symbols.is_empty() {
            symbols.push(SymbolSpec::new(
                "BTCUSDT",
                "BTC",
                "USDT",
                Decimal::from(60_000),
            ));
        }
        let (bus, _) = broadcast::channel(STREAM_BUFFER);
        let listed_at = wire::now_ms();
        let mut markets = BTreeMap::new();
        let mut holdings = BTreeMap::new();
        for (i, spec) in symbols.into_iter().enumerate() {
            spec.validate().map_err(MockStartError::InvalidSymbol)?;
            holdings.insert(spec.base.clone(), Holding::default());
            holdings.insert(spec.quote.clone(), Holding::default());
            let seed = self.seed.wrapping_add(i as u64);
            let market = Market::new(spec, seed, bus.clone(), listed_at);
            markets.insert(market.spec.symbol.clone(), Arc::new(market));
        }
        for (asset, free) in self.balances {
            holdings.insert(
                asset,
                Holding {
                    free,
                    locked: Decimal::ZERO,
                },
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
        let faults = Faults::new();
        let state = Arc::new(Shared {
            api_key: self.api_key,
            secret: SecretString::from(self.secret),
            markets,
            ledger: Mutex::new(Ledger::new(holdings)),
            faults: faults.clone(),
            bus,
            limits: Limits::new(self.weight_limit, self.ban_duration),
            ping_interval: self.ping_interval,
            connection_lifetime: self.connection_lifetime,
            shutdown: shutdown_rx.clone(),
        });

        let ticker = tokio::spawn(stream::run_market(Arc::clone(&state), cadence));
        let app = router(Arc::clone(&state));
        let mut stop = shutdown_rx;
        let stopped = async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        };
        let secure = self.tls.is_some();
        let server = match self.tls {
            Some(tls) => tokio::spawn(async move {
                if let Err(e) = crate::tls::serve(listener, app, &tls, stopped).await {
                    tracing::warn!(error = %e, "mock exchange TLS server stopped");
                }
            }),
            None => tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(stopped);
                if let Err(e) = serve.await {
                    tracing::warn!(error = %e, "mock exchange server stopped");
                }
            }),
        };
        tracing::debug!(%addr, "mock exchange started");
        Ok(MockExchange {
            addr,
            secure,
            state,
            shutdown: shutdown_tx,
            tasks: vec![server, ticker],
        })
    }
}
