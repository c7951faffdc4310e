//! The fetch path: the only code that builds a [`Fresh<T>`](crate::Fresh), from a response to a
//! request this crate sends itself.

//!
//! [`FreshClient`] sends requests and [`FreshRequest`] reads their answers: live data as
//! [`Fresh<T>`](crate::Fresh) ([`fetch`](FreshRequest::fetch)), static data as plain values
//! ([`fetch_static`](FreshRequest::fetch_static)), both with a size limit, timeouts and typed
//! [`FetchError`]s. A venue that wraps its answers in an envelope
//! (`{"retCode":0,"retMsg":"OK","result":{..}}`) implements [`Envelope`] once, and
//! [`fetch_enveloped`](FreshRequest::fetch_enveloped) unwraps it inside the fetch, before the
//! `Fresh` is made: the caller gets `Fresh<T>` of the inner type, and an error code in the
//! envelope becomes [`FetchError::Exchange`] with the venue's real code.
//!
//! This layer knows no venue and no kill switch: signing, the trading gate and the meaning of
//! error codes are [`exchange`](crate::exchange)'s.

use std::time::Duration;

use reqwest::IntoUrl;

use crate::clock::{SharedClock, SystemClock};
use crate::tls::{RootCertificate, TrustRoots};

mod error;
mod format;
mod request;

pub use error::FetchError;
#[cfg(feature = "venues")]
pub(crate) use error::RetryNote;
pub use format::{ApiError, Bare, Envelope, Enveloped, ResponseFormat};
// The decoding, for the fuzz targets' entry point (`crate::__fuzz`).
#[cfg(fuzzing)]
pub(crate) use format::private::Decode;
pub use request::FreshRequest;
/// reqwest's types that requests are built from, re-exported so that adapters need no
/// matching reqwest version.
pub use reqwest::{header, Method, Url};
/// The raw JSON text of an envelope's payload (serde_json's, re-exported).
pub use serde_json::value::RawValue;

/// The longest `Retry-After` an error keeps ([`FetchError::retry_after`]): 7 days, past
/// Binance's longest IP ban (3 days). A venue that asks for more gets this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// An HTTP client for live data: every successful fetch is a [`Fresh<T>`](crate::Fresh).
///
/// It sends the request itself, stamps the time it was sent, checks the status, reads the body
/// within a size limit and deserializes it; failures are typed [`FetchError`]s, never a `Fresh`.
///
/// It never follows a redirect: a `Fresh<T>` only ever comes from the host the request was sent
/// to, and no header (an API key) or body (a signed order) is ever sent anywhere else. A 3xx
/// answer is [`FetchError::Redirect`], naming the status and the target.
///
/// ```no_run
/// use std::time::Duration;
/// use hft_cache::{Fresh, Live};
/// use hft_cache::fetch::FreshClient;
///
/// #[derive(Live, serde::Deserialize)]
/// struct OpenOrders(Vec<serde_json::Value>);
///
/// # async fn demo() -> Result<(), hft_cache::fetch::FetchError> {
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
    roots: TrustRoots,
}

impl Default for FreshClientBuilder {
    fn default() -> Self {
        FreshClientBuilder {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: 4 << 20,
            clock: None,
            roots: TrustRoots::default(),
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

    /// Trusts `certificate` as well as the public roots (a firm's own CA in front of a venue,
    /// or a test CA for a loopback exchange). Verification is never switched off.
    pub fn root_certificate(mut self, certificate: RootCertificate) -> Self {
        self.roots.add(certificate);
        self
    }

    /// The roots a client built inside the crate trusts (the signed client passes its own on).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn roots(mut self, roots: TrustRoots) -> Self {
        self.roots = roots;
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
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn clock_opt(mut self, clock: Option<SharedClock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client. It never follows redirects (there is no option to): a 3xx answer is
    /// [`FetchError::Redirect`].
    ///
    /// # Errors
    ///
    /// [`FetchError::Request`] if the TLS backend cannot be initialised.
    pub fn build(self) -> Result<FreshClient, FetchError> {
        let http = reqwest::Client::builder();
        let http = self
            .roots
            .apply(http)
            .map_err(FetchError::Request)?
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // A redirect would carry the API key header, and a 307/308 the signed body, to a
            // host the caller never named, and bring its answer back as a `Fresh`.
            .redirect(reqwest::redirect::Policy::none())
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

    /// The underlying HTTP client, for crate code that encodes parameters before signing them.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Starts a request with any method.
    pub fn request(&self, method: Method, url: impl IntoUrl) -> FreshRequest {
        FreshRequest::new(self.http.request(method, url), self.clone())
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

crate::class::declare_class!(Plain for FreshClient);

crate::class::declare_class!(Plain for FreshClientBuilder);
