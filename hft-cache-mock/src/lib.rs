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
//! | `GET /api/v3/account` | signed | balances: `asset`, `free`, `locked` |
//! | `GET /api/v3/openOrders` | signed | open orders, all symbols or `symbol=` |
//! | `GET /api/v3/order` | signed | one order by `orderId` or `origClientOrderId` |
//! | `POST /api/v3/order` | signed | `LIMIT` (`GTC`/`IOC`/`FOK`) and `MARKET` orders |
//! | `DELETE /api/v3/order` | signed | cancels an open order, unlocking its funds |
//! | `GET /ws/<symbol>@depth` | none | the diff-depth stream (`depthUpdate` events) |
//!
//! Signed endpoints check, as Binance does, the `X-MBX-APIKEY` header (-2014/-2015, HTTP 401),
//! a `timestamp` within `recvWindow` of the server's clock (-1021; `recvWindow` defaults to
//! 5000 ms, at most 60 000), and an HMAC-SHA256 hex `signature` over the query string followed by
//! the form body (-1022). Errors come as `{"code":..,"msg":..}` with Binance's codes: -1013 filter
//! failure, -1100 illegal value, -1102 missing parameter, -1121 invalid symbol, -2010
//! insufficient balance, -2011 unknown order (cancel), -2013 order does not exist (query).
//!
//! # The market
//!
//! Each symbol has one L2 book that moves by a seeded random walk every stream interval; the
//! depth snapshot and the stream read that same book and its one update-id sequence, so the
//! documented sync (snapshot, then events from `lastUpdateId + 1`, each `U` = previous `u` + 1)
//! works, and a fault shows up as the exact anomaly it models. The book is never crossed; a
//! level with quantity `"0"` is removed. Taker fills (market orders and the crossing part of
//! limit orders) take liquidity out of the book and are published on the stream like any other
//! change. Orders that rest are not matched later (the mock's book holds no user orders), and
//! commissions are zero, so balances change by exactly the traded amounts.
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

use axum::middleware::from_fn_with_state;
use axum::routing::get;
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
mod ledger;
mod market;
mod public;
mod state;
mod stream;
mod symbol;
mod trading;
mod wire;

pub use builder::{MockExchangeBuilder, MockStartError};
pub use faults::{Faults, RestFault};
pub use symbol::SymbolSpec;

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

    /// The REST base URL, `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket base URL, `ws://127.0.0.1:PORT`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The diff-depth stream of `symbol`: `ws://127.0.0.1:PORT/ws/btcusdt@depth`.
    pub fn depth_stream_url(&self, symbol: &str) -> String {
        format!("{}/ws/{}@depth", self.ws_url(), symbol.to_ascii_lowercase())
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
        .route("/api/v3/account", get(trading::account))
        .route("/api/v3/openOrders", get(trading::open_orders))
        .route(
            "/api/v3/order",
            get(trading::query_order)
                .post(trading::new_order)
                .delete(trading::cancel_order),
        )
        .layer(from_fn_with_state(Arc::clone(&state), fault_layer::inject));
    api.route("/ws/{stream}", get(stream::depth_stream))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> api_error::ApiError {
    api_error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        -1000,
        "Unknown endpoint on the mock exchange.",
    )
}
