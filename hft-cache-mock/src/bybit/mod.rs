//! A Bybit-v5-shaped mock exchange: REST with the `{"retCode","retMsg","result"}` envelope
//! (errors in HTTP 200) and header signing, and a public WebSocket serving the order book as a
//! snapshot followed by deltas. For adapters of venues in Bybit's style, tested as the Binance
//! mock tests Binance-style ones.
//!
//! # Endpoints
//!
//! | endpoint | auth | what |
//! | --- | --- | --- |
//! | `GET /v5/market/time` | none | `{"timeSecond","timeNano"}` |
//! | `GET /v5/market/instruments-info?category=spot` | none | symbols with `lotSizeFilter`, `priceFilter` |
//! | `GET /v5/market/orderbook?category=spot&symbol=&limit=` | none | `{"s","b","a","ts","u","seq","cts"}`, `limit` 1..=1000, at most 50 levels a side |
//! | `GET /v5/account/wallet-balance?accountType=UNIFIED[&coin=A,B]` | signed | `list[0].coin[]`: `walletBalance`, `locked`; the coins asked for, or every coin held |
//! | `GET /v5/account/info` | signed | `unifiedMarginStatus` 5 (UTA 2.0), `marginMode` `REGULAR_MARGIN` |
//! | `GET /v5/user/query-api` | signed | the key: read-write, `uta` 1, a master account |
//! | `GET /v5/asset/coin/query-info[?coin=]` | signed | `rows[]`: each listed coin with one chain, deposits and withdrawals open |
//! | `POST /v5/order/create` | signed | spot `Limit` (`GTC`/`IOC`/`FOK`/`PostOnly`), `qty` in base; `Market`, `qty` per `marketUnit` (a buy's in quote by default) |
//! | `POST /v5/order/cancel` | signed | by `orderId` (first) or `orderLinkId`, unlocking the funds |
//! | `GET /v5/order/realtime?category=spot` | signed | open orders (with `openOnly=1`, the last 500 closed ones, newest first), pages of `limit` (1..=50, default 20) with `cursor` |
//! | `GET /v5/order/history?category=spot` | signed | closed (filled or cancelled) orders, newest first, `orderStatus` filter, the same pages |
//! | `GET /v5/public/spot` (WebSocket) | none | `orderbook.50.<SYMBOL>`: snapshot, then deltas |
//!
//! Signed calls carry `X-BAPI-API-KEY` (else retCode 10003), `X-BAPI-TIMESTAMP` within
//! `X-BAPI-RECV-WINDOW` (default 5000) of the server's clock and at most 1 s ahead (10002), and
//! `X-BAPI-SIGN`, the hex HMAC-SHA256 of `timestamp + apiKey + recvWindow + payload`, the
//! payload being the query string of a `GET` and the JSON body of a `POST` (10004). Refusals
//! come in HTTP 200: 10001 bad parameters, 170115/170116/170117 invalid `timeInForce`,
//! `orderType`, `side`, 170121 invalid symbol, 170124 order value too large, 170130 a number
//! that is not a plain decimal (a sign, an exponent, past `Decimal`'s range) or a bad
//! `orderLinkId`, 170131 insufficient balance, 170134/170137/170148 too many decimals in the
//! price, quantity or market amount, 170136/170140 below the minimum quantity/value, 170141
//! duplicate `orderLinkId`, 170213 unknown order, 170381 quantity too large.
//!
//! The WebSocket answers a client's Close frame with a Close frame (RFC 6455 §5.5.1).
//!
//! On the WebSocket, `{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}` is answered with
//! `{"success":true,..}`, then a `"type":"snapshot"` frame and `"type":"delta"` frames, each
//! `{"topic","type","ts","data":{"s","b","a","u","seq"},"cts"}` with `u` one more than the
//! last; a size of `"0"` removes a level. `{"op":"ping"}` is answered with a pong.
//!
//! ```
//! use hft_cache_mock::bybit::BybitMock;
//! use rust_decimal_macros::dec;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), hft_cache_mock::MockStartError> {
//! let ex = BybitMock::builder()
//!     .api_key("key")
//!     .secret("secret")
//!     .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
//!     .balance("USDT", dec!(10000))
//!     .start()
//!     .await?;
//! assert_eq!(ex.public_ws_url(), format!("{}/v5/public/spot", ex.ws_url()));
//! ex.faults().stall_stream(true); // sockets stay open, deltas stop
//! ex.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::MockStartError;

mod book;
mod cancel_all;
mod faults;
mod orders;
mod rest;
mod state;
mod user;
mod wire;
mod ws;

pub use faults::BybitFaults;

use book::{Book, Instrument};
use state::{BybitState, ClosedOrder, ClosedStatus, Exchange, Holding, Shared};

