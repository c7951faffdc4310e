//! The link and retry settings every crate feed shares, and what makes them impossible.

use std::time::Duration;

use tokio::time::{sleep_until, Instant};

use crate::tls::TrustRoots;

/// The link and retry settings every crate feed shares.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) name: String,
    pub(crate) silence_timeout: Duration,
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) data_timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) reconnect_backoff: (Duration, Duration),
    pub(crate) snapshot_backoff: (Duration, Duration),
    pub(crate) depth: usize,
    /// Every send (subscription, ping, heartbeat, pong) must finish within this, or the link
    /// is dead: a peer that never reads cannot hold the feed.
    pub(crate) send_timeout: Duration,
    /// The largest WebSocket message (and frame) accepted, in bytes; a larger one ends the
    /// link as invalid data.
    pub(crate) max_message_bytes: usize,
    /// The roots a `wss://` link trusts besides the public ones (see [`crate::tls`]).
    pub(crate) roots: TrustRoots,
}

/// The default [`Config::send_timeout`]: well under the default silence timeout (30 s), far
/// over what a send to a reading peer takes.
pub(crate) const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The default [`Config::max_message_bytes`]: 4 MiB, many times a venue's largest book frame
/// (a Bybit `orderbook.1000` snapshot is about 60 KiB), a sixteenth of tungstenite's default.
pub(crate) const MAX_MESSAGE_BYTES: usize = 4 << 20;

impl Config {
    /// A ping every third of the silence timeout, at most every 10 s: three unanswered pings
    /// before the link counts as dead, and far below Binance's 5 messages a second.
    pub(crate) fn ping_interval(&self) -> Duration {
        self.ping_interval
            .unwrap_or_else(|| (self.silence_timeout / 3).min(Duration::from_secs(10)))
    }

    pub(crate) fn check(&self) -> Result<(), FeedBuildError> {
        for (name, d) in [
            ("silence_timeout", self.silence_timeout),
            ("ping_interval", self.ping_interval()),
            ("connect_timeout", self.connect_timeout),
            ("reconnect_backoff", self.reconnect_backoff.0),
            ("snapshot_backoff", self.snapshot_backoff.0),
            ("send_timeout", self.send_timeout),
        ] {
            if d.is_zero() {
                return Err(FeedBuildError::Zero(name));
            }
        }
        if self.data_timeout.is_some_and(|d| d.is_zero()) {
            return Err(FeedBuildError::Zero("data_timeout"));
        }
        if self.max_message_bytes == 0 {
            return Err(FeedBuildError::Zero("max_message_bytes"));
        }
        if self.ping_interval() >= self.silence_timeout {
            return Err(FeedBuildError::PingNotBelowSilence);
        }
        Ok(())
    }
}

/// A feed setting that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedBuildError {
    /// No symbols (depth feed) or streams (typed feed) were given.
    #[error("a feed needs at least one symbol or stream")]
    NoSymbols,
    /// A timeout, interval or backoff of zero.
    #[error("feed setting `{0}` must be above zero")]
    Zero(&'static str),
    /// The ping interval must be below the silence timeout, or a quiet link would be declared
    /// dead before it was asked to answer.
    #[error("feed setting `ping_interval` must be below `silence_timeout`")]
    PingNotBelowSilence,
    /// The venue's stream could not be prepared (e.g. its snapshot HTTP client).
    #[error("feed stream: {0}")]
    Stream(String),
}

crate::class::declare_class!(Plain for FeedBuildError);

/// Sleeps until `deadline`, or forever without one.
pub(crate) async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
