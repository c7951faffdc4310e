//! A mock exchange: a real HTTP and WebSocket server on loopback with Binance-spot-shaped
//! endpoints, payloads and errors, and faults on demand (feature `mock`).
//!
//! Tests, examples and users' own adapter tests run against it instead of against mocks of a
//! client: requests go through real sockets, real HTTP, real JSON and real signatures.
//!
//! # Endpoints
//!
//! | endpoint | auth | what |
//! | --- | --- | --- |
//! | `GET /api/v3/ping`, `GET /api/v3/time` | none | `{}`, `{"serverTime":ms}` |
//! | `GET /api/v3/exchangeInfo` | none | symbols with `PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL` |
//! | `GET /api/v3/depth?symbol=&limit=` | none | `{"lastUpdateId","bids","asks"}` |
//! | `GET /api/v3/trades`, `GET /api/v3/aggTrades` | none | recent (or `fromId`/time-ranged) trades |
//! | `GET /api/v3/klines` | none | candles of the mock's trades, every documented interval |
//! | `GET /api/v3/avgPrice` | none | the 5-minute volume-weighted price |
//! | `GET /api/v3/ticker/24hr` | none | 24 h rolling statistics (`type=FULL`/`MINI`; `symbol`, `symbols` or all) |
//! | `GET /api/v3/ticker/price`, `GET /api/v3/ticker/bookTicker` | none | last price; best bid and ask |
//! | `GET /api/v3/account` | signed | balances: `asset`, `free`, `locked` |
//! | `GET /api/v3/openOrders` | signed | open orders, all symbols or `symbol=` |
//! | `DELETE /api/v3/openOrders` | signed | cancels every open order of a symbol |
//! | `GET /api/v3/allOrders` | signed | every order of a symbol |
//! | `GET /api/v3/myTrades` | signed | the account's fills |
//! | `GET /api/v3/order` | signed | one order by `orderId` and/or `origClientOrderId` |
//! | `POST /api/v3/order` | signed | `LIMIT` (`GTC`/`IOC`/`FOK`), `LIMIT_MAKER`, `MARKET` (`quantity` or `quoteOrderQty`); `newOrderRespType` `ACK`/`RESULT`/`FULL` |
//! | `POST /api/v3/order/test` | signed | validates an order, places nothing |
//! | `DELETE /api/v3/order` | signed | cancels an open order (by `orderId` or `origClientOrderId`), unlocking its funds |
//! | `GET /ws`, `GET /ws/<stream>[/<stream>..]` | none | raw streams; `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS`/`SET_PROPERTY`/`GET_PROPERTY` |
//! | `GET /stream?streams=<a>/<b>` | none | combined streams, `{"stream":..,"data":..}` |
//!
//! Streams: `<symbol>@depth` (every second, also as `<symbol>@depth@1000ms`) and
//! `<symbol>@depth@100ms` (every 100 ms), `<symbol>@depth5`/`10`/`20` with `@100ms`,
//! `@1000ms` or neither (partial books), `@trade`, `@aggTrade`,
//! `@bookTicker` (real time), `@ticker` and `@miniTicker` (every second), `@kline_<interval>` (every second for
//! `1s`, every two otherwise). The server pings every 20 s, sends `serverShutdown` before it
//! closes sockets on [`Faults::server_shutdown`], and closes a connection at the end of its
//! lifetime (24 h). A client's Close frame is answered with a Close frame (RFC 6455 §5.5.1). A
//! stream subscribed with an explicit `@1000ms` carries that name in combined frames and in
//! `LIST_SUBSCRIPTIONS`. All cadences are set on the [builder](MockExchangeBuilder).
//!
//! Signed endpoints check, as Binance does, the `X-MBX-APIKEY` header (-2014/-2015, HTTP 401),
//! a `timestamp` (milliseconds or microseconds) within `recvWindow` of the server's clock
//! (-1021; `recvWindow` in milliseconds with up to three decimals, default 5000, at most
//! 60 000), and an HMAC-SHA256 hex `signature` over the query string followed by the form body
//! (-1022); a parameter sent in both takes the query's value. Every answer carries
//! `X-MBX-USED-WEIGHT-1M` (the documented weights); past the configured limit the next request
//! gets HTTP 429 and the one after HTTP 418 (banned), both with `Retry-After`. Accepted orders
//! carry `X-MBX-ORDER-COUNT-10S` and `X-MBX-ORDER-COUNT-1D`. Errors come as
//! `{"code":..,"msg":..}` with Binance's codes: -1000 unknown endpoint or method (404/405),
//! -1003 too much weight, -1013 filter failure (also for a price × quantity too large to
//! compute), -1100 illegal value (a number not in Binance's form `^([0-9]{1,20})(\.[0-9]{1,20})?$`:
//! a sign, an exponent, more than 20 digits such as `Decimal::MAX`), -1102 missing parameter,
//! -1111 too much precision (more than 8 decimals),
//! -1120 bad interval, -1121 invalid symbol, -2010 rejected (insufficient balance, duplicate
//! client order id, a `LIMIT_MAKER` that would take), -2011 unknown order (cancel), -2013 order
//! does not exist (query). Expired orders carry `expiryReason`.
//!
//! # Venues
//!
//! | venue | type | shaped as | what it adds |
//! | --- | --- | --- | --- |
//! | spot (this page) | [`MockExchange`] | Binance spot (`/api/v3`) | balances, the spot market streams |
//! | [`futures`] | [`futures::FuturesMock`] | Binance USD-M futures (`/fapi`) | positions, leverage, margin, `reduceOnly`, `countdownCancelAll` (really cancels), `@depth@100ms` chained by `pu` |
//! | [`bybit`] | [`bybit::BybitMock`] | Bybit v5 spot (`/v5`) | the `retCode` envelope, header signing, snapshot + delta book |
//!
//! The futures venue reuses the spot mock's book and random walk, its signature and timestamp
//! checks, and its fault state and REST fault layer, so each fault means the same on both.
//!
//! The `mock-exchange` binary of this crate runs any of the three (`--venue spot|futures|bybit`)
//! until killed and prints its URLs, for clients in other languages; `scripts/real-clients`
//! drives ccxt (Python and JavaScript, each with ccxt.pro) against all three and python-binance
//! against spot.
//!
//! # The market
//!
//! Each symbol has one L2 book that moves by a seeded random walk every stream interval and
//! sometimes trades at its best price; the depth snapshot and the streams read that same book
//! and its one update-id sequence, so the documented sync (snapshot, then events from
//! `lastUpdateId + 1`, each `U` = previous `u` + 1) works on either depth speed, and a fault
//! shows up as the exact anomaly it models. The book is never crossed; a level with quantity
//! `"0"` is removed. Taker fills (market orders and the crossing part of limit orders) take
//! liquidity out of the book and are published on the depth streams at once. Resting orders
//! are not in the book: they fill, at their own price, when the book moves through them (by
//! itself, or with [`MockExchange::move_price`]), and the fills show in `myTrades` and the
//! balances. Commissions are zero, so balances change by exactly the traded amounts.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use hft_cache_mock::MockExchange;
//! use rust_decimal_macros::dec;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ex = MockExchange::builder()
//!     .api_key("key")
//!     .secret("secret")
//!     .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
//!     .balance("USDT", dec!(10000))
//!     .stream_interval(Duration::from_millis(20))
//!     .start()
//!     .await?;
//!
//! let url = format!("{}/api/v3/depth?symbol=BTCUSDT&limit=5", ex.http_url());
//! let body = reqwest::get(url).await?.bytes().await?;
//! let depth: serde_json::Value = serde_json::from_slice(&body)?;
//! assert!(depth["lastUpdateId"].as_u64().is_some());
//! assert_eq!(ex.depth_stream_url("BTCUSDT"), format!("{}/ws/btcusdt@depth", ex.ws_url()));
//!
//! ex.faults().drop_next_delta(); // a client of the stream now sees a gap
//! ex.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use rust_decimal::Decimal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod api_error;
mod auth;
mod book;
mod builder;
pub mod bybit;
mod fault_layer;
mod faults;
pub mod futures;
mod ledger;
mod limits;
mod market;
mod market_data;
mod public;
mod state;
mod stream;
mod stream_name;
mod symbol;
mod tls;
mod trades;
mod trading;
mod wire;
mod ws;

