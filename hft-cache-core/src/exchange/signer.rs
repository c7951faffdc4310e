//! Request signing: the [`RequestSigner`] trait and the keyed HMAC-SHA256 they share.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::policy::HoldsNoLiveData;

/// Signs a request for one venue: reads the method, path, query, body, timestamp and receive
/// window, and writes what the venue expects: headers (Bybit, OKX), parameters (Binance), or
/// both. Implementations hold the credentials and never print them.
///
/// The crate ships [`BinanceSigner`](super::binance::BinanceSigner),
/// [`BybitSigner`](super::bybit::BybitSigner) and [`OkxSigner`](super::okx::OkxSigner); a venue
/// with another scheme implements this trait, and [`SignedClient`](super::SignedClient) does
/// the rest (timestamps, time sync, the trading gate, typed errors).
///
/// The client keeps its signer for as long as it lives, so a signer must show that it holds no
/// live data ([`HoldsNoLiveData`]): derive `NoLiveState` on it.
///
/// ```
/// use hft_cache::exchange::{RequestSigner, SignRequest, Signer};
/// use hft_cache::fetch::{header::HeaderValue, Method};
/// use hft_cache::NoLiveState;
///
/// /// A venue that wants `X-SIG: hex(HMAC(timestamp + path + body))`.
/// #[derive(NoLiveState)]
/// struct MySigner(Signer);
///
/// impl RequestSigner for MySigner {
///     fn sign(&self, request: &mut SignRequest) {
///         let prehash = format!("{}{}{}", request.timestamp_ms, request.path, request.body);
///         let signature = HeaderValue::from_str(&self.0.sign(&prehash)).expect("hex");
///         request.headers.insert("x-sig", signature);
///     }
/// }
///
/// let mut request = SignRequest::new(Method::POST, "/order", "", "{}", 1, 5000);
/// MySigner(Signer::new("secret")).sign(&mut request);
/// assert_eq!(request.headers["x-sig"].len(), 64);
/// ```
pub trait RequestSigner: HoldsNoLiveData + Send + Sync + 'static {
    /// Adds the signature (and whatever else the venue's scheme needs) to `request`.
    fn sign(&self, request: &mut SignRequest);
}

/// A request about to be signed: what the signer reads and what it may change.
#[derive(Debug)]
#[non_exhaustive]
pub struct SignRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path from the base URL, starting with `/` (`/api/v3/order`).
    pub path: String,
    /// The URL-encoded query string, without `?` (empty when none).
    pub query: String,
    /// The body as sent (a form or JSON; empty when none).
    pub body: String,
    /// Headers to send with the request.
    pub headers: HeaderMap,
    /// The request's timestamp: the exchange's clock, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// How long after `timestamp_ms` the exchange may still execute the request, in ms.
    pub recv_window_ms: u64,
}

impl SignRequest {
    /// A request with no headers yet (a signer's tests build one by hand).
    pub fn new(
        method: Method,
        path: impl Into<String>,
        query: impl Into<String>,
        body: impl Into<String>,
        timestamp_ms: i64,
        recv_window_ms: u64,
    ) -> Self {
        SignRequest {
            method,
            path: path.into(),
            query: query.into(),
            body: body.into(),
            headers: HeaderMap::new(),
            timestamp_ms,
            recv_window_ms,
        }
    }

    /// The receive window as a duration.
    pub fn recv_window(&self) -> Duration {
        Duration::from_millis(self.recv_window_ms)
    }

    /// Whether the parameters travel in the query string (`GET`, `DELETE`) rather than the body.
    pub fn params_in_query(&self) -> bool {
        self.method == Method::GET || self.method == Method::DELETE
    }
}

/// An API key that an HTTP header cannot carry (the key itself is not shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the API key is empty or not a valid HTTP header value")]
pub struct InvalidApiKey;

/// The API key as a header value marked sensitive, so that HTTP logs hide it.
pub(crate) fn api_key_header(api_key: &str) -> Result<HeaderValue, InvalidApiKey> {
    if api_key.is_empty() {
        return Err(InvalidApiKey);
    }
    let mut value = HeaderValue::from_str(api_key).map_err(|_| InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

/// A header value from text the crate produced itself (hex, base64, digits, ISO time), all of
/// which are valid header characters.
pub(crate) fn header_text(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// HMAC-SHA256 keyed by an API secret that is never printed: the primitive every signer
/// here uses, as lower-case hex ([`sign`](Signer::sign)) or base64
/// ([`sign_base64`](Signer::sign_base64)).
///
/// The secret is held in a [`SecretString`] (zeroed on drop); `Debug` shows `[REDACTED]`.
///
/// ```
/// use hft_cache::exchange::Signer;
///
/// // The example from Binance's API documentation.
/// let signer = Signer::new("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
/// let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
/// assert_eq!(
///     signer.sign(payload),
///     "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
/// );
/// assert_eq!(format!("{signer:?}"), "Signer { secret: [REDACTED] }");
/// ```
#[derive(Clone)]
pub struct Signer {
    secret: SecretString,
}

impl Signer {
    /// A signer keyed by `secret`.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Signer {
            secret: secret.into(),
        }
    }

    fn mac(&self, payload: &str) -> impl AsRef<[u8]> {
        // HMAC takes a key of any length, so keying cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
        else {
            unreachable!("HMAC accepts keys of every length")
        };
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes()
    }

    /// The lower-case hex HMAC-SHA256 of `payload`.
    pub fn sign(&self, payload: &str) -> String {
        hex::encode(self.mac(payload))
    }

    /// The base64 (standard alphabet, padded) HMAC-SHA256 of `payload`.
    pub fn sign_base64(&self, payload: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.mac(payload))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer { secret: [REDACTED] }")
    }
}

crate::class::declare_class!(Plain for Signer);
crate::class::declare_class!(Plain for SignRequest);
crate::class::declare_class!(Plain for InvalidApiKey);
