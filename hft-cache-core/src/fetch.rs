//! The fetch path: the only code that builds a [`Fresh<T>`], from a response to a request this
//! crate sends itself.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{IntoUrl, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::clock::{SharedClock, SystemClock};
use crate::{Fresh, Live};

mod error;

pub use error::{ExchangeErrorKind, FetchError};

/// An HTTP client for live data: every successful fetch is a [`Fresh<T>`].
///
/// It sends the request itself, stamps the time it was sent, checks the status, reads the body
/// within a size limit and deserializes it; failures are typed [`FetchError`]s, never a `Fresh`.
///
/// ```no_run
/// use std::time::Duration;
/// use hft_cache::{Fresh, FreshClient, Live};
///
/// #[derive(Live, serde::Deserialize)]
/// struct OpenOrders(Vec<serde_json::Value>);
///
/// # async fn demo() -> Result<(), hft_cache::FetchError> {
/// let client = FreshClient::builder().timeout(Duration::from_secs(2)).build()?;
/// let orders: Fresh<OpenOrders> = client
///     .get("http://127.0.0.1:8080/api/v3/openOrders")
///     .query(&[("symbol", "BTCUSDT")])
///     .fetch()
///     .await?;
/// # let _ = orders; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FreshClient {
    http: reqwest::Client,
    clock: SharedClock,
    timeout: Duration,
    max_body_bytes: usize,
}

/// Configures a [`FreshClient`].
#[derive(Debug)]
#[must_use]
pub struct FreshClientBuilder {
    timeout: Duration,
    connect_timeout: Duration,
    max_body_bytes: usize,
    clock: Option<SharedClock>,
}

impl Default for FreshClientBuilder {
    fn default() -> Self {
        FreshClientBuilder {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: 4 << 20,
            clock: None,
        }
    }
}

impl FreshClientBuilder {
    /// The whole request, body included, must finish within this (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connecting must finish within this (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Larger response bodies are refused with [`FetchError::BodyTooLarge`] (default 4 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock that stamps and ages every `Fresh` (default: [`SystemClock`]).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The clock of a client built inside the crate (the signed client passes its own on).
    pub(crate) fn clock_opt(mut self, clock: Option<SharedClock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`FetchError::Request`] if the TLS backend cannot be initialised.
    pub fn build(self) -> Result<FreshClient, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(FetchError::Request)?;
        Ok(FreshClient {
            http,
            clock: self.clock.unwrap_or_else(SystemClock::shared),
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

impl FreshClient {
    /// A client with the default settings.
    ///
    /// # Errors
    ///
    /// As [`FreshClientBuilder::build`].
    pub fn new() -> Result<Self, FetchError> {
        Self::builder().build()
    }

    /// Configures a client.
    pub fn builder() -> FreshClientBuilder {
        FreshClientBuilder::default()
    }

    /// The clock this client stamps its `Fresh` values with.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The underlying HTTP client, for crate code that builds a request before signing it.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Starts a request with any method.
    pub fn request(&self, method: Method, url: impl IntoUrl) -> FreshRequest {
        FreshRequest {
            inner: self.http.request(method, url),
            client: self.clone(),
        }
    }

    /// Starts a `GET` request.
    pub fn get(&self, url: impl IntoUrl) -> FreshRequest {
        self.request(Method::GET, url)
    }

    /// Starts a `POST` request.
    pub fn post(&self, url: impl IntoUrl) -> FreshRequest {
        self.request(Method::POST, url)
    }
}

/// A request being built; [`fetch`](FreshRequest::fetch) sends it and returns a [`Fresh<T>`].
#[derive(Debug)]
#[must_use = "a request does nothing until it is fetched"]
pub struct FreshRequest {
    inner: reqwest::RequestBuilder,
    client: FreshClient,
}

impl FreshRequest {
    /// Adds query parameters.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.inner = self.inner.query(query);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner = self.inner.header(name, value);
        self
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<reqwest::Body>) -> Self {
        self.inner = self.inner.body(body);
        self
    }

    /// Sends the request and reads the response as live data.
    ///
    /// The `Fresh` is stamped with the time the request was sent.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] for a timeout, a connection failure, an HTTP error status, an exchange
    /// error body (`{"code":..,"msg":..}`), a body over the size limit, or a body that is
    /// truncated or not the expected JSON.
    pub async fn fetch<T: Live + DeserializeOwned>(self) -> Result<Fresh<T>, FetchError> {
        let FreshRequest { inner, client } = self;
        let sent_at = client.clock.now();
        let response = inner
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(e, client.timeout))?;
        let status = response.status();
        let body = read_limited(response, client.max_body_bytes, client.timeout).await?;
        let value = decode::<T>(status, &body)?;
        Ok(Fresh::from_response(value, sent_at, client.clock))
    }
}

impl FreshRequest {
    /// Sends the request and reads data that is not live (static data, a snapshot that only
    /// seeds a stream), with the same timeouts, size limit and error mapping as
    /// [`fetch`](FreshRequest::fetch), but no `Fresh`. Callers bound `T` to a class that is not
    /// live.
    pub(crate) async fn fetch_not_live<T: DeserializeOwned>(self) -> Result<T, FetchError> {
        let FreshRequest { inner, client } = self;
        let response = inner
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(e, client.timeout))?;
        let status = response.status();
        let body = read_limited(response, client.max_body_bytes, client.timeout).await?;
        decode::<T>(status, &body)
    }
}

async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(FetchError::BodyTooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::from_reqwest(e, timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(FetchError::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, FetchError> {
    if !status.is_success() {
        return Err(FetchError::from_error_response(status, body));
    }
    serde_json::from_slice(body).map_err(|source| {
        // Some exchanges answer 200 with an error object; that is an exchange error, not bad JSON.
        match FetchError::from_error_response(status, body) {
            exchange @ FetchError::Exchange { .. } => exchange,
            _ if source.is_eof() => FetchError::Truncated { source },
            _ => FetchError::Malformed { source },
        }
    })
}

crate::class::declare_class!(Plain for FreshClient);
