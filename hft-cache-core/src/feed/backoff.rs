//! [`Backoff`]: doubling waits between retries, with full jitter.

use std::time::Duration;

/// Waits between retries, for reconnects and snapshot retries: a ceiling from `min`, doubling
/// up to `max`, and each wait drawn uniformly between zero and the ceiling ("full jitter").
///
/// The jitter is what keeps a fleet from reconnecting in lockstep: when a venue drops every
/// link at once, a thousand processes with plain doubling waits all come back at 250 ms, then
/// all at 500 ms, each time as one burst; with full jitter they spread over the whole window,
/// and the venue sees a trickle. (No retry crate fits: `backoff` is unmaintained, `backon`'s
/// jitter adds a random amount on top of the doubled delay, so every wait is still at least
/// the delay, and `exponential-backoff` spreads each delay by a factor around it; both also
/// want to own the retry loop. This draws the whole wait with `fastrand`.)
///
/// ```
/// use std::time::Duration;
/// use hft_cache::feed::Backoff;
///
/// let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
/// let ceilings: Vec<_> = (0..4)
///     .map(|_| {
///         let ceiling = backoff.ceiling();
///         assert!(backoff.next_wait() <= ceiling);
///         ceiling.as_millis()
///     })
///     .collect();
/// assert_eq!(ceilings, [250, 500, 1000, 1000]);
/// backoff.reset(); // after a success
/// assert_eq!(backoff.ceiling(), Duration::from_millis(250));
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Waits with a ceiling from `min`, doubling, up to `max` (raised to `min` if below it).
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            next: min,
            rng: fastrand::Rng::new(),
        }
    }

    /// The wait before the next attempt, uniform in zero to [`ceiling`](Self::ceiling); each
    /// call doubles the following ceiling.
    pub fn next_wait(&mut self) -> Duration {
        let ceiling = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.u64(0..=nanos))
    }

    /// The most the next wait can be.
    pub fn ceiling(&self) -> Duration {
        self.next
    }

    /// Back to `min`, after a success.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

crate::class::declare_class!(Plain for Backoff);

#[cfg(test)]
mod tests {
    use super::*;

    /// DESIGN.md's numbers: 250 ms doubling to a 3 s cap, as ceilings.
    #[test]
    fn ceilings_double_to_the_cap_and_waits_stay_under_them() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(3));
        let mut ceilings = Vec::new();
        for _ in 0..7 {
            let ceiling = backoff.ceiling();
            assert!(backoff.next_wait() <= ceiling);
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(ceilings, [250, 500, 1000, 2000, 3000, 3000, 3000]);
    }

    /// A fleet that lost its links at once does not come back at once.
    #[test]
    fn a_fleet_does_not_retry_in_lockstep() {
        let first_waits: Vec<Duration> = (0..64)
            .map(|_| Backoff::new(Duration::from_millis(250), Duration::from_secs(3)).next_wait())
            .collect();
        let mut distinct = first_waits.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 32, "{first_waits:?}");
        // Spread over the window, not bunched at its top as with an added jitter.
        let below_half = first_waits
            .iter()
            .filter(|w| **w < Duration::from_millis(125))
            .count();
        assert!((8..=56).contains(&below_half), "{first_waits:?}");
    }
}
