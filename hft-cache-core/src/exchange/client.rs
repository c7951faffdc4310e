//! The signed client: every live call is a [`Fresh<T>`] from the crate's own fetch path.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::binance::Binance;
use super::builder::SignedClientBuilder;
use super::error::RequestError;
use super::signer::{RequestSigner, SignRequest};
use super::venue::{BodyEncoding, ServerTime, Venue};
use crate::class::Classified;
use crate::fetch::{FetchError, FreshClient, FreshRequest};
use crate::fresh::Fresh;
use crate::gate::TradingGate;
use crate::journal::OrderJournal;
use crate::policy::Live;
use crate::policy::PublicData;
use crate::pre_trade::{Decision, PreTrade};

/// A signed REST client for one venue `V` (Binance by default), for exchange adapters.
///
/// Signed calls carry a timestamp on the exchange's clock (see [`sync_time`](Self::sync_time))
/// and the receive window, signed by the venue's [`RequestSigner`]; their answers are live data
/// and come back only as [`Fresh<T>`] of the inner type, unwrapped from the venue's envelope
/// inside the fetch. Public calls return static data and snapshots as plain values and refuse
/// live types at compile time. Order placements (the venue's rule, or the builder's
/// [`order_rule`](SignedClientBuilder::order_rule)) pass the [`TradingGate`] first, when one is
/// set. Failures are [`RequestError`]s with the venue's codes classified as
/// [`ExchangeErrorKind`](super::ExchangeErrorKind)s.
///
/// Neither `Debug` nor any error or log line shows the secret or the API key.
///
/// ```
/// use hft_cache::exchange::SignedClient;
/// use hft_cache_mock::MockExchange;
/// use hft_cache::{Fresh, Live, Static};
/// use rust_decimal::Decimal;
/// use rust_decimal_macros::dec;
///
/// #[derive(Live, serde::Deserialize)]
/// struct Account {
///     balances: Vec<Balance>,
/// }
///
/// #[derive(Live, serde::Deserialize)]
/// struct Balance {
///     asset: String,
///     free: Decimal,
///     locked: Decimal,
/// }
///
/// #[derive(Static, serde::Deserialize)]
/// struct ExchangeInfo {
///     symbols: Vec<SymbolInfo>,
/// }
///
/// #[derive(Static, serde::Deserialize)]
/// struct SymbolInfo {
///     symbol: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ex = MockExchange::builder()
///     .api_key("key")
///     .secret("s3cr3t")
///     .balance("USDT", dec!(10000))
///     .start()
///     .await?;
/// let client = SignedClient::builder(ex.http_url())
///     .api_key("key")
///     .secret("s3cr3t")
///     .build()?;
///
/// let info: ExchangeInfo = client.public_get("/api/v3/exchangeInfo", &()).await?;
/// assert_eq!(info.symbols[0].symbol, "BTCUSDT");
///
/// let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await?;
/// let usdt = account.read()?.balances.iter().find(|b| b.asset == "USDT").map(|b| b.free);
/// assert_eq!(usdt, Some(dec!(10000)));
/// assert!(!format!("{client:?}").contains("s3cr3t"));
/// # ex.shutdown().await;
/// # Ok(()) }
/// ```
pub struct SignedClient<V: Venue = Binance> {
    pub(super) fresh: FreshClient,
    /// Without a trailing slash; paths start with one.
    pub(super) base_url: String,
    pub(super) config: Arc<VenueConfig<V>>,
    pub(super) recv_window_ms: u64,
    pub(super) time_offset_ms: Arc<AtomicI64>,
    /// The largest time offset [`sync_time`](Self::sync_time) accepts, in ms.
    pub(super) max_time_offset_ms: u64,
    /// Checked before every order placement, when set.
    pub(super) gate: Option<TradingGate>,
    /// Records every order placement, when set.
    pub(super) journal: Option<OrderJournal>,
    /// Checks every order placement right before it is sent, when set.
    pub(super) pre_trade: Option<PreTrade>,
}

/// What the builder fixed about the venue, shared by clones.
pub(super) struct VenueConfig<V> {
    pub(super) venue: V,
    pub(super) signer: Box<dyn RequestSigner>,
    pub(super) time_path: String,
    pub(super) order_rule: Option<fn(&Method, &str) -> bool>,
}

