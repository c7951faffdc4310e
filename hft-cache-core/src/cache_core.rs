//! What both caches share, kept in one place (moka's `common/` is the model): the name, max
//! age, clock, the kill switch's enabled flag, the read counters, the rate-limited stale
//! warning, the settings both builders take, and the one [`MonitoredCache`] implementation.
//!
//! A cache is a [`CacheShared`]: this core plus a body with the cache's own storage
//! ([`CacheBody`]). The public handles (`StaticCache`, `StreamCache`) hold it in an `Arc`.

use std::sync::Arc;
use std::time::Duration;

use crate::cache_stats::{CacheStats, MonitoredCache};
use crate::class::{max_age_of, Classified};
use crate::clock::{CacheClock, SharedClock, Timestamp};
use crate::counters::{Counters, LocalCounters};
use crate::log_limit::LogLimit;
use crate::monitor::Registry;
use crate::report_format::short_type_name;
use crate::sync::atomic::{AtomicBool, Ordering};

/// What a read ended in; each outcome has its own counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    Hit = 0,
    Miss = 1,
    Stale = 2,
    Unhealthy = 3,
    Disabled = 4,
}

/// How many [`Read`] outcomes there are.
pub(crate) const READS: usize = 5;

/// Name, max age, clock, enabled flag, read counters and stale-log limiter of one cache.
pub struct CacheCore {
    name: Arc<str>,
    max_age: Duration,
    clock: CacheClock,
    enabled: AtomicBool,
    reads: Counters<READS>,
    /// Keeps a hot loop of stale refusals from flooding the log.
    stale_log: LogLimit,
}

impl CacheCore {
    pub(crate) fn name(&self) -> &Arc<str> {
        &self.name
    }

    pub(crate) fn max_age(&self) -> Duration {
        self.max_age
    }

    pub(crate) fn clock(&self) -> &CacheClock {
        &self.clock
    }

    #[inline]
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// The kill switch's lever. Relaxed: a read racing the switch may still be served, as one
    /// that came a moment earlier would have been; nothing else is published through the flag.
    pub(crate) fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Counts a read on the calling thread's shard.
    #[inline]
    pub(crate) fn count(&self, read: Read) {
        self.reads.bump(read as usize);
    }

    /// Counters that one reader handle owns, counted in this cache's totals.
    pub(crate) fn local_counters(&self) -> LocalCounters<READS> {
        self.reads.local()
    }

    /// Counts a refused read and hands its error back.
    #[cold]
    pub(crate) fn refuse<E>(&self, read: Read, error: E) -> E {
        self.count(read);
        error
    }

    /// Logs a stale refusal, at most once a second per cache.
    #[cold]
    pub(crate) fn warn_stale(
        &self,
        value_type: &'static str,
        age: Duration,
        now: Timestamp,
        what: &'static str,
    ) {
        if self.stale_log.allow(now) {
            tracing::warn!(
                cache = &*self.name,
                value_type,
                age_ms = age.as_millis() as u64,
                max_age_ms = self.max_age.as_millis() as u64,
                "refused a stale {what} read"
            );
        }
    }

    /// The read counters; the body adds the rest.
    fn read_stats(&self) -> CacheStats {
        let total = |read: Read| self.reads.total(read as usize);
        CacheStats {
            hits: total(Read::Hit),
            misses: total(Read::Miss),
            stale_refusals: total(Read::Stale),
            unhealthy_refusals: total(Read::Unhealthy),
            disabled_refusals: total(Read::Disabled),
            ..CacheStats::default()
        }
    }
}

/// A max age a cache may not have.
#[derive(Debug)]
pub(crate) enum MaxAgeError {
    /// Zero: nothing could ever be read.
    Zero(String),
    /// Above the value type's own max age: a builder may lower a type's max age, never raise it.
    AboveType {
        cache: String,
        max_age: Duration,
        type_max_age: Duration,
    },
}

/// The settings both cache builders take.
#[derive(Default)]
pub(crate) struct CoreOptions {
    pub(crate) name: Option<String>,
    pub(crate) max_age: Option<Duration>,
    pub(crate) clock: Option<SharedClock>,
    pub(crate) registry: Option<Registry>,
}

impl CoreOptions {
    /// The core, with the defaults filled in: the value type's short name, its max age, the
    /// system clock.
    pub(crate) fn build<V: Classified>(self) -> Result<(CacheCore, Option<Registry>), MaxAgeError> {
        let name = self
            .name
            .unwrap_or_else(|| short_type_name(std::any::type_name::<V>()).to_owned());
        let type_max_age = max_age_of::<V>();
        let max_age = self.max_age.unwrap_or(type_max_age);
        if max_age.is_zero() {
            return Err(MaxAgeError::Zero(name));
        }
        if max_age > type_max_age {
            return Err(MaxAgeError::AboveType {
                cache: name,
                max_age,
                type_max_age,
            });
        }
        let core = CacheCore {
            name: name.into(),
            max_age,
            clock: CacheClock::new(self.clock),
            enabled: AtomicBool::new(true),
            reads: Counters::new(),
            stale_log: LogLimit::new(),
        };
        Ok((core, self.registry))
    }
}