/// A running Bybit-style mock on loopback. Dropping it stops it; [`shutdown`](Self::shutdown)
/// stops it and waits. See the [module documentation](self) for its endpoints.
pub struct BybitMock {
    addr: SocketAddr,
    state: BybitState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl BybitMock {
    /// Configures a Bybit mock.
    pub fn builder() -> BybitMockBuilder {
        BybitMockBuilder::default()
    }

    /// The address the mock listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The REST base URL, `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket base URL, `ws://127.0.0.1:PORT`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The public spot stream, `ws://127.0.0.1:PORT/v5/public/spot`.
    pub fn public_ws_url(&self) -> String {
        format!("{}/v5/public/spot", self.ws_url())
    }

    /// The API key signed endpoints accept.
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// The handle that injects faults.
    pub fn faults(&self) -> BybitFaults {
        self.state.faults.clone()
    }

    /// `symbol`'s last update id `u` (`None` for an unknown symbol).
    pub fn update_id(&self, symbol: &str) -> Option<u64> {
        self.state.lock().books.get(symbol).map(|b| b.update_id)
    }

    /// The best bid and ask of `symbol`.
    pub fn best_bid_ask(&self, symbol: &str) -> Option<(Decimal, Decimal)> {
        let exchange = self.state.lock();
        let book = exchange.books.get(symbol)?;
        Some((book.best_bid()?, book.best_ask()?))
    }

    /// Sets the free amount of `coin`, as a deposit or a withdrawal elsewhere would: a value
    /// read before this is now wrong.
    pub fn set_balance(&self, coin: &str, free: Decimal) {
        self.state
            .lock()
            .balances
            .entry(coin.to_owned())
            .or_default()
            .free = free;
    }

    /// A trade on `symbol` at `price`, as another participant's order would make: every
    /// resting order it goes through (bids at or above `price`, asks at or below it) fills
    /// whole, at its own price, and is closed as `Filled`. Returns how many filled.
    pub fn trade_through(&self, symbol: &str, price: Decimal) -> usize {
        let mut exchange = self.state.lock();
        let Some(instrument) = exchange.books.get(symbol).map(|b| b.instrument.clone()) else {
            return 0;
        };
        let (filled, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut exchange.open_orders)
            .into_iter()
            .partition(|o| {
                o.symbol == symbol
                    && if o.buy {
                        o.price >= price
                    } else {
                        o.price <= price
                    }
            });
        exchange.open_orders = kept;
        let now = rest::now_ms();
        for order in &filled {
            let value = order.qty.saturating_mul(order.price);
            // What was locked for it is paid; what it bought is credited.
            let (paid, pay) = order.locked(&instrument);
            let (got, get) = if order.buy {
                (&instrument.base, order.qty)
            } else {
                (&instrument.quote, value)
            };
            let holding = exchange.balances.entry(paid.to_owned()).or_default();
            holding.locked = holding.locked.saturating_sub(pay);
            let holding = exchange.balances.entry(got.clone()).or_default();
            holding.free = holding.free.saturating_add(get);
            exchange.close(ClosedOrder {
                order: order.clone(),
                market_unit: None,
                status: ClosedStatus::Filled,
                exec_qty: order.qty,
                exec_value: value,
                updated_ms: now,
                cancel_type: "UNKNOWN",
                reject_reason: "EC_NoError",
            });
        }
        filled.len()
    }

    /// How many orders rest on the book.
    pub fn open_order_count(&self) -> usize {
        self.state.lock().open_orders.len()
    }

    /// Stops the server, the book ticker and every WebSocket, and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for BybitMock {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for BybitMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BybitMock")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Configures a [`BybitMock`]; [`start`](BybitMockBuilder::start) runs it.
///
/// Defaults: API key `"mock-api-key"`, secret `"mock-secret"`, a book step every 20 ms, no
/// balances, and, if no symbol is given, BTCUSDT around 60 000 (tick 0.01, base precision
/// 0.000001, minimum 0.000048 BTC and 1 USDT).
#[derive(Debug)]
#[must_use]
pub struct BybitMockBuilder {
    api_key: String,
    secret: String,
    symbols: Vec<(String, String, String, Decimal)>,
    balances: BTreeMap<String, Decimal>,
    interval: Duration,
    addr: SocketAddr,
}

impl Default for BybitMockBuilder {
    fn default() -> Self {
        BybitMockBuilder {
            api_key: "mock-api-key".to_owned(),
            secret: "mock-secret".to_owned(),
            symbols: Vec::new(),
            balances: BTreeMap::new(),
            interval: Duration::from_millis(20),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl BybitMockBuilder {
    /// The API key signed endpoints accept.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The secret signatures are checked with.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = secret.into();
        self
    }

    /// Adds a spot symbol with its book around `mid` (tick 0.01, base precision 0.000001).
    pub fn symbol(
        mut self,
        symbol: impl Into<String>,
        base: impl Into<String>,
        quote: impl Into<String>,
        mid: Decimal,
    ) -> Self {
        self.symbols
            .push((symbol.into(), base.into(), quote.into(), mid));
        self
    }

    /// Sets the starting free balance of `coin`.
    pub fn balance(mut self, coin: impl Into<String>, free: Decimal) -> Self {
        self.balances.insert(coin.into(), free);
        self
    }

    /// How often every book moves (and a delta is sent); default 20 ms.
    pub fn stream_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Listens on this address instead of `127.0.0.1:0` (an ephemeral loopback port), as
    /// [`MockExchangeBuilder::bind`](crate::MockExchangeBuilder::bind) does.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds the address (default `127.0.0.1:0`) and starts serving.
    ///
    /// # Errors
    ///
    /// [`MockStartError`] for a zero interval, a mid price that leaves no room for 50 levels
    /// under it, or a listener that cannot be bound.
    pub async fn start(self) -> Result<BybitMock, MockStartError> {
        if self.interval.is_zero() {
            return Err(MockStartError::ZeroInterval("stream_interval"));
        }
        let tick = Decimal::new(1, 2);
        let mut symbols = self.symbols;
        if symbols.is_empty() {
            symbols.push((
                "BTCUSDT".into(),
                "BTC".into(),
                "USDT".into(),
                Decimal::from(60_000),
            ));
        }
        let mut books = BTreeMap::new();
        for (seed, (symbol, base, quote, mid)) in symbols.into_iter().enumerate() {
            if mid <= tick * Decimal::from(book::DEPTH as u64 + 1) {
                return Err(MockStartError::InvalidSymbol(format!(
                    "{symbol}: mid {mid} leaves no room for {} bid levels",
                    book::DEPTH
                )));
            }
            let instrument = Instrument {
                symbol: symbol.clone(),
                base,
                quote,
                tick_size: tick,
                base_precision: Decimal::new(1, 6),
                min_order_qty: Decimal::new(48, 6),
                min_order_amt: Decimal::ONE,
            };
            books.insert(
                symbol,
                Book::new(instrument, mid, 0x9E37_79B9_7F4A_7C15 ^ seed as u64),
            );
        }
        let balances = self
            .balances
            .into_iter()
            .map(|(coin, free)| {
                (
                    coin,
                    Holding {
                        free,
                        locked: Decimal::ZERO,
                    },
                )
            })
            .collect();
        let addr = self.addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| MockStartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockStartError::Bind { addr, source })?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state: BybitState = Arc::new(Shared {
            api_key: self.api_key,
            secret: self.secret,
            exchange: Mutex::new(Exchange {
                books,
                balances,
                open_orders: Vec::new(),
                closed_orders: std::collections::VecDeque::new(),
                next_order_id: 0,
            }),
            deltas: broadcast::channel(4_096).0,
            faults: BybitFaults::new(),
            shutdown: shutdown_rx.clone(),
        });
        let app = router(Arc::clone(&state));
        let mut server_shutdown = shutdown_rx;
        let server = tokio::spawn(async move {
            let stop = async move {
                let _ = server_shutdown.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::warn!(error = %e, "bybit mock server stopped");
            }
        });
        let ticker = tokio::spawn(ws::run_ticker(Arc::clone(&state), self.interval));
        Ok(BybitMock {
            addr,
            state,
            shutdown,
            tasks: vec![server, ticker],
        })
    }
}

fn router(state: BybitState) -> Router {
    let api = Router::new()
        .route("/v5/market/time", get(rest::time))
        .route("/v5/market/instruments-info", get(rest::instruments_info))
        .route("/v5/market/orderbook", get(rest::orderbook))
        .route("/v5/account/wallet-balance", get(rest::wallet_balance))
        .route("/v5/account/info", get(user::account_info))
        .route("/v5/user/query-api", get(user::query_api))
        .route("/v5/asset/coin/query-info", get(user::coin_info))
        .route("/v5/order/create", post(rest::create_order))
        .route("/v5/order/cancel", post(rest::cancel_order))
        .route("/v5/order/cancel-all", post(cancel_all::cancel_all))
        .route("/v5/order/realtime", get(orders::realtime))
        .route("/v5/order/history", get(orders::history))
        .layer(from_fn_with_state(Arc::clone(&state), rest::faults));
    api.route("/v5/public/spot", get(ws::public_spot))
        .fallback(rest::not_found)
        .with_state(state)
}
