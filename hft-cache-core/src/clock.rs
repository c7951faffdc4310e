//! Time for staleness checks: one [`Clock`] trait, a cheap monotonic production clock, and a
//! manual clock that tests move by hand, so staleness is tested without sleeping.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A point on a monotonic clock, in nanoseconds from the clock's own origin.
///
/// Only differences between timestamps of the same clock mean anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The clock's origin.
    pub const ZERO: Timestamp = Timestamp(0);

    /// A timestamp `nanos` nanoseconds after the clock's origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Timestamp(nanos)
    }

    /// A timestamp `d` after the clock's origin (saturating).
    #[inline]
    pub const fn from_duration(d: Duration) -> Self {
        Timestamp::ZERO.saturating_add(d)
    }

    /// Nanoseconds since the clock's origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// How long after `earlier` this is; zero if `earlier` is later.
    pub const fn saturating_since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// This timestamp moved forward by `d`, saturating at the end of time.
    pub const fn saturating_add(self, d: Duration) -> Timestamp {
        let nanos = d.as_nanos();
        let nanos = if nanos > u64::MAX as u128 {
            u64::MAX
        } else {
            nanos as u64
        };
        Timestamp(self.0.saturating_add(nanos))
    }
}

mod sealed {
    /// Only the crate's clocks are clocks: a user clock that stood still would keep every
    /// `Fresh<T>` fresh forever.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a clock: time is hft-cache's, so no clock can freeze or rewind it",
        label = "a user clock",
        note = "production code runs on `SystemClock`; tests move a `ManualClock` (feature `test-util`)"
    )]
    pub trait Sealed {}
}

/// A monotonic clock. All staleness decisions in this crate read one.
///
/// Sealed: production code runs on [`SystemClock`]; tests move a `ManualClock` (feature
/// `test-util`, as in tokio). Time is the crate's, so no user clock can freeze or rewind it.
///
/// ```
/// use hft_cache::clock::{Clock, SystemClock};
///
/// let clock = SystemClock::new();
/// let start = clock.now();
/// assert!(clock.now() >= start);
/// ```
pub trait Clock: sealed::Sealed + Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;

    /// The current time, possibly up to about a millisecond behind [`now`](Clock::now), read far
    /// more cheaply. Cache lookups use it so that a staleness check costs no clock read; a clock
    /// without a cheaper reading returns `now()`.
    #[inline]
    fn recent(&self) -> Timestamp {
        self.now()
    }
}

/// A shared clock, as caches, feeds and `Fresh` values hold it.
pub type SharedClock = Arc<dyn Clock>;

/// The clock a cache holds: the production clock is called directly (inlined into the read
/// path); any other clock through its trait object.
#[derive(Debug, Clone)]
pub(crate) enum CacheClock {
    System(SystemClock),
    Other(SharedClock),
}

impl CacheClock {
    pub(crate) fn new(clock: Option<SharedClock>) -> Self {
        clock.map_or_else(|| CacheClock::System(SystemClock::new()), CacheClock::Other)
    }
}

impl sealed::Sealed for CacheClock {}
impl sealed::Sealed for SystemClock {}

impl Clock for CacheClock {
    #[inline]
    fn now(&self) -> Timestamp {
        match self {
            CacheClock::System(c) => c.now(),
            CacheClock::Other(c) => c.now(),
        }
    }

    #[inline]
    fn recent(&self) -> Timestamp {
        match self {
            CacheClock::System(c) => c.recent(),
            CacheClock::Other(c) => c.recent(),
        }
    }
}

/// The production clock: the CPU's time-stamp counter through `quanta`, calibrated against the
/// OS monotonic clock. [`now`](Clock::now) costs a few nanoseconds where `Instant::now()` costs
/// tens; [`recent`](Clock::recent) is one relaxed atomic load of a time that a background thread
/// stores every millisecond.
///
/// All `SystemClock`s share one origin, so their timestamps compare.
#[derive(Clone)]
pub struct SystemClock {
    inner: quanta::Clock,
    origin: quanta::Instant,
}

