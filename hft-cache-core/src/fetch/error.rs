//! What can go wrong fetching live data, as types.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

/// Why a fetch produced no [`Fresh`](crate::Fresh) value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The request could not be built or the client could not be created.
    #[error("invalid request: {0}")]
    Request(#[source] reqwest::Error),
    /// No complete response within the client's timeout.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// The server could not be reached.
    #[error("could not connect: {0}")]
    Connect(#[source] reqwest::Error),
    /// The connection failed mid-exchange.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// An HTTP error status without an exchange error body.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body, for the log.
        body: String,
    },
    /// The exchange answered with its error object (`{"code":-2015,"msg":"..."}`).
    #[error("exchange error {code} ({kind}), HTTP {status}: {msg}")]
    Exchange {
        /// The HTTP status.
        status: u16,
        /// The exchange's error code.
        code: i64,
        /// What the code means.
        kind: ExchangeErrorKind,
        /// The exchange's message.
        msg: String,
    },
    /// An order was not sent: the kill switch has halted trading.
    #[error(transparent)]
    Halted(#[from] crate::kill_switch::Halted),
    /// The body was larger than the client's limit.
    #[error("response body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body ended in the middle of a JSON value.
    #[error("response body is truncated JSON: {source}")]
    Truncated {
        /// The parser's error.
        source: serde_json::Error,
    },
    /// The body is not JSON of the expected shape.
    #[error("malformed response body: {source}")]
    Malformed {
        /// The parser's error.
        source: serde_json::Error,
    },
}

/// What an exchange error code means (Binance's codes; others map to `Other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ExchangeErrorKind {
    /// The API key is invalid or lacks permission (-2014, -2015).
    Unauthorized,
    /// The request signature does not match (-1022).
    InvalidSignature,
    /// The timestamp is outside the receive window (-1021).
    TimestampOutsideRecvWindow,
    /// Too many requests (-1003, HTTP 418/429).
    RateLimited,
    /// The order was rejected, e.g. for insufficient balance (-2010).
    OrderRejected,
    /// The order does not exist (-2013, -2011).
    UnknownOrder,
    /// A parameter broke a symbol's filter (-1013) or is invalid (-1100..-1130).
    InvalidParameter,
    /// The exchange is unavailable or overloaded (-1001, -1008, HTTP 5xx).
    Unavailable,
    /// Any other code.
    Other,
}

impl ExchangeErrorKind {
    /// The meaning of an exchange error code with the HTTP status it came with.
    pub fn classify(code: i64, status: u16) -> Self {
        match (code, status) {
            (-2014 | -2015, _) => Self::Unauthorized,
            (-1022, _) => Self::InvalidSignature,
            (-1021, _) => Self::TimestampOutsideRecvWindow,
            (-1003, _) | (_, 418 | 429) => Self::RateLimited,
            (-2010, _) => Self::OrderRejected,
            (-2011 | -2013, _) => Self::UnknownOrder,
            (-1013, _) | (-1130..=-1100, _) => Self::InvalidParameter,
            (-1001 | -1008, _) | (_, 500..=599) => Self::Unavailable,
            _ => Self::Other,
        }
    }
}

impl std::fmt::Display for ExchangeErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: i64,
    msg: String,
}

/// How much of a non-JSON error body the error keeps, for the log.
const ERROR_BODY_EXCERPT: usize = 256;

impl FetchError {
    pub(crate) fn from_reqwest(e: reqwest::Error, timeout: Duration) -> Self {
        if e.is_timeout() {
            FetchError::Timeout(timeout)
        } else if e.is_connect() {
            FetchError::Connect(e)
        } else if e.is_builder() {
            FetchError::Request(e)
        } else {
            FetchError::Transport(e)
        }
    }

    pub(crate) fn from_error_response(status: StatusCode, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(ErrorBody { code, msg }) => FetchError::Exchange {
                status: status.as_u16(),
                code,
                kind: ExchangeErrorKind::classify(code, status.as_u16()),
                msg,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let excerpt: String = text.chars().take(ERROR_BODY_EXCERPT).collect();
                FetchError::Http {
                    status: status.as_u16(),
                    body: excerpt,
                }
            }
        }
    }

    /// The exchange's error kind, if the exchange answered with one.
    pub fn exchange_kind(&self) -> Option<ExchangeErrorKind> {
        match self {
            FetchError::Exchange { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether retrying the same request later may succeed (timeouts, transport, 5xx, rate limits).
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Transport(_) => true,
            FetchError::Http { status, .. } => *status >= 500 || *status == 429,
            FetchError::Exchange { kind, .. } => {
                matches!(
                    kind,
                    ExchangeErrorKind::RateLimited | ExchangeErrorKind::Unavailable
                )
            }
            _ => false,
        }
    }
}
