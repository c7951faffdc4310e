//! The signed client: every live call is a [`Fresh<T>`] from the crate's own fetch path.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::builder::SignedClientBuilder;
use super::signer::Signer;
use super::PublicData;
use crate::fetch::{FetchError, FreshClient, FreshRequest};
use crate::journal::OrderJournal;
use crate::kill_switch::TradingGate;
use crate::{Classified, Fresh, Live};

/// The header that carries the API key.
static API_KEY_HEADER: HeaderName = HeaderName::from_static("x-mbx-apikey");

/// A client for an exchange's REST API in Binance's style, for exchange adapters.
///
/// Signed calls add `recvWindow` and `timestamp` to the parameters, sign the result with
/// HMAC-SHA256 (the `signature` parameter) and send the API key in `X-MBX-APIKEY`; their answers
/// are live data and come back only as [`Fresh<T>`], built by the crate's fetch path. Public
/// calls return static data and snapshots as plain values, and refuse live types at compile
/// time. Failures are [`FetchError`]s: exchange error codes become
/// [`ExchangeErrorKind`](crate::ExchangeErrorKind)s (bad key → `Unauthorized`, bad signature →
/// `InvalidSignature`, stale timestamp → `TimestampOutsideRecvWindow`, ...).
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
#[derive(Clone)]
pub struct SignedClient {
    pub(super) fresh: FreshClient,
    /// Without a trailing slash; paths start with one.
    pub(super) base_url: String,
    /// Marked sensitive.
    pub(super) api_key: HeaderValue,
    pub(super) signer: Arc<Signer>,
    pub(super) recv_window_ms: u64,
    pub(super) time_offset_ms: Arc<AtomicI64>,
    /// Checked before every order placement, when set.
    pub(crate) gate: Option<TradingGate>,
    /// Records every order placement, when set.
    pub(crate) journal: Option<OrderJournal>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerTime {
    server_time: i64,
}

impl SignedClient {
    /// Configures a client for the exchange at `base_url` (e.g. `https://api.binance.com`).
    pub fn builder(base_url: impl Into<String>) -> SignedClientBuilder {
        SignedClientBuilder::new(base_url)
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

    /// A signed `GET` whose answer is live data.
    ///
    /// # Errors
    ///
    /// A [`FetchError`], as [`signed`](Self::signed).
    pub async fn signed_get<T, P>(&self, path: &str, params: &P) -> Result<Fresh<T>, FetchError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::GET, path, params).await
    }