/// How often the background thread stores the time [`SystemClock::recent`] reads.
const RECENT_INTERVAL: Duration = Duration::from_millis(1);

/// The last time the ticker stored, in nanoseconds since the origin; 0 until it runs.
///
/// quanta has its own "recent" time, but it is kept in quanta's units and converting it costs
/// more than the read itself (about 2 ns, measured in `benches/static_get.rs`), and it reads 0
/// when quanta's upkeep thread is not running, which would make every value look fresh.
static RECENT_NANOS: AtomicU64 = AtomicU64::new(0);

fn origin() -> quanta::Instant {
    static ORIGIN: std::sync::OnceLock<quanta::Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(|| {
        let origin = quanta::Instant::now();
        let clock = SystemClock {
            inner: quanta::Clock::new(),
            origin,
        };
        // If the thread cannot start, `recent()` keeps falling back to `now()`.
        let _ = std::thread::Builder::new()
            .name("hft-cache-clock".into())
            .spawn(move || loop {
                RECENT_NANOS.store(clock.now().as_nanos().max(1), Ordering::Relaxed);
                std::thread::sleep(RECENT_INTERVAL);
            });
        origin
    })
}

impl SystemClock {
    /// A production clock (the first one starts the millisecond ticker thread).
    pub fn new() -> Self {
        SystemClock {
            inner: quanta::Clock::new(),
            origin: origin(),
        }
    }

    /// A shared handle to a new production clock.
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock::new())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SystemClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemClock")
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Timestamp {
        Timestamp::from_duration(self.inner.now().saturating_duration_since(self.origin))
    }

    #[inline]
    fn recent(&self) -> Timestamp {
        match RECENT_NANOS.load(Ordering::Relaxed) {
            0 => self.now(),
            nanos => Timestamp(nanos),
        }
    }
}

/// A clock that moves only when told to: for tests of staleness without sleeps (feature
/// `test-util`).
///
/// Clones share one time.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::clock::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_millis(300));
/// assert_eq!(clock.now().saturating_since(start), Duration::from_millis(300));
/// ```
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[derive(Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

#[cfg(feature = "test-util")]
impl sealed::Sealed for ManualClock {}

#[cfg(feature = "test-util")]
impl ManualClock {
    /// A manual clock at its origin.
    pub fn new() -> Self {
        Self::default()
    }

    /// A shared handle to this clock (the same time as `self`).
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        // SeqCst: a test's move of the clock is one step in a single order that every thread's
        // next reading sees, as a real clock's would be.
        self.nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Sets the clock to `t`. Going backwards is allowed, for tests that need it.
    pub fn set(&self, t: Timestamp) {
        // SeqCst: as in `advance`.
        self.nanos.store(t.as_nanos(), Ordering::SeqCst);
    }
}

#[cfg(feature = "test-util")]
impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

#[cfg(feature = "test-util")]
crate::class::declare_class!(Plain for ManualClock);

#[cfg(feature = "test-util")]
impl Clock for ManualClock {
    #[inline]
    fn now(&self) -> Timestamp {
        // SeqCst: pairs with `advance` and `set`.
        Timestamp(self.nanos.load(Ordering::SeqCst))
    }
}

crate::class::declare_class!(owned Plain for Timestamp);
crate::class::declare_class!(Plain for SystemClock);
crate::class::declare_class!(Plain for dyn Clock);
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_monotonic() {
        let clock = SystemClock::new();
        let mut last = clock.now();
        for _ in 0..10_000 {
            let now = clock.now();
            assert!(now >= last);
            last = now;
        }
    }

    #[test]
    fn recent_trails_now_by_at_most_a_few_milliseconds() {
        let clock = SystemClock::new();
        for _ in 0..1000 {
            let recent = clock.recent();
            let now = clock.now();
            assert!(now.saturating_since(recent) < Duration::from_millis(50));
        }
    }

    #[cfg(feature = "test-util")]
    #[test]
    fn manual_clock_clones_share_time() {
        let a = ManualClock::new();
        let b = a.clone();
        a.advance(Duration::from_secs(2));
        assert_eq!(b.now(), Timestamp::from_nanos(2_000_000_000));
    }
}
