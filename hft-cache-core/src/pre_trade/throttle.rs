//! [`Throttle`]: the pre-trade message throttle, a GCRA (governor) on the crate's clock.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::clock::SharedClock;

/// How many orders and cancels a client may send per period: a GCRA (the `governor` crate)
/// that allows `limit` at once and refills one every `per / limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    limit: NonZeroU32,
    per: Duration,
}

impl Throttle {
    /// `limit` messages per `per`; `None` for a zero limit or period.
    pub fn new(limit: u32, per: Duration) -> Option<Self> {
        let limit = NonZeroU32::new(limit)?;
        (!per.is_zero()).then_some(Throttle { limit, per })
    }

    /// The count.
    pub fn limit(&self) -> u32 {
        self.limit.get()
    }

    /// The period.
    pub fn per(&self) -> Duration {
        self.per
    }
}

impl Default for Throttle {
    /// 10 per second.
    fn default() -> Self {
        Throttle {
            limit: NonZeroU32::MIN.saturating_add(9),
            per: Duration::from_secs(1),
        }
    }
}

/// The crate's clock as governor's: time is the crate's (a `ManualClock` in tests).
#[derive(Debug, Clone)]
pub(super) struct CrateClock(pub(super) SharedClock);

impl GovernorClock for CrateClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        Nanos::from(self.0.now().as_nanos())
    }
}

/// The limiter a `PreTrade` holds.
pub(super) struct Limiter {
    pub(super) throttle: Throttle,
    limiter: RateLimiter<NotKeyed, InMemoryState, CrateClock, NoOpMiddleware<Nanos>>,
    clock: CrateClock,
}

impl Limiter {
    pub(super) fn new(throttle: Throttle, clock: SharedClock) -> Self {
        let per_cell = throttle.per / throttle.limit.get();
        let quota = Quota::with_period(per_cell.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(throttle.limit))
            .allow_burst(throttle.limit);
        let clock = CrateClock(clock);
        Limiter {
            throttle,
            limiter: RateLimiter::direct_with_clock(quota, clock.clone()),
            clock,
        }
    }

    /// Takes one message's room; how long until there is room, if there is none.
    pub(super) fn take(&self) -> Result<(), Duration> {
        self.limiter.check().map_err(|not_until| {
            Duration::from(
                not_until
                    .earliest_possible()
                    .saturating_sub(self.clock.now()),
            )
        })
    }
}