    /// A signed `POST`, parameters in a form body (e.g. placing an order).
    ///
    /// # Errors
    ///
    /// A [`FetchError`], as [`signed`](Self::signed).
    pub async fn signed_post<T, P>(&self, path: &str, params: &P) -> Result<Fresh<T>, FetchError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::POST, path, params).await
    }

    /// A signed `DELETE` (e.g. cancelling an order).
    ///
    /// # Errors
    ///
    /// A [`FetchError`], as [`signed`](Self::signed).
    pub async fn signed_delete<T, P>(&self, path: &str, params: &P) -> Result<Fresh<T>, FetchError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        self.signed(Method::DELETE, path, params).await
    }

    /// A signed request with any method: `params` (a struct, map or list of pairs, serialized as
    /// a form) plus `recvWindow` and `timestamp`, signed. `GET` and `DELETE` send them in the
    /// query string; other methods in an `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    ///
    /// [`FetchError::Request`] if `params` cannot be serialized as a form or the URL is invalid;
    /// otherwise whatever the fetch reports: timeouts, HTTP errors, the exchange's error codes
    /// as [`FetchError::Exchange`], oversized, truncated or malformed bodies.
    pub async fn signed<T, P>(
        &self,
        method: Method,
        path: &str,
        params: &P,
    ) -> Result<Fresh<T>, FetchError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        if places_orders(&method, path) {
            return crate::journal::place_order(self, method, path, params).await;
        }
        let request = self.signed_request(method, path, params)?;
        request
            .fetch()
            .await
            .map_err(without_url)
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
    pub async fn public_get<T, P>(&self, path: &str, params: &P) -> Result<T, FetchError>
    where
        T: Classified + DeserializeOwned,
        T::Class: PublicData<T>,
        P: Serialize + ?Sized,
    {
        let url = self.public_url(path, params)?;
        tracing::debug!(path, "public request");
        self.fresh
            .get(url)
            .fetch_not_live()
            .await
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
    ) -> Result<Fresh<T>, FetchError>
    where
        T: Live + DeserializeOwned,
        P: Serialize + ?Sized,
    {
        let url = self.public_url(path, params)?;
        tracing::debug!(path, "public request");
        self.fresh
            .get(url)
            .fetch()
            .await
            .inspect_err(|e| log_failure(path, e))
    }

    /// Reads the exchange's clock (`GET /api/v3/time`) and sets the timestamp offset to its
    /// difference from ours (measured at the middle of the round trip). Returns the offset.
    ///
    /// # Errors
    ///
    /// As [`signed`](Self::signed).
    pub async fn sync_time(&self) -> Result<i64, FetchError> {
        let before = wall_clock_ms();
        let time: ServerTime = self
            .fresh
            .get(format!("{}/api/v3/time", self.base_url))
            .fetch_not_live()
            .await?;
        let after = wall_clock_ms();
        let offset = time.server_time - (before + after) / 2;
        self.time_offset_ms.store(offset, Ordering::Relaxed);
        tracing::debug!(offset_ms = offset, "synchronised with the exchange's clock");
        Ok(offset)
    }

    /// Serializes `params` the way reqwest would put them in a URL.
    pub(crate) fn encode(&self, params: &(impl Serialize + ?Sized)) -> Result<String, FetchError> {
        let request = self
            .fresh
            .http()
            .get(&self.base_url)
            .query(params)
            .build()
            .map_err(FetchError::Request)?;
        Ok(request.url().query().unwrap_or_default().to_owned())
    }

    fn public_url(
        &self,
        path: &str,
        params: &(impl Serialize + ?Sized),
    ) -> Result<String, FetchError> {
        let query = self.encode(params)?;
        Ok(if query.is_empty() {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}{path}?{query}", self.base_url)
        })
    }

    pub(crate) fn signed_request(
        &self,
        method: Method,
        path: &str,
        params: &(impl Serialize + ?Sized),
    ) -> Result<FreshRequest, FetchError> {
        let mut payload = self.encode(params)?;
        if !payload.is_empty() {
            payload.push('&');
        }
        let timestamp = wall_clock_ms() + self.time_offset_ms();
        payload.push_str(&format!(
            "recvWindow={}&timestamp={timestamp}",
            self.recv_window_ms
        ));
        // The payload is logged before it is signed: parameters, never the secret.
        tracing::debug!(%method, path, params = %payload, "signed request");
        let signature = self.signer.sign(&payload);
        let url = format!("{}{path}", self.base_url);
        let request = if method == Method::GET || method == Method::DELETE {
            self.fresh
                .request(method, format!("{url}?{payload}&signature={signature}"))
        } else {
            self.fresh
                .request(method, url)
                .header(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                )
                .body(format!("{payload}&signature={signature}"))
        };
        Ok(request.header(API_KEY_HEADER.clone(), self.api_key.clone()))
    }
}

/// A signed URL carries the parameters and their signature, which logs have no use for:
/// transport errors drop it (the path is logged separately).
pub(crate) fn without_url(error: FetchError) -> FetchError {
    match error {
        FetchError::Request(e) => FetchError::Request(e.without_url()),
        FetchError::Connect(e) => FetchError::Connect(e.without_url()),
        FetchError::Transport(e) => FetchError::Transport(e.without_url()),
        other => other,
    }
}

fn log_failure(path: &str, error: &FetchError) {
    tracing::debug!(path, %error, "exchange request failed");
}

/// The wall clock in milliseconds since the Unix epoch, as exchanges timestamp requests.
fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl fmt::Debug for SignedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedClient")
            .field("base_url", &self.base_url)
            .field("api_key", &format_args!("[REDACTED]"))
            .field("secret", &format_args!("[REDACTED]"))
            .field("recv_window_ms", &self.recv_window_ms)
            .field("time_offset_ms", &self.time_offset_ms())
            .finish_non_exhaustive()
    }
}

/// Whether a request places orders, and so must pass the trading gate: `POST` to an order
/// endpoint (`/api/v3/order`, `/order/oco`, `/order/test`, `/sor/order`, ...). Cancelling
/// (`DELETE`) and queries stay allowed while halted: they only reduce or observe exposure.
fn places_orders(method: &Method, path: &str) -> bool {
    *method == Method::POST && path.split('/').any(|segment| segment == "order")
}

crate::class::declare_class!(Plain for SignedClient);
