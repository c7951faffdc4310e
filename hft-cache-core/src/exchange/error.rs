//! What a venue's refusal means ([`ExchangeErrorKind`]) and why a signed call failed
//! ([`RequestError`]).

use std::time::Duration;

use crate::fetch::FetchError;
use crate::gate::Halted;

/// What a venue's error means, whatever its code: each [`Venue`](super::Venue) classifies its
/// own codes into these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum ExchangeErrorKind {
    /// The API key is invalid or lacks permission.
    Unauthorized,
    /// The request signature does not match.
    InvalidSignature,
    /// The timestamp is outside the receive window.
    TimestampOutsideRecvWindow,
    /// Too many requests (HTTP 418/429, or the venue's rate-limit code). See
    /// [`RequestError::retry_after`] for how long to wait, and [`RequestError::is_banned`] for
    /// a ban (418), which is not retryable.
    RateLimited,
    /// The order was rejected, e.g. for insufficient balance.
    OrderRejected,
    /// The order does not exist.
    UnknownOrder,
    /// A parameter is missing, invalid, or broke a symbol's filter.
    InvalidParameter,
    /// The venue is unavailable or overloaded; the request was not acted on.
    Unavailable,
    /// The request reached the venue, but whether it was executed is unknown (Binance's
    /// -1006/-1007, an HTTP 5xx or a timeout on an order placement). Do not assume it failed:
    /// query the order (by its client order id) before placing it again.
    ExecutionUnknown,
    /// Any other code.
    Other,
}

impl std::fmt::Display for ExchangeErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// Why a [`SignedClient`](super::SignedClient) call (or a gated request) produced no value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// An order placement was refused before it was sent: the kill switch has halted trading.
    #[error(transparent)]
    Halted(#[from] Halted),
    /// An order placement was refused by the client's pre-trade check, right before it would
    /// have been sent: nothing was sent.
    #[error("order refused before sending: {0}")]
    PreTrade(#[from] crate::pre_trade::Refusal),
    /// The parameters could not be encoded (as a query string, a form or JSON); nothing was sent.
    #[error("invalid request parameters: {reason}")]
    Params {
        /// The encoder's message.
        reason: String,
    },
    /// The venue answered with its error, classified by the venue.
    #[error("exchange error {code} ({kind}), HTTP {status}: {msg}{}", crate::fetch::RetryNote(*.status, *.retry_after))]
    Exchange {
        /// The HTTP status.
        status: u16,
        /// The venue's error code.
        code: i64,
        /// What the code means.
        kind: ExchangeErrorKind,
        /// The venue's message.
        msg: String,
        /// The answer's `Retry-After` (429, 418, 503), when it carried one; see
        /// [`FetchError::retry_after`] for how it is read.
        retry_after: Option<Duration>,
    },
    /// The venue's host answered with a redirect (HTTP 3xx). The crate never follows one: the
    /// API key and the signed parameters were sent to the configured host only, and nothing
    /// to the target. Not retryable; on an order placement, query the order before placing it
    /// again (the configured host did receive it).
    #[error(
        "HTTP {status} redirect to {} refused: the crate never follows redirects, nothing was sent there",
        .location.as_deref().unwrap_or("an unnamed location (no Location header)")
    )]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308, ...).
        status: u16,
        /// Where the venue pointed, as [`FetchError::Redirect`] keeps it: resolved against the
        /// request's URL, without query or fragment, at most 256 characters.
        location: Option<String>,
    },
    /// The exchange's clock, as its time endpoint gave it, is further from the local clock
    /// than the client's [`max_time_offset`](super::SignedClientBuilder::max_time_offset)
    /// (default 5 minutes): a broken or hostile answer (`i64::MIN`, a hundred years ahead)
    /// rather than drift. [`SignedClient::sync_time`](super::SignedClient::sync_time) left the
    /// offset as it was.
    #[error(
        "implausible server time {server_time_ms} ms: more than {max_offset:?} from the local clock ({local_time_ms} ms); the time offset was left unchanged"
    )]
    ImplausibleServerTime {
        /// What the exchange said, in milliseconds since the Unix epoch.
        server_time_ms: i64,
        /// The local wall clock at the middle of the round trip.
        local_time_ms: i64,
        /// The bound it broke.
        max_offset: Duration,
    },
    /// The request failed below the venue's error codes: transport, HTTP status, body.
    #[error("{source}")]
    Fetch {
        /// What went wrong.
        #[source]
        source: FetchError,
        /// What it means for the call, where that is known (an HTTP 5xx is `Unavailable`, or
        /// `ExecutionUnknown` on an order placement; 429 is `RateLimited`).
        kind: Option<ExchangeErrorKind>,
    },
}

