//! A Binance-USD-M-futures-shaped mock exchange: perpetuals margined in USDT, one-way
//! position mode, cross margin, positions that move as orders fill against the mock's market,
//! the exchange's own dead man's switch (`countdownCancelAll`), reduce-only orders, and the
//! `@depth@100ms` stream chained by `pu`. For adapters of futures venues, tested as the spot
//! mock tests spot ones; it reuses the spot mock's book and random walk, request signing
//! checks and fault machinery.
//!
//! # Endpoints
//!
//! | endpoint | auth | what |
//! | --- | --- | --- |
//! | `GET /fapi/v1/ping`, `GET /fapi/v1/time` | none | `{}`, `{"serverTime":ms}` |
//! | `GET /fapi/v1/exchangeInfo` | none | symbols with `PRICE_FILTER`, `LOT_SIZE`, `MARKET_LOT_SIZE`, `MAX_NUM_ORDERS`, `MAX_NUM_ALGO_ORDERS`, `MIN_NOTIONAL` (`notional`), `PERCENT_PRICE` |
//! | `GET /fapi/v1/depth?symbol=&limit=` | none | `{"lastUpdateId","E","T","bids","asks"}` |
//! | `POST /fapi/v1/order` | signed | `LIMIT` (`GTC`/`IOC`/`FOK`/`GTX`), `MARKET`; `reduceOnly`, `newClientOrderId`, `newOrderRespType` `ACK` (default) or `RESULT` |
//! | `POST /fapi/v1/batchOrders?batchOrders=[..]` | signed | up to 5 orders; a list of order answers or `{"code","msg"}` refusals, in order |
//! | `DELETE /fapi/v1/order`, `GET /fapi/v1/order` | signed | by `orderId` or `origClientOrderId` |
//! | `GET /fapi/v1/openOrders` | signed | open orders, all symbols or `symbol=` |
//! | `DELETE /fapi/v1/allOpenOrders?symbol=` | signed | `{"code":200,"msg":"The operation of cancel all open order is done."}` |
//! | `POST /fapi/v1/countdownCancelAll?symbol=&countdownTime=` | signed | arms (re-arming replaces), `0` disarms; `{"symbol","countdownTime"}` |
//! | `POST /fapi/v1/leverage?symbol=&leverage=` | signed | `{"leverage","maxNotionalValue","symbol"}` |
//! | `GET /fapi/v2/positionRisk[?symbol=]` | signed | one entry per symbol, `positionSide` `BOTH` |
//! | `GET /fapi/v3/positionRisk[?symbol=]` | signed | only symbols with a position or open orders, with margins |
//! | `GET /fapi/v2/account` | signed | wallet, margins, `assets` (USDT), `positions` |
//! | `GET /fapi/v3/account` | signed | V2's totals and `assets`; `positions` only for symbols with a position or open orders, without leverage |
//! | `GET /fapi/v1/leverageBracket[?symbol=]` | signed | each symbol's notional brackets (`initialLeverage`, `notionalFloor`, `notionalCap`, `maintMarginRatio`, `cum`); an object when `symbol` is given |
//! | `GET /fapi/v2/balance` | signed | the USDT balance: `balance`, `crossUnPnl`, `availableBalance` |
//! | `GET /ws/<stream>[/<stream>..]`, `GET /ws` | none | raw streams; `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS`/`SET_PROPERTY`/`GET_PROPERTY` (the spot mock's WebSocket) |
//! | `GET /stream?streams=<a>/<b>` | none | combined streams, `{"stream":..,"data":..}` |
//! | `GET /public/ws[/<stream>..]`, `GET /public/stream?streams=` | none | the same, at USD-M's routed base for public (high-frequency) streams such as depth |
//!
//! Streams: `<symbol>@depth@100ms` and `<symbol>@depth` (USD-M's 250 ms; also as
//! `@depth@250ms` and `@depth@500ms`), events
//! `{"e":"depthUpdate","E","T","s","U","u","pu","b","a"}`. USD-M's rule, which the mock
//! follows: an event's `pu` is the previous event's `u` on that stream, and `U` is *not* the
//! previous `u` + 1 (the mock skips a few ids between batches, as the venue does). A client
//! syncs the documented way: snapshot, drop events with `u` < `lastUpdateId`, the first
//! event has `U` ≤ `lastUpdateId` ≤ `u` (or, when the book has not changed since the event
//! the snapshot follows, has `pu` = `lastUpdateId`), then each `pu` must equal the last `u`,
//! else resync.
//! A dropped or stalled event still moves the chain on, so the next `pu` shows the gap.
//!
//! Every answer carries `X-MBX-USED-WEIGHT-1M` (USD-M's documented weights); past the limit
//! (default 2400 a minute) a request gets HTTP 429 and the next one HTTP 418, both with
//! `Retry-After`, by the spot mock's own limiter.
//!
//! Signed endpoints are checked exactly as on the spot mock (the same code): `X-MBX-APIKEY`
//! (-2014/-2015, HTTP 401), `timestamp` within `recvWindow` (-1021), HMAC-SHA256 `signature`
//! over the query string followed by the form body (-1022), a missing parameter -1102.
//!
//! Errors come as `{"code":..,"msg":..}` with USD-M's codes, HTTP 400:
//!
//! - parameters: -1100 illegal value (a sign, an exponent, too many digits), -1102 missing,
//!   -1111 too much precision, -1115/-1116/-1117 invalid `timeInForce`/`type`/`side`, -1121
//!   invalid symbol, -1122 a symbol not trading, -1130 an invalid `batchOrders` list;
//! - filters: -4003/-4004/-4005 quantity zero, under the minimum, over the maximum, -4023
//!   quantity off the step, -4013/-4002/-4014 price under the minimum, over the maximum, off
//!   the tick, -4016/-4024 a limit price beyond `PERCENT_PRICE` of the mark price, -4164
//!   notional under `MIN_NOTIONAL` (reduce-only orders are exempt);
//! - orders: -2011 unknown order (cancel), -2013 no such order (query), -2022 a reduce-only
//!   order that would open, add to or flip the position, -2025 more than `MAX_NUM_ORDERS`
//!   open, -4015 a client order id not of 1 to 36 of `[.A-Za-z:/0-9_-]`, -4061 a
//!   `positionSide` other than `BOTH`, -4116 a client order id already open;
//! - risk: -2019 margin is insufficient, -2027 a position over the leverage's maximum
//!   notional (on an order or a leverage change), -4028 invalid leverage.
//!
//! # The market and the account
//!
//! Each symbol's book is the spot mock's L2 book with its seeded random walk. Market orders
//! and the crossing part of limit orders take liquidity out of the book at the book's prices
//! (published on the depth streams at once); `IOC` and market remainders expire, `FOK` is all
//! or nothing, `GTX` expires if it would take. Resting orders fill at their own price when
//! the book moves through them (by itself, or with [`FuturesMock::move_price`]). The mark
//! price is the book's mid. The wallet, entry prices, realized and unrealized PnL, margins and
//! the liquidation price follow the rules in `account.rs`, summarized here: entry is
//! volume-weighted; reducing realizes `closed × (fill − entry)` (negated for shorts) into the
//! wallet; initial margin is notional / leverage; maintenance is 0.4 % of notional;
//! available balance is wallet + unrealized − initial margins; the liquidation price solves
//! `W' + q(P − e) = |q| P × 0.004` for `P` (a plausible cross-margin model, not Binance's
//! exact bracket formula). Commissions are zero, so the break-even price is the entry price.
//!
//! # Faults
//!
//! [`FuturesFaults`]: stall the stream, drop a delta (the `pu` chain breaks), a bad JSON frame,
//! close every socket, HTTP 5xx on any or on one chosen endpoint, 429 with `Retry-After`, and
//! the spot mock's delayed, truncated and malformed answers. An armed countdown always fires;
//! only the request that arms it can be refused.
//!
//! Checked against Binance's public USD-M documentation (developers.binance.com, derivatives →
//! USDⓈ-M futures): "Position Information V2" (`GET /fapi/v2/positionRisk`, one-way example),
//! "Account Information V3" (`GET /fapi/v3/account`: positions only of symbols with a position
//! or open orders), "Notional and Leverage Brackets" (`GET /fapi/v1/leverageBracket`: a list,
//! or one object when `symbol` is sent),
//! "Auto-Cancel All Open Orders" (`POST /fapi/v1/countdownCancelAll`: checked about every
//! 10 ms, `0` cancels the timer, answer `{"symbol":"BTCUSDT","countdownTime":"100000"}`),
//! "Diff. Book Depth Streams" (`pu` = previous `u`; speeds 250 ms, 500 ms, 100 ms), "Order
//! Book" (`lastUpdateId`, `E`, `T`), "Common Definition" (order statuses, types, time in
//! force), "New Order" (`newOrderRespType` `ACK` by default; `RESULT` gives a market order's
//! final `FILLED` and an `IOC`/`FOK` order's final status), "Error Codes" (the codes above),
//! and the exchange-information filters (`MIN_NOTIONAL` spelled `notional`).
//!
//! ```
//! use hft_cache_mock::futures::FuturesMock;
//! use rust_decimal_macros::dec;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = FuturesMock::builder()
//!     .symbol("BTCUSDT", dec!(60000))
//!     .balance(dec!(10000))
//!     .leverage(10)
//!     .start()
//!     .await?;
//! let url = format!("{}/fapi/v1/depth?symbol=BTCUSDT&limit=5", mock.http_url());
//! let body = reqwest::get(url).await?.bytes().await?;
//! let depth: serde_json::Value = serde_json::from_slice(&body)?;
//! assert!(depth["lastUpdateId"].as_u64().is_some());
//! assert_eq!(mock.position("BTCUSDT"), Some((dec!(0), dec!(0))));
//! mock.faults().drop_next_delta(); // a client of the stream now sees `pu` break the chain
//! mock.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};
use axum::Router;
use rust_decimal::Decimal;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

