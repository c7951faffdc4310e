//! What can go wrong fetching, as types.

use std::time::Duration;

/// Why a fetch produced no value.
///
/// This layer knows no venue: [`Exchange`](FetchError::Exchange) carries the venue's code as
/// it came; what the code means is the [`exchange`](crate::exchange) layer's
/// ([`RequestError`](crate::exchange::RequestError), [`ExchangeErrorKind`](crate::exchange::ExchangeErrorKind)).
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
    /// An HTTP error status without an error object the venue's format recognises.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body, for the log.
        body: String,
    },
    /// The venue answered with its error: an error object (`{"code":-2015,"msg":".."}`) or an
    /// [`Envelope`](super::Envelope) with an error code.
    #[error("exchange error {code}, HTTP {status}: {msg}")]
    Exchange {
        /// The HTTP status.
        status: u16,
        /// The venue's error code.
        code: i64,
        /// The venue's message.
        msg: String,
    },
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

    pub(crate) fn undecodable(source: serde_json::Error) -> Self {
        if source.is_eof() {
            FetchError::Truncated { source }
        } else {
            FetchError::Malformed { source }
        }
    }

    /// The HTTP status of an answer that came with an error (`None` when no answer came).
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Http { status, .. } | FetchError::Exchange { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request may have reached the venue and been acted on although no answer was
    /// read: a timeout or a connection that broke mid-exchange. A connection that was never
    /// made, or a request never built, did not reach it.
    pub fn may_have_been_sent(&self) -> bool {
        matches!(self, FetchError::Timeout(_) | FetchError::Transport(_))
    }

    /// Whether retrying the same request later may succeed at the transport level (timeouts,
    /// connection failures, HTTP 5xx and 429). What a venue's own codes mean is
    /// [`RequestError::is_retryable`](crate::exchange::RequestError::is_retryable)'s call.
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Transport(_) => true,
            FetchError::Http { status, .. } | FetchError::Exchange { status, .. } => {
                *status >= 500 || *status == 429
            }
            _ => false,
        }
    }
}

crate::class::declare_class!(Plain for FetchError);