impl RequestError {
    /// What the failure means, when the venue's classifier knows.
    pub fn exchange_kind(&self) -> Option<ExchangeErrorKind> {
        match self {
            RequestError::Exchange { kind, .. } => Some(*kind),
            RequestError::Fetch { kind, .. } => *kind,
            RequestError::Halted(_)
            | RequestError::PreTrade(_)
            | RequestError::Params { .. }
            | RequestError::Redirect { .. }
            | RequestError::ImplausibleServerTime { .. } => None,
        }
    }

    /// The HTTP status of the answer, when one came.
    pub fn status(&self) -> Option<u16> {
        match self {
            RequestError::Exchange { status, .. } | RequestError::Redirect { status, .. } => {
                Some(*status)
            }
            RequestError::Fetch { source, .. } => source.status(),
            _ => None,
        }
    }

    /// How long the venue asked us to wait: the `Retry-After` of its 429, 418 or 503 answer, in
    /// seconds (an HTTP-date is ignored; see [`FetchError::retry_after`]). A retry must wait at
    /// least this long.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RequestError::Exchange { retry_after, .. } => *retry_after,
            RequestError::Fetch { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// Whether the venue has banned this client's IP address (HTTP 418: Binance's answer to
    /// requests sent on after a 429). Never retryable: each request during the ban extends it.
    pub fn is_banned(&self) -> bool {
        self.status() == Some(418)
    }

    /// The pre-trade refusal, if the client's pre-trade check refused the order.
    pub fn pre_trade_refusal(&self) -> Option<&crate::pre_trade::Refusal> {
        match self {
            RequestError::PreTrade(refusal) => Some(refusal),
            _ => None,
        }
    }

    /// The fetch failure underneath, if this is one.
    pub fn fetch_error(&self) -> Option<&FetchError> {
        match self {
            RequestError::Fetch { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether the request may have been executed although no success was read: query the
    /// order before acting on the failure.
    pub fn execution_unknown(&self) -> bool {
        self.exchange_kind() == Some(ExchangeErrorKind::ExecutionUnknown)
    }

    /// Whether retrying the same request later may succeed (transport failures, rate limits,
    /// an unavailable venue), after [`retry_after`](Self::retry_after) when the venue set it.
    /// An order whose execution is unknown is not retryable: query it. Neither is a ban (HTTP
    /// 418, [`is_banned`](Self::is_banned)), a redirect, or an implausible server time.
    pub fn is_retryable(&self) -> bool {
        if self.is_banned() {
            return false;
        }
        match self.exchange_kind() {
            Some(ExchangeErrorKind::RateLimited | ExchangeErrorKind::Unavailable) => true,
            Some(_) => false,
            None => self.fetch_error().is_some_and(FetchError::is_retryable),
        }
    }
}

impl From<FetchError> for RequestError {
    /// An unclassified failure (the kind is left to the caller's venue).
    fn from(source: FetchError) -> Self {
        RequestError::Fetch { source, kind: None }
    }
}

crate::class::declare_class!(owned Plain for ExchangeErrorKind);
crate::class::declare_class!(Plain for RequestError);