impl<V: Venue> Clone for SignedClient<V> {
    fn clone(&self) -> Self {
        SignedClient {
            fresh: self.fresh.clone(),
            base_url: self.base_url.clone(),
            config: Arc::clone(&self.config),
            recv_window_ms: self.recv_window_ms,
            time_offset_ms: Arc::clone(&self.time_offset_ms),
            max_time_offset_ms: self.max_time_offset_ms,
            gate: self.gate.clone(),
            journal: self.journal.clone(),
            pre_trade: self.pre_trade.clone(),
        }
    }
}

impl SignedClient<Binance> {
    /// Configures a Binance client for `base_url` (e.g. `https://api.binance.com`).
    pub fn builder(base_url: impl Into<String>) -> SignedClientBuilder<Binance> {
        SignedClientBuilder::new(Binance, base_url)
    }
}

impl<V: Venue> SignedClient<V> {
    /// Configures a client for `venue` at `base_url`:
    /// `SignedClient::builder_for(Bybit, "https://api.bybit.com")`.
    pub fn builder_for(venue: V, base_url: impl Into<String>) -> SignedClientBuilder<V> {
        SignedClientBuilder::new(venue, base_url)
    }

    /// The venue's conventions.
    pub fn venue(&self) -> &V {
        &self.config.venue
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The receive window sent with every signed request.
    pub fn recv_window(&self) -> Duration {
        Duration::from_millis(self.recv_window_ms)
    }

    /// The fetch client underneath (its clock ages every `Fresh` this client returns).
    pub fn fresh_client(&self) -> &FreshClient {
        &self.fresh
    }

    /// Milliseconds currently added to the local wall clock for request timestamps.
    pub fn time_offset_ms(&self) -> i64 {
        self.time_offset_ms.load(Ordering::Relaxed)
    }

    /// Whether `method path` is an order placement, which must pass the trading gate: the
    /// builder's [`order_rule`](SignedClientBuilder::order_rule), else the venue's.
    pub fn places_order(&self, method: &Method, path: &str) -> bool {
        match self.config.order_rule {
            Some(rule) => rule(method, path),
            None => self.config.venue.places_order(method, path),
        }
    }

    /// A signed `GET` whose answer is live data.
    ///
    /// # Errors
    ///
    /// A [`RequestError`], as [`signed`](Self::signed).
    pub async fn signed_get<T, P>(&self, path: &str, params: &P) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::GET, path, params).await
    }

    /// A signed `POST`, parameters in the body (e.g. placing an order).
    ///
    /// # Errors
    ///
    /// A [`RequestError`], as [`signed`](Self::signed).
    pub async fn signed_post<T, P>(&self, path: &str, params: &P) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::POST, path, params).await
    }

    /// A signed `DELETE` (e.g. cancelling an order on Binance).
    ///
    /// # Errors
    ///
    /// A [`RequestError`], as [`signed`](Self::signed).
    pub async fn signed_delete<T, P>(
        &self,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::DELETE, path, params).await
    }

    /// A signed request with any method. `params` (a struct, map or list of pairs) go in the
    /// query string of a `GET` or `DELETE`, else in the body, encoded as the venue wants (a
    /// form for Binance, JSON for Bybit); the venue's signer adds the timestamp, receive window
    /// and signature. An order placement ([`places_order`](Self::places_order)) passes the
    /// trading gate first.
    ///
    /// # Errors
    ///
    /// [`RequestError::Halted`] for an order placement while trading is halted (nothing is
    /// sent); [`RequestError::Params`] if `params` cannot be encoded;
    /// [`RequestError::Exchange`] with the venue's code and its meaning; otherwise
    /// [`RequestError::Fetch`]: timeouts, HTTP errors, oversized, truncated or malformed bodies.
    pub async fn signed<T, P>(
        &self,
        method: Method,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        if self.places_order(&method, path) {
            return self.submit_order(None, method, path, params).await;
        }
        if let (Some(controls), false) = (&self.pre_trade, method == Method::GET) {
            // A cancel or amend: it takes room in the throttle, and is never refused.
            controls.note_cancel();
        }
        self.send_signed(method, path, params, false).await
    }

    /// [`signed`](Self::signed) for an order placement decided on `decision`: with
    /// [`pre_trade`](SignedClientBuilder::pre_trade), the decision's receipts are checked right
    /// before the order is written, and the journal records each input's age at that instant.
    /// (Without this, a placement uses the decision of the enclosing
    /// [`Decision::scope`], if any.) A call that does not place an order is sent as by
    /// [`signed`](Self::signed).
    ///
    /// # Errors
    ///
    /// [`RequestError::PreTrade`] for a refused order (nothing is sent); otherwise as
    /// [`signed`](Self::signed).
    pub async fn signed_decided<T, P>(
        &self,
        decision: &Decision,
        method: Method,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        if self.places_order(&method, path) {
            return self
                .submit_order(Some(decision), method, path, params)
                .await;
        }
        self.signed(method, path, params).await
    }

    /// [`signed_decided`](Self::signed_decided) with `POST`: places an order decided on
    /// `decision`.
    ///
    /// # Errors
    ///
    /// As [`signed_decided`](Self::signed_decided).
    pub async fn signed_post_decided<T, P>(
        &self,
        decision: &Decision,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed_decided(decision, Method::POST, path, params)
            .await
    }

    /// The pre-trade controls order placements pass, if any.
    pub fn pre_trade(&self) -> Option<&PreTrade> {
        self.pre_trade.as_ref()
    }

    /// Every order placement passes here, and only here: the trading gate (halted, paper or
    /// live), the journal, then the signed request (see `journal::order_path`).
    async fn submit_order<T, P>(
        &self,
        decision: Option<&Decision>,
        method: Method,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        super::order_path::place_order(
            self,
            decision,
            method,
            path,
            params,
            super::order_path::ReduceOnly::No,
        )
        .await
    }

    /// The kill switch's flatten: a reduce-only order built from a fresh position answer
    /// ([`PositionVenue::close`](super::PositionVenue::close)), journaled and sent even while
    /// the gate is halted.
    pub(crate) async fn send_flatten<T>(
        &self,
        call: &super::VenueCall,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
    {
        super::order_path::place_order(
            self,
            None,
            call.method.clone(),
            call.path,
            &call.params,
            super::order_path::ReduceOnly::KillSwitchFlatten,
        )
        .await
    }

    /// Sends an order placement that the order path has let through, and hands back the venue's
    /// answer for the journal to read before it is decoded. `before_send` runs after signing,
    /// right before the request is written; an error from it sends nothing.
    pub(crate) async fn send_order_answer<P>(
        &self,
        method: Method,
        path: &str,
        params: &P,
        before_send: impl FnOnce() -> Result<(), RequestError>,
    ) -> Result<serde_json::Value, RequestError>
    where
        P: Serialize + ?Sized,
    {
        let request = self.signed_request(method, path, params)?;
        before_send()?;
        request
            .fetch_not_live_as::<V::Format, serde_json::Value>()
            .await
            .map_err(|e| self.classify(without_url(e), true))
            .inspect_err(|e| log_failure(path, e))
    }

    /// The trading gate order placements pass, if any.
    pub(crate) fn gate(&self) -> Option<&TradingGate> {
        self.gate.as_ref()
    }

    /// The journal order placements are recorded in, if any.
    pub(crate) fn journal(&self) -> Option<&OrderJournal> {
        self.journal.as_ref()
    }

    async fn send_signed<T, P>(
        &self,
        method: Method,
        path: &str,
        params: &P,
        placing_order: bool,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let request = self.signed_request(method, path, params)?;
        request
            .fetch_as::<V::Format, T>()
            .await
            .map_err(|e| self.classify(without_url(e), placing_order))
            .inspect_err(|e| log_failure(path, e))
    }

    /// An unsigned `GET` of data that is not live: exchange info, symbol rules, a depth snapshot
    /// that seeds a stream. Returns the value itself; a `Live` `T` is a compile error:
    ///
    /// ```compile_fail
    /// # use hft_cache::{exchange::SignedClient, Live};
    /// #[derive(Live, serde::Deserialize)]
    /// struct Balance {
    ///     free: rust_decimal::Decimal,
    /// }
    ///
    /// async fn peek(client: &SignedClient) {
    ///     // error: `Balance` is live trading data and cannot be fetched as a plain value
    ///     let _: Result<Balance, _> = client.public_get("/api/v3/account", &()).await;
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`signed`](Self::signed).
    pub async fn public_get<T, P>(&self, path: &str, params: &P) -> Result<T, RequestError>
    where
        T: Classified + DeserializeOwned,
        T::Class: PublicData<T>,
        P: Serialize + ?Sized,
    {
        let url = self.public_url(path, params)?;
        tracing::debug!(path, "public request");
        self.fresh
            .get(url)
            .fetch_not_live_as::<V::Format, T>()
            .await
            .map_err(|e| self.classify(e, false))
            .inspect_err(|e| log_failure(path, e))
    }

    /// An unsigned `GET` of live data (last prices, recent trades): a [`Fresh<T>`].
    ///
    /// # Errors
    ///
    /// As [`signed`](Self::signed).
    pub async fn public_get_fresh<T, P>(
        &self,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, RequestError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let url = self.public_url(path, params)?;
        tracing::debug!(path, "public request");
        self.fresh
            .get(url)
            .fetch_as::<V::Format, T>()
            .await
            .map_err(|e| self.classify(e, false))
            .inspect_err(|e| log_failure(path, e))
    }

    /// Reads the exchange's clock (the venue's time endpoint, or the builder's
    /// [`time_endpoint`](SignedClientBuilder::time_endpoint)) and sets the timestamp offset to
    /// its difference from ours, measured at the middle of the round trip. Returns the offset.
    ///
    /// A server time further from the local clock than the builder's
    /// [`max_time_offset`](SignedClientBuilder::max_time_offset) (default 5 minutes) is refused
    /// and the offset is left as it was, so that a broken or hostile time endpoint cannot move
    /// every later timestamp (nor overflow it).
    ///
    /// # Errors
    ///
    /// [`RequestError::ImplausibleServerTime`] for a server time past the bound; otherwise as
    /// [`signed`](Self::signed).
    pub async fn sync_time(&self) -> Result<i64, RequestError> {
        let before = wall_clock_ms();
        let time: V::ServerTime = self
            .fresh
            .get(format!("{}{}", self.base_url, self.config.time_path))
            .fetch_not_live_as::<V::Format, V::ServerTime>()
            .await
            .map_err(|e| self.classify(e, false))
            .inspect_err(|e| log_failure(&self.config.time_path, e))?;
        let after = wall_clock_ms();
        let server_time_ms = time.unix_ms();
        // i128: no server time, however absurd, overflows the difference.
        let local_time_ms = midpoint(before, after);
        let offset = i128::from(server_time_ms) - i128::from(local_time_ms);
        let max_offset = Duration::from_millis(self.max_time_offset_ms);
        let offset = match i64::try_from(offset) {
            Ok(offset) if offset.unsigned_abs() <= self.max_time_offset_ms => offset,
            _ => {
                let error = RequestError::ImplausibleServerTime {
                    server_time_ms,
                    local_time_ms,
                    max_offset,
                };
                tracing::warn!(%error, "refused the exchange's clock");
                return Err(error);
            }
        };
        self.time_offset_ms.store(offset, Ordering::Relaxed);
        tracing::debug!(offset_ms = offset, "synchronised with the exchange's clock");
        Ok(offset)
    }

    /// What a fetch failure means on this venue.
    fn classify(&self, error: FetchError, placing_order: bool) -> RequestError {
        let venue = &self.config.venue;
        match error {
            FetchError::Exchange {
                status,
                code,
                msg,
                retry_after,
            } => RequestError::Exchange {
                status,
                code,
                kind: venue.classify(status, Some(code), placing_order),
                msg,
                retry_after,
            },
            FetchError::Redirect { status, location } => {
                RequestError::Redirect { status, location }
            }
            FetchError::Http { status, .. } => RequestError::Fetch {
                kind: Some(venue.classify(status, None, placing_order)),
                source: error,
            },
            // The order may have reached the matching engine; only a query can tell.
            _ if placing_order && error.may_have_been_sent() => RequestError::Fetch {
                source: error,
                kind: Some(super::ExchangeErrorKind::ExecutionUnknown),
            },
            source => RequestError::Fetch { source, kind: None },
        }
    }

    /// Serializes `params` as a URL query (reqwest's encoding).
    fn encode_query(&self, params: &(impl Serialize + ?Sized)) -> Result<String, RequestError> {
        let request = self
            .fresh
            .http()
            .get(&self.base_url)
            .query(params)
            .build()
            .map_err(|e| RequestError::Params {
                reason: e.without_url().to_string(),
            })?;
        Ok(request.url().query().unwrap_or_default().to_owned())
    }

    fn public_url(
        &self,
        path: &str,
        params: &(impl Serialize + ?Sized),
    ) -> Result<String, RequestError> {
        check_path(path)?;
        let query = self.encode_query(params)?;
        Ok(if query.is_empty() {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}{path}?{query}", self.base_url)
        })
    }

    fn signed_request(
        &self,
        method: Method,
        path: &str,
        params: &(impl Serialize + ?Sized),
    ) -> Result<FreshRequest, RequestError> {
        check_path(path)?;
        let encoding = self.config.venue.body_encoding();
        let in_query = method == Method::GET || method == Method::DELETE;
        let (query, body) = if in_query {
            (self.encode_query(params)?, String::new())
        } else {
            let body = match encoding {
                BodyEncoding::Form => self.encode_query(params)?,
                BodyEncoding::Json => match serde_json::to_string(params) {
                    // `&()` means no parameters: an empty object, not `null`.
                    Ok(json) if json == "null" => "{}".to_owned(),
                    Ok(json) => json,
                    Err(e) => {
                        return Err(RequestError::Params {
                            reason: e.to_string(),
                        })
                    }
                },
            };
            (String::new(), body)
        };
        // Parameters are logged before they are signed; the signature and key never are.
        tracing::debug!(%method, path, %query, %body, "signed request");
        // The offset is bounded (builder, `sync_time`), but the sum is checked all the same.
        let Some(timestamp_ms) = wall_clock_ms().checked_add(self.time_offset_ms()) else {
            return Err(RequestError::Params {
                reason: format!(
                    "the request timestamp overflows: time offset {} ms",
                    self.time_offset_ms()
                ),
            });
        };
        let mut signing =
            SignRequest::new(method, path, query, body, timestamp_ms, self.recv_window_ms);
        self.config.signer.sign(&mut signing);
        let SignRequest {
            method,
            query,
            body,
            headers,
            ..
        } = signing;
        let url = if query.is_empty() {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}{path}?{query}", self.base_url)
        };
        let mut request = self.fresh.request(method, url).headers(headers);
        if !body.is_empty() {
            let content_type = match encoding {
                BodyEncoding::Form => "application/x-www-form-urlencoded",
                BodyEncoding::Json => "application/json",
            };
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
                .body(body);
        }
        Ok(request)
    }
}

