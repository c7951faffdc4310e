//! A cache that says what a test tells it to: for tests of the monitor's and the kill switch's
//! verdicts on caches that break the rules, which the crate's caches cannot do.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::cache_stats::{sealed, CacheStats, MonitoredCache};
use crate::class::Classified;

/// A stand-in cache of `V` values (feature `test-util`): its name, max age and counters are
/// whatever the test sets, and it obeys `disable`/`enable` only by recording them. Its class in
/// the report still comes from `V`. Clones share their state.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::monitor::{Registry, StandInCache};
/// use hft_cache::{DataClass, Live};
///
/// #[derive(Live)]
/// struct Balance {
///     free: u64,
/// }
///
/// let registry = Registry::new();
/// let rogue = StandInCache::<Balance>::new("rogue", Duration::from_millis(250));
/// registry.register(rogue.clone());
/// let report = registry.report();
/// assert!(!report.compliant, "a cache of live data is a violation");
/// assert_eq!(registry.caches()[0].class, DataClass::Live);
/// ```
pub struct StandInCache<V: ?Sized> {
    name: Arc<str>,
    max_age: Duration,
    stats: Arc<Mutex<CacheStats>>,
    enabled: Arc<AtomicBool>,
    _holds: PhantomData<fn() -> Box<V>>,
}

impl<V: ?Sized> Clone for StandInCache<V> {
    fn clone(&self) -> Self {
        StandInCache {
            name: self.name.clone(),
            max_age: self.max_age,
            stats: self.stats.clone(),
            enabled: self.enabled.clone(),
            _holds: PhantomData,
        }
    }
}

impl<V: ?Sized> StandInCache<V> {
    /// A stand-in named `name` that claims `max_age`, with zeroed counters, enabled.
    pub fn new(name: &str, max_age: Duration) -> Self {
        StandInCache {
            name: name.into(),
            max_age,
            stats: Arc::default(),
            enabled: Arc::new(AtomicBool::new(true)),
            _holds: PhantomData,
        }
    }

    /// Changes the counters the stand-in reports.
    pub fn set_stats(&self, change: impl FnOnce(&mut CacheStats)) {
        change(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

impl<V: ?Sized> std::fmt::Debug for StandInCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandInCache")
            .field("name", &self.name)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl<V: ?Sized> sealed::Sealed for StandInCache<V> {}

impl<V: Classified + ?Sized + 'static> MonitoredCache for StandInCache<V> {
    type Value = V;
    fn name(&self) -> &str {
        &self.name
    }
    fn max_age(&self) -> Duration {
        self.max_age
    }
    fn stats(&self) -> CacheStats {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    fn disable(&self) {
        self.enabled.store(false, Ordering::SeqCst);
    }
    fn enable(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }
    fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }
}

crate::class::declare_class!([V: ?Sized] Plain for StandInCache<V>);
