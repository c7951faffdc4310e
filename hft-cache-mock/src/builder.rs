//! Configures and starts a [`MockExchange`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::faults::Faults;
use super::ledger::{Holding, Ledger};
use super::market::Market;
use super::state::Shared;
use super::symbol::SymbolSpec;
use super::{router, stream, MockExchange};

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
/// Defaults: API key `"mock-api-key"`, secret `"mock-secret"`, depth events every 20 ms, a server
/// ping every 20 s, no balances, and, if no symbol is given, BTCUSDT (BTC/USDT) around 60 000.
#[derive(Debug)]
#[must_use]
pub struct MockExchangeBuilder {
    api_key: String,
    secret: String,
    symbols: Vec<SymbolSpec>,
    balances: BTreeMap<String, Decimal>,
    stream_interval: Duration,
    ping_interval: Duration,
    seed: u64,
    addr: SocketAddr,
}

impl Default for MockExchangeBuilder {
    fn default() -> Self {
        MockExchangeBuilder {
            api_key: "mock-api-key".to_owned(),
            secret: "mock-secret".to_owned(),
            symbols: Vec::new(),
            balances: BTreeMap::new(),
            stream_interval: Duration::from_millis(20),
            ping_interval: Duration::from_secs(20),
            seed: 0x5EED,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
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

    /// How often each book moves and publishes a depth event (default 20 ms).
    pub fn stream_interval(mut self, interval: Duration) -> Self {
        self.stream_interval = interval;
        self
    }

    /// How often each WebSocket is pinged (default 20 s, as Binance does).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
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

    /// Binds the listener and starts the server and the book ticker on the current tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// [`MockStartError`] if the address cannot be bound or the configuration is unusable.
    pub async fn start(self) -> Result<MockExchange, MockStartError> {
        if self.stream_interval.is_zero() {
            return Err(MockStartError::ZeroInterval("the stream interval"));
        }
        if self.ping_interval.is_zero() {
            return Err(MockStartError::ZeroInterval("the ping interval"));
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
        let mut markets = BTreeMap::new();
        let mut holdings = BTreeMap::new();
        for (i, spec) in symbols.into_iter().enumerate() {
            spec.validate().map_err(MockStartError::InvalidSymbol)?;
            holdings.insert(spec.base.clone(), Holding::default());
            holdings.insert(spec.quote.clone(), Holding::default());
            let seed = self.seed.wrapping_add(i as u64);
            markets.insert(spec.symbol.clone(), Arc::new(Market::new(spec, seed)));
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
            ping_interval: self.ping_interval,
            shutdown: shutdown_rx.clone(),
        });

        let ticker = tokio::spawn(stream::run_ticker(Arc::clone(&state), self.stream_interval));
        let app = router(Arc::clone(&state));
        let mut stop = shutdown_rx;
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "mock exchange server stopped");
            }
        });
        tracing::debug!(%addr, "mock exchange started");
        Ok(MockExchange {
            addr,
            state,
            shutdown: shutdown_tx,
            tasks: vec![server, ticker],
        })
    }
}