/// A cache's own storage and the counters only it has.
// `pub` in a private module (unreachable from outside): the blanket `MonitoredCache` impl below
// names these traits' associated types, which a `pub(crate)` trait may not show.
pub trait CacheBody: Send + Sync + 'static {
    /// The type of the values held, whose class the report shows.
    type Value: Classified;

    /// Fills in data age, loads or publishes, and feeds.
    fn add_stats(&self, core: &CacheCore, stats: &mut CacheStats);

    /// Turns reads on or off (the kill switch). A body whose readers do not check the core's
    /// flag on every read makes the change visible to them here.
    fn set_enabled(&self, core: &CacheCore, enabled: bool) {
        core.set_enabled(enabled);
    }
}

/// One cache's shared state: the common core and the cache's own body. Each cache declares its
/// own struct (so that its methods live in its own module) and implements this to get
/// registration and the one [`MonitoredCache`] implementation below.
pub trait CacheShared: Send + Sync + 'static {
    /// The cache's own storage.
    type Body: CacheBody;
    /// The common core.
    fn core(&self) -> &CacheCore;
    /// The cache's own storage.
    fn body(&self) -> &Self::Body;
}

/// `shared`, registered (weakly, so that dropping it leaves the registry) with `registry`, else
/// the global one.
pub(crate) fn register<S: CacheShared>(shared: S, registry: Option<Registry>) -> Arc<S> {
    let shared = Arc::new(shared);
    registry
        .unwrap_or_else(|| Registry::global().clone())
        .register_weak(&shared);
    shared
}

/// The one implementation: registries hold the shared state (weakly), and the public handles
/// forward to it (`monitored_through_shared!`).
#[diagnostic::do_not_recommend]
impl<S: CacheShared> crate::cache_stats::sealed::Sealed for S {}

impl<S: CacheShared> MonitoredCache for S {
    type Value = <S::Body as CacheBody>::Value;
    fn name(&self) -> &str {
        &self.core().name
    }
    fn max_age(&self) -> Duration {
        self.core().max_age
    }
    fn stats(&self) -> CacheStats {
        let core = self.core();
        let mut stats = core.read_stats();
        self.body().add_stats(core, &mut stats);
        stats
    }
    fn disable(&self) {
        self.body().set_enabled(self.core(), false);
    }
    fn enable(&self) {
        self.body().set_enabled(self.core(), true);
    }
    fn is_enabled(&self) -> bool {
        self.core().is_enabled()
    }
}

/// Declares, in the calling cache's module, `Shared<K, V>`: the common [`CacheCore`] and that
/// module's `Body<K, V>`, with its [`CacheShared`] impl. The struct is the cache's own, so the
/// methods the cache writes on it belong to the cache's module.
macro_rules! shared_state {
    () => {
        /// The cache's shared state, behind every handle and reader.
        pub(super) struct Shared<K, V> {
            pub(super) core: $crate::cache_core::CacheCore,
            pub(super) body: Body<K, V>,
        }

        impl<K, V> $crate::cache_core::CacheShared for Shared<K, V>
        where
            Body<K, V>: $crate::cache_core::CacheBody,
        {
            type Body = Body<K, V>;
            fn core(&self) -> &$crate::cache_core::CacheCore {
                &self.core
            }
            fn body(&self) -> &Body<K, V> {
                &self.body
            }
        }
    };
}
pub(crate) use shared_state;

/// `MonitoredCache` for a public handle with a `shared: Arc<CacheShared<_>>` field, so that
/// `registry.register(cache.clone())` works.
macro_rules! monitored_through_shared {
    ([$($generics:tt)*] $handle:ty, $value:ty) => {
        #[diagnostic::do_not_recommend]
        impl<$($generics)*> $crate::cache_stats::sealed::Sealed for $handle {}

        impl<$($generics)*> $crate::cache_stats::MonitoredCache for $handle {
            type Value = $value;
            fn name(&self) -> &str {
                $crate::cache_stats::MonitoredCache::name(&*self.shared)
            }
            fn max_age(&self) -> ::std::time::Duration {
                $crate::cache_stats::MonitoredCache::max_age(&*self.shared)
            }
            fn stats(&self) -> $crate::cache_stats::CacheStats {
                $crate::cache_stats::MonitoredCache::stats(&*self.shared)
            }
            fn disable(&self) {
                $crate::cache_stats::MonitoredCache::disable(&*self.shared)
            }
            fn enable(&self) {
                $crate::cache_stats::MonitoredCache::enable(&*self.shared)
            }
            fn is_enabled(&self) -> bool {
                $crate::cache_stats::MonitoredCache::is_enabled(&*self.shared)
            }
        }
    };
}
pub(crate) use monitored_through_shared;