mod account;
mod builder;
mod countdown;
mod engine;
mod faults;
mod market;
mod rest;
mod state;
mod wire;
mod ws;

pub use builder::FuturesMockBuilder;
pub use faults::FuturesFaults;

use state::FuturesState;

/// How long [`FuturesMock::shutdown`] lets in-flight requests finish before it stops them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// A running USD-M-style futures mock on loopback. Dropping it stops it;
/// [`shutdown`](Self::shutdown) stops it and waits. See the [module documentation](self).
///
/// ```
/// use std::time::Duration;
/// use hft_cache_mock::futures::FuturesMock;
/// use rust_decimal_macros::dec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hft_cache_mock::MockStartError> {
/// let mock = FuturesMock::builder()
///     .api_key("key")
///     .secret("secret")
///     .symbol("ETHUSDT", dec!(3000))
///     .balance(dec!(5000))
///     .stream_interval(Duration::from_millis(20))
///     .start()
///     .await?;
/// let (bid, ask) = mock.best_bid_ask("ETHUSDT").expect("listed");
/// assert!(bid < ask);
/// assert_eq!(mock.countdown("ETHUSDT"), None); // no dead man's switch armed yet
/// mock.faults().fail_endpoint("/fapi/v2/positionRisk", 503, 1); // the next positionRisk fails
/// mock.set_wallet_balance(dec!(0)); // an account read before this is now wrong
/// mock.shutdown().await;
/// # Ok(()) }
/// ```
pub struct FuturesMock {
    addr: SocketAddr,
    state: FuturesState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl FuturesMock {
    /// Configures a futures mock.
    pub fn builder() -> FuturesMockBuilder {
        FuturesMockBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The REST base URL, `http://127.0.0.1:PORT` (paths start with `/fapi`).
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket base URL, `ws://127.0.0.1:PORT` (streams at `/ws/..` and `/stream`).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The `@depth@100ms` stream of `symbol`: `ws://127.0.0.1:PORT/ws/btcusdt@depth@100ms`.
    pub fn depth_stream_url(&self, symbol: &str) -> String {
        format!(
            "{}/ws/{}@depth@100ms",
            self.ws_url(),
            symbol.to_ascii_lowercase()
        )
    }

    /// The API key signed endpoints accept.
    pub fn api_key(&self) -> &str {
        &self.state.api_key
    }

    /// The secret signed requests must be signed with (a test credential, shown so that
    /// tests can sign with it).
    pub fn secret(&self) -> &str {
        use secrecy::ExposeSecret;
        self.state.secret.expose_secret()
    }

    /// The handle that injects faults.
    pub fn faults(&self) -> FuturesFaults {
        self.state.faults.clone()
    }

    /// `symbol`'s position as (signed amount, entry price); `(0, 0)` when flat, `None` for a
    /// symbol the mock does not list.
    pub fn position(&self, symbol: &str) -> Option<(Decimal, Decimal)> {
        let venue = self.state.lock();
        let symbol = venue.symbol(symbol).ok()?;
        let p = venue.account.position(&symbol);
        Some((p.amount.normalize(), p.entry.normalize()))
    }

    /// The wallet balance (USDT), realized PnL included.
    pub fn wallet_balance(&self) -> Decimal {
        self.state.lock().account.wallet
    }

    /// Sets the wallet balance (USDT), as a transfer in or out would: an account or position
    /// figure read before this is now wrong.
    pub fn set_wallet_balance(&self, usdt: Decimal) {
        let mut venue = self.state.lock();
        venue.account.wallet = usdt;
        venue.account.update_time = crate::wire::now_ms();
    }

    /// How many orders are open, on every symbol.
    pub fn open_order_count(&self) -> usize {
        self.state.lock().account.open_orders(None).count()
    }

    /// How long until `symbol`'s armed countdown lapses (zero if it is due), or `None` when
    /// none is armed.
    pub fn countdown(&self, symbol: &str) -> Option<Duration> {
        let venue = self.state.lock();
        let c = venue.countdowns.get(&symbol.to_ascii_uppercase())?;
        Some(c.deadline.saturating_duration_since(Instant::now()))
    }

    /// The id of the last change applied to `symbol`'s book (`None` for an unknown symbol).
    pub fn update_id(&self, symbol: &str) -> Option<u64> {
        let venue = self.state.lock();
        venue
            .markets
            .get(&symbol.to_ascii_uppercase())
            .map(|m| m.last_update_id)
    }

    /// The best bid and ask of `symbol`.
    pub fn best_bid_ask(&self, symbol: &str) -> Option<(Decimal, Decimal)> {
        let venue = self.state.lock();
        venue
            .markets
            .get(&symbol.to_ascii_uppercase())?
            .best_bid_ask()
    }

    /// `symbol`'s mark price (the book's mid).
    pub fn mark_price(&self, symbol: &str) -> Option<Decimal> {
        let venue = self.state.lock();
        Some(
            venue
                .markets
                .get(&symbol.to_ascii_uppercase())?
                .mark_price(),
        )
    }

    /// Moves `symbol`'s market to `price` at once, as a sharp move would (going down the best
    /// ask becomes `price`, going up the best bid does); resting orders it crosses fill at
    /// their own price, and positions are marked at the new mid. `false` for an unknown symbol
    /// or a price off the tick size.
    ///
    /// ```
    /// # use hft_cache_mock::futures::FuturesMock;
    /// # use rust_decimal_macros::dec;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), hft_cache_mock::MockStartError> {
    /// let mock = FuturesMock::builder().start().await?;
    /// assert!(mock.move_price("BTCUSDT", dec!(59000)));
    /// assert!(!mock.move_price("BTCUSDT", dec!(59000.05)));
    /// # Ok(()) }
    /// ```
    pub fn move_price(&self, symbol: &str, price: Decimal) -> bool {
        let mut venue = self.state.lock();
        let Ok(symbol) = venue.symbol(symbol) else {
            return false;
        };
        let Some(ticks) = venue.markets[&symbol]
            .spec
            .to_ticks(price)
            .filter(|t| *t > 0)
        else {
            return false;
        };
        engine::move_to(&mut venue, &symbol, ticks, &self.state.faults.shared.inner);
        true
    }

    /// Stops the server, the market and the countdown checker, and waits for them.
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

impl Drop for FuturesMock {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl std::fmt::Debug for FuturesMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuturesMock")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn router(state: FuturesState) -> Router {
    let api = Router::new()
        .route("/fapi/v1/ping", get(rest::ping))
        .route("/fapi/v1/time", get(rest::time))
        .route("/fapi/v1/exchangeInfo", get(rest::exchange_info))
        .route("/fapi/v1/depth", get(rest::depth))
        .route(
            "/fapi/v1/order",
            get(rest::query_order)
                .post(rest::new_order)
                .delete(rest::cancel_order),
        )
        .route("/fapi/v1/batchOrders", post(rest::batch_orders))
        .route("/fapi/v1/openOrders", get(rest::open_orders))
        .route("/fapi/v1/allOpenOrders", delete(rest::cancel_all))
        .route(
            "/fapi/v1/countdownCancelAll",
            post(rest::countdown_cancel_all),
        )
        .route("/fapi/v1/leverage", post(rest::leverage))
        .route("/fapi/v2/positionRisk", get(rest::position_risk))
        .route("/fapi/v3/positionRisk", get(rest::position_risk_v3))
        .route("/fapi/v2/account", get(rest::account))
        .route("/fapi/v3/account", get(rest::account_v3))
        .route("/fapi/v1/leverageBracket", get(rest::leverage_bracket))
        .route("/fapi/v2/balance", get(rest::balance))
        .layer(from_fn_with_state(Arc::clone(&state), rest::faults))
        .layer(from_fn_with_state(
            Arc::clone(&state),
            crate::limits::enforce::<state::Shared>,
        ));
    // The streams the mock serves (depth) are USD-M's "public" category: served at the routed
    // `/public` base and, as the venue still does for public streams, at the unrouted root.
    api.route("/ws", get(crate::ws::raw_empty::<state::Shared>))
        .route("/ws/{*streams}", get(crate::ws::raw::<state::Shared>))
        .route("/stream", get(crate::ws::combined::<state::Shared>))
        .route("/public/ws", get(crate::ws::raw_empty::<state::Shared>))
        .route(
            "/public/ws/{*streams}",
            get(crate::ws::raw::<state::Shared>),
        )
        .route("/public/stream", get(crate::ws::combined::<state::Shared>))
        .fallback(rest::not_found)
        .method_not_allowed_fallback(rest::method_not_allowed)
        .with_state(state)
}