/// Requests go to the configured host only: a path is appended to the base URL, so one that
/// does not start with `/` could change its authority (`@other.host/...`).
fn check_path(path: &str) -> Result<(), RequestError> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(RequestError::Params {
            reason: format!("the path `{path}` does not start with `/`"),
        })
    }
}

/// A signed URL carries the parameters and their signature, which logs have no use for:
/// transport errors drop it (the path is logged separately).
fn without_url(error: FetchError) -> FetchError {
    match error {
        FetchError::Request(e) => FetchError::Request(e.without_url()),
        FetchError::Connect(e) => FetchError::Connect(e.without_url()),
        FetchError::Transport(e) => FetchError::Transport(e.without_url()),
        other => other,
    }
}

fn log_failure(path: &str, error: &RequestError) {
    tracing::debug!(path, %error, "exchange request failed");
}

/// The wall clock in milliseconds since the Unix epoch, as exchanges timestamp requests.
fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The middle of `a` and `b`, without overflow.
fn midpoint(a: i64, b: i64) -> i64 {
    // Fits: the mean of two i64s is between them.
    i64::try_from((i128::from(a) + i128::from(b)) / 2).unwrap_or(a)
}

impl<V: Venue> fmt::Debug for SignedClient<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedClient")
            .field("venue", &self.config.venue)
            .field("base_url", &self.base_url)
            .field("api_key", &format_args!("[REDACTED]"))
            .field("secret", &format_args!("[REDACTED]"))
            .field("recv_window_ms", &self.recv_window_ms)
            .field("time_offset_ms", &self.time_offset_ms())
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([V: Venue] Plain joined(V) for SignedClient<V>);
