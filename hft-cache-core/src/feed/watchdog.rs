//! [`SilenceWatchdog`]: link liveness, kept apart from data age.

use std::time::Duration;

use tokio::time::{sleep_until, Instant};

/// What a [`SilenceWatchdog`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Watch {
    /// Send a WebSocket ping now: a quiet but healthy link then answers with a pong.
    Ping,
    /// No frame at all (data, ping or pong) for this long: the link is dead.
    Silent(Duration),
}

/// Watches a link's liveness: any frame (data, ping, pong) proves it alive, and a ping sent
/// every `ping_interval` makes a quiet but healthy link answer. Only a link that stays silent
/// for `silence_timeout` despite the pings is dead.
///
/// This is the link clock; data age is the other one, enforced by the cache's max age, so a
/// quiet book is refused as stale without tearing down a healthy connection.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::feed::{SilenceWatchdog, Watch};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let mut watchdog = SilenceWatchdog::new(Duration::from_secs(15), Duration::from_secs(5));
/// assert_eq!(watchdog.tick().await, Watch::Ping); // after 5 s of quiet
/// watchdog.frame(); // the pong: silent only 15 s from now
/// assert_eq!(watchdog.tick().await, Watch::Ping); // unanswered
/// assert_eq!(watchdog.tick().await, Watch::Ping); // unanswered
/// assert_eq!(watchdog.tick().await, Watch::Silent(Duration::from_secs(15)));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SilenceWatchdog {
    silence_timeout: Duration,
    ping_interval: Duration,
    silent_at: Instant,
    ping_at: Instant,
}

impl SilenceWatchdog {
    /// A watchdog that starts now. `ping_interval` should be well under `silence_timeout`, so
    /// that several pings go unanswered before the link counts as dead.
    pub fn new(silence_timeout: Duration, ping_interval: Duration) -> Self {
        let now = Instant::now();
        SilenceWatchdog {
            silence_timeout,
            ping_interval,
            silent_at: now + silence_timeout,
            ping_at: now + ping_interval,
        }
    }

    /// A frame arrived: the link is alive.
    pub fn frame(&mut self) {
        let now = Instant::now();
        self.silent_at = now + self.silence_timeout;
        self.ping_at = now + self.ping_interval;
    }

    /// Waits for the next thing to do: a ping, or the verdict that the link is silent.
    /// Cancel-safe: use it as a `tokio::select!` branch beside the socket.
    pub async fn tick(&mut self) -> Watch {
        if self.ping_at < self.silent_at {
            sleep_until(self.ping_at).await;
            self.ping_at += self.ping_interval;
            Watch::Ping
        } else {
            sleep_until(self.silent_at).await;
            Watch::Silent(self.silence_timeout)
        }
    }
}

crate::class::declare_class!(Plain for SilenceWatchdog);
crate::class::declare_class!(Plain for Watch);
