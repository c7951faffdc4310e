//! Rate limiting for warnings logged on a hot path (a stale refusal can happen per read).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::clock::Timestamp;

/// How often a cache logs its stale refusals, at most.
const EVERY: Duration = Duration::from_secs(1);

/// Lets one log line through per second of the cache's clock.
#[derive(Debug, Default)]
pub(crate) struct LogLimit {
    /// When a line was last let through, as clock nanoseconds + 1; 0 for never.
    last: AtomicU64,
}

impl LogLimit {
    /// A limiter that has let nothing through yet (usable in a `static`).
    pub(crate) const fn new() -> Self {
        LogLimit {
            last: AtomicU64::new(0),
        }
    }

    /// Whether to log now; records `now` when it says yes.
    pub(crate) fn allow(&self, now: Timestamp) -> bool {
        let last = self.last.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_since(Timestamp::from_nanos(last - 1)) >= EVERY;
        if due {
            self.last
                .store(now.as_nanos().saturating_add(1), Ordering::Relaxed);
        }
        due
    }
}
