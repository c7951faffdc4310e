//! Why a streamed value is not served, and what a feed reports about itself.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// Why a stream feed is unhealthy; its keys are refused until it recovers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum FeedFault {
    /// The connection is down.
    Disconnected,
    /// No message arrived for this long.
    Silent {
        /// How long the feed was silent when it was marked.
        for_: Duration,
    },
    /// A sequence number was skipped: updates were lost.
    SequenceGap {
        /// The next id the book needed.
        expected: u64,
        /// The first id the update carried.
        got: u64,
    },
    /// The feed is rebuilding its state (e.g. fetching a snapshot).
    Resyncing,
    /// A message could not be parsed or made no sense.
    InvalidData(String),
    /// An update left the book crossed (best bid at or above best ask) or negative.
    CrossedBook,
    /// The feed's writer was dropped: nothing will update its keys.
    Closed,
    /// Anything else.
    Other(String),
}

impl fmt::Display for FeedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedFault::Disconnected => f.write_str("disconnected"),
            FeedFault::Silent { for_ } => write!(f, "silent for {for_:?}"),
            FeedFault::SequenceGap { expected, got } => {
                write!(f, "sequence gap: expected update {expected}, got {got}")
            }
            FeedFault::Resyncing => f.write_str("resynchronising"),
            FeedFault::InvalidData(why) => write!(f, "invalid data: {why}"),
            FeedFault::CrossedBook => f.write_str("crossed or negative book"),
            FeedFault::Closed => f.write_str("feed closed"),
            FeedFault::Other(why) => f.write_str(why),
        }
    }
}

/// Why a [`StreamCache`](super::StreamCache) read returned no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamReadError {
    /// No feed has written this key (or it was removed).
    #[error("stream cache `{cache}` has no value for this key")]
    Missing {
        /// The cache.
        cache: Arc<str>,
    },
    /// The last update is older than the max age.
    #[error("stream cache `{cache}`: last update {age:?} ago, past its max age of {max_age:?}")]
    Stale {
        /// The cache.
        cache: Arc<str>,
        /// How old the last update is.
        age: Duration,
        /// The cache's max age.
        max_age: Duration,
    },
    /// The feed that wrote the key is unhealthy.
    #[error("stream cache `{cache}`: feed `{feed}` is unhealthy ({fault}); its data is refused until it resynchronises")]
    FeedUnhealthy {
        /// The cache.
        cache: Arc<str>,
        /// The feed.
        feed: String,
        /// Why.
        fault: FeedFault,
    },
    /// The emergency procedure disabled the cache.
    #[error(
        "stream cache `{cache}` is disabled by the emergency procedure: only fresh calls remain"
    )]
    Disabled {
        /// The cache.
        cache: Arc<str>,
    },
}

crate::class::declare_class!(Plain for FeedFault);
crate::class::declare_class!(Plain for StreamReadError);
