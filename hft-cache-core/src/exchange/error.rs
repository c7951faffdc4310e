//! What a venue's refusal means ([`ExchangeErrorKind`]) and why a signed call failed
//! ([`RequestError`]).

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
    /// Too many requests (HTTP 418/429, or the venue's rate-limit code).
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
    /// The parameters could not be encoded (as a query string, a form or JSON); nothing was sent.
    #[error("invalid request parameters: {reason}")]
    Params {
        /// The encoder's message.
        reason: String,
    },
    /// The venue answered with its error, classified by the venue.
    #[error("exchange error {code} ({kind}), HTTP {status}: {msg}")]
    Exchange {
        /// The HTTP status.
        status: u16,
        /// The venue's error code.
        code: i64,
        /// What the code means.
        kind: ExchangeErrorKind,
        /// The venue's message.
        msg: String,
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
            RequestError::Halted(_) | RequestError::Params { .. } => None,
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
    /// an unavailable venue). An order whose execution is unknown is not retryable: query it.
    pub fn is_retryable(&self) -> bool {
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
