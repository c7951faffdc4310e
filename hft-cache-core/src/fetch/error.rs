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
    #[error("HTTP {status}: {body}{}", RetryNote(*.status, *.retry_after))]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body, for the log.
        body: String,
        /// The answer's `Retry-After`, when it carried one (see
        /// [`retry_after`](FetchError::retry_after)).
        retry_after: Option<Duration>,
    },
    /// The venue answered with its error: an error object (`{"code":-2015,"msg":".."}`) or an
    /// [`Envelope`](super::Envelope) with an error code.
    #[error("exchange error {code}, HTTP {status}: {msg}{}", RetryNote(*.status, *.retry_after))]
    Exchange {
        /// The HTTP status.
        status: u16,
        /// The venue's error code.
        code: i64,
        /// The venue's message.
        msg: String,
        /// The answer's `Retry-After`, when it carried one (see
        /// [`retry_after`](FetchError::retry_after)).
        retry_after: Option<Duration>,
    },
    /// The server answered with a redirect (HTTP 3xx), which the crate's clients never follow:
    /// a [`Fresh<T>`](crate::Fresh) only ever comes from the host the request was sent to, and
    /// credentials and signed bodies never leave it. Nothing was sent to the target.
    #[error(
        "HTTP {status} redirect to {} refused: the crate never follows redirects, nothing was sent there",
        .location.as_deref().unwrap_or("an unnamed location (no Location header)")
    )]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308, ...).
        status: u16,
        /// Where the server pointed: its `Location` header resolved against the request's URL,
        /// without query or fragment (a relative `Location` would otherwise repeat the signed
        /// request's parameters), cut to 256 characters. `None` when the answer had none.
        location: Option<String>,
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

    /// Keeps the answer's `Retry-After` in an error that came with an answer.
    pub(crate) fn with_retry_after(mut self, value: Option<Duration>) -> Self {
        if let FetchError::Http { retry_after, .. } | FetchError::Exchange { retry_after, .. } =
            &mut self
        {
            *retry_after = value;
        }
        self
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
            FetchError::Http { status, .. }
            | FetchError::Exchange { status, .. }
            | FetchError::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the venue asked us to wait before the next request: the `Retry-After` header
    /// of its error answer (429 too many requests, 418 IP banned, 503), in seconds.
    ///
    /// Only the delay-seconds form is read (what Binance, Bybit and OKX send); an HTTP-date is
    /// ignored (`None`), as is anything that is not a whole number. A value past
    /// [`MAX_RETRY_AFTER`](super::MAX_RETRY_AFTER) (7 days, longer than Binance's longest ban)
    /// is cut to it, so that `Instant::now() + retry_after` cannot overflow.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Http { retry_after, .. } | FetchError::Exchange { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether the venue has banned this client's IP address (HTTP 418, Binance's answer to
    /// requests sent on after a 429). Not retryable: every request during the ban extends it;
    /// wait at least [`retry_after`](Self::retry_after).
    pub fn is_banned(&self) -> bool {
        self.status() == Some(418)
    }

    /// Whether the request may have reached the venue and been acted on although no answer was
    /// read: a timeout or a connection that broke mid-exchange. A connection that was never
    /// made, or a request never built, did not reach it.
    pub fn may_have_been_sent(&self) -> bool {
        matches!(self, FetchError::Timeout(_) | FetchError::Transport(_))
    }

    /// Whether retrying the same request later may succeed at the transport level (timeouts,
    /// connection failures, HTTP 5xx and 429, after [`retry_after`](Self::retry_after) when the
    /// venue set it). A 418 (IP banned) and a redirect are not retryable. What a venue's own
    /// codes mean is [`RequestError::is_retryable`](crate::exchange::RequestError::is_retryable)'s
    /// call.
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

/// The end of an error line that carries a `Retry-After` or a ban.
pub(crate) struct RetryNote(pub(crate) u16, pub(crate) Option<Duration>);

impl std::fmt::Display for RetryNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryNote(418, Some(wait)) => write!(
                f,
                " (IP banned, not retryable; the ban lifts in {}s)",
                wait.as_secs()
            ),
            RetryNote(418, None) => f.write_str(" (IP banned, not retryable)"),
            RetryNote(_, Some(wait)) => write!(f, " (retry after {}s)", wait.as_secs()),
            RetryNote(_, None) => Ok(()),
        }
    }
}

crate::class::declare_class!(Plain for FetchError);
