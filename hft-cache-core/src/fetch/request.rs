//! [`FreshRequest`]: sends one request and reads its answer within the client's limits.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::format::{Bare, Enveloped, ResponseFormat};
use super::{Envelope, FetchError, FreshClient};
use crate::fresh::Fresh;
use crate::policy::{Live, Static};

/// A request being built; [`fetch`](FreshRequest::fetch) sends it and returns a [`Fresh<T>`].
#[derive(Debug)]
#[must_use = "a request does nothing until it is fetched"]
pub struct FreshRequest {
    inner: reqwest::RequestBuilder,
    client: FreshClient,
}

impl FreshRequest {
    pub(super) fn new(inner: reqwest::RequestBuilder, client: FreshClient) -> Self {
        FreshRequest { inner, client }
    }

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

    /// Adds headers (a signer's output, say).
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.inner = self.inner.headers(headers);
        self
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<reqwest::Body>) -> Self {
        self.inner = self.inner.body(body);
        self
    }

    /// Sends the request and reads the answer as live data: the body is a `T`.
    ///
    /// The `Fresh` is stamped with the time the request was sent.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] for a timeout, a connection failure, an HTTP error status, an error
    /// object (`{"code":..,"msg":..}`, with any status), a body over the size limit, or a body
    /// that is truncated or not the expected JSON.
    pub async fn fetch<T: Live + DeserializeOwned>(self) -> Result<Fresh<T>, FetchError> {
        self.fetch_as::<Bare, T>().await
    }

    /// Sends the request and reads the answer as live data wrapped in the venue's envelope `E`:
    /// the envelope is opened inside the fetch, so the caller gets the payload as `Fresh<T>`,
    /// and an error code in the envelope is [`FetchError::Exchange`] with that code.
    ///
    /// ```
    /// use hft_cache::fetch::{ApiError, Envelope, FetchError, FreshClient, RawValue};
    /// use hft_cache::{Fresh, Live};
    /// use serde::Deserialize;
    ///
    /// /// `{"retCode":0,"retMsg":"OK","result":{..}}`
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct VenueEnvelope {
    ///     ret_code: i64,
    ///     ret_msg: String,
    ///     result: Box<RawValue>,
    /// }
    ///
    /// impl Envelope for VenueEnvelope {
    ///     fn open(self) -> Result<Box<RawValue>, ApiError> {
    ///         match self.ret_code {
    ///             0 => Ok(self.result),
    ///             code => Err(ApiError { code, msg: self.ret_msg }),
    ///         }
    ///     }
    /// }
    ///
    /// #[derive(Live, Deserialize)]
    /// struct Wallet {
    ///     equity: rust_decimal::Decimal,
    /// }
    ///
    /// # async fn demo(client: FreshClient) -> Result<(), FetchError> {
    /// let wallet: Fresh<Wallet> = client
    ///     .get("http://127.0.0.1:8080/v5/account/wallet-balance")
    ///     .fetch_enveloped::<VenueEnvelope, Wallet>()
    ///     .await?;
    /// # let _ = wallet; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`fetch`](Self::fetch); an envelope that reports an error is [`FetchError::Exchange`]
    /// with the HTTP status and the envelope's code and message.
    pub async fn fetch_enveloped<E, T>(self) -> Result<Fresh<T>, FetchError>
    where
        E: Envelope,
        T: Live + DeserializeOwned,
    {
        self.fetch_as::<Enveloped<E>, T>().await
    }

    /// Sends the request and reads live data in the response format `F`.
    pub(crate) async fn fetch_as<F, T>(self) -> Result<Fresh<T>, FetchError>
    where
        F: ResponseFormat,
        T: Live + DeserializeOwned,
    {
        let FreshRequest { inner, client } = self;
        let sent_at = client.clock.now();
        let value = send::<F, T>(inner, &client).await?;
        Ok(Fresh::from_response(value, sent_at, client.clock))
    }

    /// Sends the request and reads static data (symbol rules, fee schedules, exchange
    /// configuration) as a plain value, for a [`StaticCache`](crate::StaticCache) loader, with
    /// the same timeouts, size limit and typed errors as [`fetch`](Self::fetch). Live data is a
    /// compile error:
    ///
    /// ```compile_fail
    /// # use hft_cache::{fetch::FreshClient, Live};
    /// #[derive(Live, serde::Deserialize)]
    /// struct Balance {
    ///     free: rust_decimal::Decimal,
    /// }
    ///
    /// async fn peek(client: FreshClient) {
    ///     // error: `Balance` is not static data
    ///     let _ = client.get("http://127.0.0.1/balance").fetch_static::<Balance>().await;
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`fetch`](Self::fetch).
    pub async fn fetch_static<T: Static + DeserializeOwned>(self) -> Result<T, FetchError> {
        self.fetch_not_live_as::<Bare, T>().await
    }

    /// [`fetch_static`](Self::fetch_static) for a venue that wraps its answers in the envelope
    /// `E` (see [`fetch_enveloped`](Self::fetch_enveloped)).
    ///
    /// # Errors
    ///
    /// As [`fetch_enveloped`](Self::fetch_enveloped).
    pub async fn fetch_static_enveloped<E, T>(self) -> Result<T, FetchError>
    where
        E: Envelope,
        T: Static + DeserializeOwned,
    {
        self.fetch_not_live_as::<Enveloped<E>, T>().await
    }

    /// Sends the request and reads data that is not live (static data, a snapshot that only
    /// seeds a stream), with no `Fresh`. Callers bound `T` to a class that is not live.
    // The depth feed's snapshot (feature `feeds`).
    #[cfg_attr(not(feature = "feeds"), allow(dead_code))]
    pub(crate) async fn fetch_not_live<T: DeserializeOwned>(self) -> Result<T, FetchError> {
        self.fetch_not_live_as::<Bare, T>().await
    }

    /// [`fetch_not_live`](Self::fetch_not_live) in the response format `F`.
    pub(crate) async fn fetch_not_live_as<F, T>(self) -> Result<T, FetchError>
    where
        F: ResponseFormat,
        T: DeserializeOwned,
    {
        send::<F, T>(self.inner, &self.client).await
    }
}