pub use builder::{MockExchangeBuilder, MockStartError};
pub use faults::{Faults, RestFault};
pub use symbol::SymbolSpec;
pub use tls::{MockTls, MockTlsError};

use state::AppState;

/// How long [`MockExchange::shutdown`] lets in-flight requests finish before it stops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// A running mock exchange on loopback. Dropping it stops it; [`shutdown`](Self::shutdown)
/// stops it and waits.
///
/// See the [module documentation](self) for its endpoints.
///
/// ```
/// use hft_cache_mock::{MockExchange, SymbolSpec};
/// use rust_decimal_macros::dec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hft_cache_mock::MockStartError> {
/// let ex = MockExchange::builder()
///     .symbol_spec(SymbolSpec::new("ETHUSDT", "ETH", "USDT", dec!(3000)).step_size(dec!(0.0001)))
///     .balance("USDT", dec!(500))
///     .start()
///     .await?;
/// assert!(ex.http_url().starts_with("http://127.0.0.1:"));
/// assert!(ex.last_update_id("ETHUSDT").is_some());
///
/// ex.faults().stall_stream(true); // sockets stay open, depth events stop
/// ex.faults().fail_next_requests(1); // the next REST request gets HTTP 503
/// ex.set_balance("USDT", dec!(0)); // a balance fetched before is now wrong
/// ex.shutdown().await;
/// # Ok(()) }
/// ```
pub struct MockExchange {
    addr: SocketAddr,
    /// Served over TLS ([`MockExchangeBuilder::tls`]).
    secure: bool,
    state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl MockExchange {
    /// Configures a mock exchange.
    pub fn builder() -> MockExchangeBuilder {
        MockExchangeBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The REST base URL, `http://127.0.0.1:PORT` (`https://` with TLS: the certificate names
    /// the address).
    pub fn http_url(&self) -> String {
        let scheme = if self.secure { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The WebSocket base URL, `ws://127.0.0.1:PORT` (`wss://` with TLS).
    pub fn ws_url(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}", self.addr)
    }

    /// The diff-depth stream of `symbol`: `ws://127.0.0.1:PORT/ws/btcusdt@depth`.
    pub fn depth_stream_url(&self, symbol: &str) -> String {
        self.stream_url(&format!("{}@depth", symbol.to_ascii_lowercase()))
    }

    /// One raw stream: `stream_url("btcusdt@trade")` is `ws://127.0.0.1:PORT/ws/btcusdt@trade`.
    pub fn stream_url(&self, stream: &str) -> String {
        format!("{}/ws/{stream}", self.ws_url())
    }

    /// Combined streams, whose events come as `{"stream":..,"data":..}`:
    /// `ws://127.0.0.1:PORT/stream?streams=btcusdt@trade/btcusdt@depth@100ms`.
    pub fn combined_stream_url<S: AsRef<str>>(&self, streams: &[S]) -> String {
        let names: Vec<&str> = streams.iter().map(AsRef::as_ref).collect();
        format!("{}/stream?streams={}", self.ws_url(), names.join("/"))
    }

    /// The API key signed endpoints accept.
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// The handle that injects faults.
    pub fn faults(&self) -> Faults {
        self.state.faults.clone()
    }

    /// The id of the last change applied to `symbol`'s book (`None` for an unknown symbol).
    pub fn last_update_id(&self, symbol: &str) -> Option<u64> {
        let market = self.state.market(symbol).ok()?;
        let id = market.lock().last_update_id;
        Some(id)
    }

    /// Sets the free amount of `asset`, as a deposit or a withdrawal elsewhere would: a value
    /// read before this is now wrong.
    pub fn set_balance(&self, asset: &str, free: Decimal) {
        self.state
            .ledger()
            .holding(&asset.to_ascii_uppercase())
            .free = free;
    }

    /// Moves `symbol`'s market to `price` at once, as a sharp move would: going down, every bid
    /// at or above `price` is taken out and the best ask becomes `price`; going up, the
    /// reverse. The change is published like any other, and the account's resting orders that
    /// the book now crosses fill at their own price. `false` for an unknown symbol or a price
    /// off the tick size.
    ///
    /// ```
    /// # use hft_cache_mock::MockExchange;
    /// # use rust_decimal_macros::dec;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), hft_cache_mock::MockStartError> {
    /// let ex = MockExchange::builder().start().await?;
    /// assert!(ex.move_price("BTCUSDT", dec!(59000)));
    /// assert!(!ex.move_price("BTCUSDT", dec!(59000.001)));
    /// # Ok(()) }
    /// ```
    pub fn move_price(&self, symbol: &str, price: Decimal) -> bool {
        let Ok(market) = self.state.market(symbol) else {
            return false;
        };
        let Some(ticks) = market.spec.to_ticks(price).filter(|t| *t > 0) else {
            return false;
        };
        market.move_to(ticks, &self.state.ledger, &self.state.faults.inner);
        true
    }

    /// Stops the server, the book ticker and every WebSocket, and waits for them (in-flight
    /// requests get a short grace period).
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for MockExchange {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for MockExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockExchange")
            .field("addr", &self.addr)
            .field("symbols", &self.state.markets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v3/ping", get(public::ping))
        .route("/api/v3/time", get(public::time))
        .route("/api/v3/exchangeInfo", get(public::exchange_info))
        .route("/api/v3/depth", get(public::depth))
        .route("/api/v3/trades", get(market_data::trades))
        .route("/api/v3/aggTrades", get(market_data::agg_trades))
        .route("/api/v3/klines", get(market_data::klines))
        .route("/api/v3/avgPrice", get(market_data::avg_price))
        .route("/api/v3/ticker/24hr", get(market_data::ticker_24hr))
        .route("/api/v3/ticker/price", get(market_data::ticker_price))
        .route("/api/v3/ticker/bookTicker", get(market_data::book_ticker))
        .route("/api/v3/account", get(trading::account))
        .route(
            "/api/v3/openOrders",
            get(trading::open_orders).delete(trading::cancel_all),
        )
        .route("/api/v3/allOrders", get(trading::all_orders))
        .route("/api/v3/myTrades", get(trading::my_trades))
        .route(
            "/api/v3/order",
            get(trading::query_order)
                .post(trading::new_order)
                .delete(trading::cancel_order),
        )
        .route("/api/v3/order/test", post(trading::test_order))
        .layer(from_fn_with_state(Arc::clone(&state), fault_layer::inject))
        .layer(from_fn_with_state(
            Arc::clone(&state),
            limits::enforce::<state::Shared>,
        ));
    api.route("/ws", get(ws::raw_empty::<state::Shared>))
        .route("/ws/{*streams}", get(ws::raw::<state::Shared>))
        .route("/stream", get(ws::combined::<state::Shared>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found(uri: Uri) -> api_error::ApiError {
    api_error::ApiError::new(
        StatusCode::NOT_FOUND,
        -1000,
        format!("Unknown endpoint {} on the mock exchange.", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> api_error::ApiError {
    api_error::ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        -1000,
        format!("Method {method} is not allowed on {}.", uri.path()),
    )
}
