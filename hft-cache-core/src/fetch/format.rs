//! How an answer's body becomes a value: bare (the body is the value) or in a venue's envelope.

use std::marker::PhantomData;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::FetchError;

/// An error a venue reported in its answer: its code and message (also the shape of the common
/// `{"code":-1121,"msg":"Invalid symbol."}` error object).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, thiserror::Error,
)]
#[error("error {code}: {msg}")]
pub struct ApiError {
    /// The venue's error code (`retCode`, `code`, ...).
    pub code: i64,
    /// The venue's message.
    pub msg: String,
}

/// A venue's answer envelope, e.g. `{"retCode":0,"retMsg":"OK","result":{..}}`: implement it
/// once for the envelope type, and [`FreshRequest::fetch_enveloped`](super::FreshRequest::fetch_enveloped)
/// opens every answer inside the fetch, before a [`Fresh`](crate::Fresh) is made.
///
/// [`open`](Envelope::open) sees the envelope, never the decoded payload: it hands back the
/// payload's raw JSON text (a [`RawValue`] field of the envelope) or the venue's error, and
/// the crate decodes the payload itself. No user code ever holds a live value outside `Fresh`.
///
/// An envelope that cannot be decoded from an answer with an error status falls back to the
/// common `{"code":..,"msg":..}` error object, then to [`FetchError::Http`].
///
/// ```
/// use hft_cache::fetch::{ApiError, Envelope, RawValue};
///
/// /// `{"code":0,"msg":"","data":{..}}`; an error answer may carry no `data`, and a code may come
/// /// as a number or a string.
/// #[derive(serde::Deserialize)]
/// struct MyEnvelope {
///     code: serde_json::Value,
///     #[serde(default)]
///     msg: String,
///     data: Option<Box<RawValue>>,
/// }
///
/// impl Envelope for MyEnvelope {
///     fn open(self) -> Result<Box<RawValue>, ApiError> {
///         let code = match &self.code {
///             serde_json::Value::Number(n) => n.as_i64(),
///             serde_json::Value::String(s) => s.parse().ok(),
///             _ => None,
///         };
///         match (code, self.data) {
///             (Some(0), Some(data)) => Ok(data),
///             (Some(0), None) => Err(ApiError { code: -1, msg: "success without data".into() }),
///             (Some(code), _) => Err(ApiError { code, msg: self.msg }),
///             (None, _) => Err(ApiError { code: -1, msg: format!("code {}: {}", self.code, self.msg) }),
///         }
///     }
/// }
///
/// let open = |body: &str| serde_json::from_str::<MyEnvelope>(body).unwrap().open();
/// assert_eq!(open(r#"{"code":0,"data":[1]}"#).unwrap().get(), "[1]");
/// assert_eq!(open(r#"{"code":"50113","msg":"Invalid Sign"}"#).unwrap_err().code, 50113);
/// assert_eq!(open(r#"{"code":"E1","msg":"x"}"#).unwrap_err().code, -1);
/// ```
///
/// The shipped envelopes ([`BybitEnvelope`](crate::exchange::bybit::BybitEnvelope),
/// [`OkxEnvelope`](crate::exchange::okx::OkxEnvelope)) are complete examples.
pub trait Envelope: DeserializeOwned + 'static {
    /// The payload's raw JSON when the venue reports success, else its error.
    ///
    /// # Errors
    ///
    /// The venue's error code and message, when the envelope carries one.
    fn open(self) -> Result<Box<RawValue>, ApiError>;
}

/// How a venue's answers are laid out: [`Bare`] (the body is the value) or [`Enveloped<E>`]
/// (the value is inside the envelope `E`). Sealed: a venue picks one of the two.
pub trait ResponseFormat: private::Decode + Send + Sync + 'static {}

/// Answers are the value itself; errors are `{"code":..,"msg":..}` objects (Binance's style).
#[derive(Debug, Clone, Copy)]
pub enum Bare {}

/// Answers are wrapped in the envelope `E` (Bybit's and OKX's style).
pub struct Enveloped<E>(PhantomData<fn() -> E>);

impl<E> std::fmt::Debug for Enveloped<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Enveloped<{}>", std::any::type_name::<E>())
    }
}

impl ResponseFormat for Bare {}
impl<E: Envelope> ResponseFormat for Enveloped<E> {}

crate::class::declare_class!(owned Plain for ApiError);
crate::class::declare_class!(Plain for Bare);
crate::class::declare_class!([E] Plain for Enveloped<E>);

pub(crate) mod private {
    use super::{FetchError, StatusCode};

    /// The decoding itself, out of users' reach: only the crate turns a body into a value.
    pub trait Decode {
        fn decode<T: serde::de::DeserializeOwned>(
            status: StatusCode,
            body: &[u8],
        ) -> Result<T, FetchError>;
    }
}

impl private::Decode for Bare {
    fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, FetchError> {
        if !status.is_success() {
            return Err(error_response(status, body));
        }
        serde_json::from_slice(body).map_err(|source| {
            // Some venues answer 200 with an error object; that is their error, not bad JSON.
            match error_object(status, body) {
                Some(exchange) => exchange,
                None => FetchError::undecodable(source),
            }
        })
    }
}

impl<E: Envelope> private::Decode for Enveloped<E> {
    fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, FetchError> {
        let envelope = match serde_json::from_slice::<E>(body) {
            Ok(envelope) => envelope,
            Err(_) if !status.is_success() => return Err(error_response(status, body)),
            Err(source) => {
                return Err(
                    error_object(status, body).unwrap_or_else(|| FetchError::undecodable(source))
                )
            }
        };
        match envelope.open() {
            Err(ApiError { code, msg }) => Err(FetchError::Exchange {
                status: status.as_u16(),
                code,
                msg,
                retry_after: None,
            }),
            Ok(_) if !status.is_success() => Err(error_response(status, body)),
            // The envelope parsed, so its payload is complete JSON: a mismatch is malformed.
            Ok(payload) => serde_json::from_str(payload.get())
                .map_err(|source| FetchError::Malformed { source }),
        }
    }
}

/// The common error object, `{"code":-2015,"msg":"..."}`.
#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    msg: String,
}

fn error_object(status: StatusCode, body: &[u8]) -> Option<FetchError> {
    let ErrorObject { code, msg } = serde_json::from_slice(body).ok()?;
    Some(FetchError::Exchange {
        status: status.as_u16(),
        code,
        msg,
        retry_after: None,
    })
}

/// How much of a non-JSON error body the error keeps, for the log.
const ERROR_BODY_EXCERPT: usize = 256;

fn error_response(status: StatusCode, body: &[u8]) -> FetchError {
    error_object(status, body).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        FetchError::Http {
            status: status.as_u16(),
            body: text.chars().take(ERROR_BODY_EXCERPT).collect(),
            retry_after: None,
        }
    })
}