crate::class::declare_class!(Plain for FreshRequest);

async fn send<F: ResponseFormat, T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    client: &FreshClient,
) -> Result<T, FetchError> {
    let response = request
        .send()
        .await
        .map_err(|e| FetchError::from_reqwest(e, client.timeout))?;
    let status = response.status();
    // The client never follows redirects (see `FreshClientBuilder::build`); a 3xx is refused
    // here, before its body is read, whatever the venue's format would make of it.
    if status.is_redirection() {
        return Err(FetchError::Redirect {
            status: status.as_u16(),
            location: redirect_target(&response),
        });
    }
    // Kept on any error, an envelope's error in an HTTP 200 included.
    let retry_after = retry_after(response.headers());
    let body = read_limited(response, client.max_body_bytes, client.timeout).await?;
    F::decode(status, &body).map_err(|e| e.with_retry_after(retry_after))
}

/// How much of a redirect's target the error keeps.
const LOCATION_EXCERPT: usize = 256;

/// The redirect's `Location`, resolved against the request's URL, without query or fragment:
/// a relative `Location` (even an empty one) would repeat the request's own query, which for a
/// signed request holds the signature.
fn redirect_target(response: &reqwest::Response) -> Option<String> {
    let raw = response.headers().get(reqwest::header::LOCATION)?;
    let raw = String::from_utf8_lossy(raw.as_bytes());
    let target = match response.url().join(raw.trim()) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => raw.split(['?', '#']).next().unwrap_or_default().to_owned(),
    };
    Some(target.chars().take(LOCATION_EXCERPT).collect())
}

/// `Retry-After` in its delay-seconds form, cut to [`MAX_RETRY_AFTER`](super::MAX_RETRY_AFTER);
/// an HTTP-date, a negative or fractional number, or anything else is ignored.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only: the parse fails only past u64::MAX, which is past the cap too.
    let secs = text.parse::<u64>().unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(super::MAX_RETRY_AFTER))
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
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(FetchError::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
