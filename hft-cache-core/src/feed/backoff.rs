//! [`Backoff`]: doubling waits between retries.

use std::time::Duration;

/// Doubling waits between `min` and `max`, for reconnects and snapshot retries.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::feed::Backoff;
///
/// let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
/// let waits: Vec<_> = (0..4).map(|_| backoff.next_wait().as_millis()).collect();
/// assert_eq!(waits, [250, 500, 1000, 1000]);
/// backoff.reset(); // after a success
/// assert_eq!(backoff.next_wait(), Duration::from_millis(250));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Waits from `min`, doubling, up to `max` (raised to `min` if below it).
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            next: min,
        }
    }

    /// The wait before the next attempt; each call doubles the following one.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    /// Back to `min`, after a success.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

crate::class::declare_class!(Plain for Backoff);
