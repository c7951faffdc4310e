//! The [`StaticCache`] itself: its handle, its shared state, and how reads and writes reach it.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::cache_core::{CacheBody, CacheCore, CacheShared, Read};
use crate::cache_stats::CacheStats;
use crate::clock::{Clock, Timestamp};
use crate::policy::{CacheKey, StaticValue};

use super::builder::StaticCacheBuilder;
use super::error::{RefreshError, StaticReadError};
use super::reader::StaticReader;
use super::refresh;
use super::refresh::RefresherHandle;

/// A cache of static data with a max age.
///
/// Built with [`StaticCache::builder`] around an async loader that fetches the whole data set.
/// [`refresh`](StaticCache::refresh) loads it on demand (concurrent calls share one load), and
/// [`spawn_refresher`](StaticCache::spawn_refresher) keeps it fresh in the background. A failed
/// refresh keeps the previous data, but only until its max age: after that every read fails
/// with [`StaticReadError::Stale`] until a refresh succeeds.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::Duration;
/// use hft_cache::{Static, StaticCache};
///
/// #[derive(Static)]
/// struct SymbolInfo {
///     tick_size: rust_decimal::Decimal,
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let symbols = StaticCache::<String, SymbolInfo>::builder()
///     .name("symbols")
///     .max_age(Duration::from_secs(3600))
///     .refresh_interval(Duration::from_secs(600))
///     .loader(|| async {
///         // In an adapter: GET /api/v3/exchangeInfo and map its symbols.
///         let tick_size = rust_decimal::Decimal::new(1, 2);
///         Ok::<_, std::io::Error>(vec![("BTCUSDT".to_string(), SymbolInfo { tick_size })])
///     })
///     .build()?;
/// symbols.refresh().await?;
/// let tick = symbols.read("BTCUSDT", |s| s.tick_size)?;
/// assert_eq!(tick, Some(rust_decimal::Decimal::new(1, 2)));
/// assert_eq!(symbols.read("DOGEUSDT", |s| s.tick_size)?, None);
/// # Ok(()) }
/// ```
///
/// The value bound sits on the type itself, so naming a `StaticCache` of live data anywhere is
/// a compile error:
///
/// ```compile_fail
/// use hft_cache::{Live, StaticCache};
///
/// #[derive(Live)]
/// struct Balance { free: u64 }
///
/// struct Adapter { balances: StaticCache<String, Balance> } // `Balance` is live trading data and can never be cached
/// ```
pub struct StaticCache<K: CacheKey, V: StaticValue> {
    pub(super) shared: Arc<Shared<K, V>>,
}

pub(super) type Shared<K, V> = CacheShared<Body<K, V>>;

/// One loaded data set; immutable once published.
pub(super) struct Snapshot<K, V> {
    pub(super) map: HashMap<K, V, ahash::RandomState>,
    pub(super) loaded_at: Timestamp,
    pub(super) expires_at: Timestamp,
}

/// What a static cache holds beyond the common core: the current snapshot and the loader.
pub(super) struct Body<K, V> {
    pub(super) refresh_interval: Duration,
    /// In an `Arc` of its own so that per-thread [`StaticReader`]s can cache it.
    pub(super) snapshot: Arc<ArcSwapOption<Snapshot<K, V>>>,
    pub(super) refresh: refresh::RefreshState<K, V>,
}

impl<K: CacheKey, V: StaticValue> Clone for StaticCache<K, V> {
    fn clone(&self) -> Self {
        StaticCache {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K, V> StaticCache<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    /// Configures a cache.
    pub fn builder() -> StaticCacheBuilder<K, V> {
        StaticCacheBuilder::new()
    }

    /// Reads the value for `key` with `f`, if the data is younger than its max age.
    ///
    /// `Ok(None)` means the data is current and has no such key.
    ///
    /// # Errors
    ///
    /// [`StaticReadError::Stale`] once the data is older than the max age,
    /// [`StaticReadError::NeverLoaded`] before the first successful load, and
    /// [`StaticReadError::Disabled`] while the emergency procedure has the cache disabled.
    #[inline]
    pub fn read<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Result<Option<R>, StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shared = &*self.shared;
        let snapshot = shared.body.snapshot.load();
        shared.read_counted(snapshot.as_deref(), key, f, |read| shared.core.count(read))
    }

    /// A handle for one thread's hot loop: its reads skip even the atomic reference counting
    /// of [`read`](StaticCache::read) by keeping the current snapshot until a refresh replaces
    /// it, and count into counters of their own. Same checks, same errors.
    pub fn reader(&self) -> StaticReader<K, V> {
        StaticReader::new(Arc::clone(&self.shared))
    }

    /// A copy of the value for `key`; see [`read`](StaticCache::read) for the errors.
    ///
    /// # Errors
    ///
    /// As [`read`](StaticCache::read).
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Result<Option<V>, StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.read(key, V::clone)
    }

    /// Loads the data set now and swaps it in. Concurrent calls share one load and its outcome.
    ///
    /// # Errors
    ///
    /// [`RefreshError`] if the loader failed; the previous data stays until its max age.
    pub async fn refresh(&self) -> Result<(), RefreshError> {
        refresh::refresh(&self.shared).await
    }

    /// Starts a tokio task that loads now (if nothing is loaded yet) and then every refresh
    /// interval. The task stops when the returned handle is dropped or the cache is dropped.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn spawn_refresher(&self) -> RefresherHandle {
        refresh::spawn(&self.shared)
    }

    /// How many entries the current data set holds (0 before the first load).
    pub fn len(&self) -> usize {
        self.shared
            .body
            .snapshot
            .load()
            .as_ref()
            .map_or(0, |s| s.map.len())
    }

    /// Whether the current data set is empty or absent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How old the current data set is, counted from when its load started.
    pub fn age(&self) -> Option<Duration> {
        self.shared.body.age(&self.shared.core)
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        self.shared.core.name()
    }

    /// How long loaded data may be served.
    pub fn max_age(&self) -> Duration {
        self.shared.core.max_age()
    }

    /// How often the background refresher loads.
    pub fn refresh_interval(&self) -> Duration {
        self.shared.body.refresh_interval
    }

    /// Makes every read fail with [`StaticReadError::Disabled`] (the emergency procedure).
    pub fn disable(&self) {
        self.shared.core.set_enabled(false);
    }

    /// Lets reads succeed again.
    pub fn enable(&self) {
        self.shared.core.set_enabled(true);
    }

    /// Whether reads are allowed.
    pub fn is_enabled(&self) -> bool {
        self.shared.core.is_enabled()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> CacheStats {
        crate::cache_stats::MonitoredCache::stats(self)
    }
}

impl<K, V> Body<K, V> {
    /// How old the current data set is, counted from when its load started.
    pub(super) fn age(&self, core: &CacheCore) -> Option<Duration> {
        let now = core.clock().now();
        self.snapshot
            .load()
            .as_ref()
            .map(|s| now.saturating_since(s.loaded_at))
    }
}

impl<K, V> Shared<K, V>
where
    K: Eq + Hash,
    V: 'static,
{
    /// The checks every read makes, in order: loaded, enabled, in date; then the lookup.
    ///
    /// A refusal comes back as one byte and a hit as a reference, so the result fits in two
    /// registers; [`refused`](Self::refused) makes the error off the hot path.
    #[inline(always)]
    pub(super) fn lookup<'s, Q>(
        &self,
        snapshot: Option<&'s Snapshot<K, V>>,
        key: &Q,
    ) -> Result<Option<&'s V>, Refusal>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(snapshot) = snapshot else {
            return Err(Refusal::NeverLoaded);
        };
        if !self.core.is_enabled() {
            return Err(Refusal::Disabled);
        }
        if self.core.clock().recent() > snapshot.expires_at {
            return Err(Refusal::Stale);
        }
        Ok(snapshot.map.get(key))
    }

    /// Counts and logs (stale reads, rate-limited) a refused read; the age of stale data.
    ///
    /// It returns in registers, not an error through memory: a call that wrote the error into
    /// the result's slot would keep the whole result in memory on the hit path too.
    #[cold]
    #[inline(never)]
    pub(super) fn refused(
        &self,
        refusal: Refusal,
        snapshot: Option<&Snapshot<K, V>>,
    ) -> Option<Duration> {
        let core = &self.core;
        match (refusal, snapshot) {
            (Refusal::Disabled, _) => {
                core.count(Read::Disabled);
                None
            }
            (Refusal::Stale, Some(snapshot)) => {
                let now = core.clock().recent();
                let age = now.saturating_since(snapshot.loaded_at);
                core.warn_stale(std::any::type_name::<V>(), age, now, "static");
                core.count(Read::Stale);
                Some(age)
            }
            (Refusal::NeverLoaded | Refusal::Stale, _) => {
                core.count(Read::Stale);
                None
            }
        }
    }

    /// The error for a refused read.
    #[inline(always)]
    pub(super) fn refusal_error(
        &self,
        refusal: Refusal,
        snapshot: Option<&Snapshot<K, V>>,
    ) -> StaticReadError {
        let stale_age = self.refused(refusal, snapshot);
        let cache = Arc::clone(self.core.name());
        match (refusal, stale_age) {
            (Refusal::Disabled, _) => StaticReadError::Disabled { cache },
            (_, Some(age)) => StaticReadError::Stale {
                cache,
                age,
                max_age: self.core.max_age(),
            },
            (_, None) => StaticReadError::NeverLoaded { cache },
        }
    }

    /// One read with its counting: hits and misses with `count`, refusals on the core.
    #[inline(always)]
    pub(super) fn read_counted<Q, R>(
        &self,
        snapshot: Option<&Snapshot<K, V>>,
        key: &Q,
        f: impl FnOnce(&V) -> R,
        count: impl FnOnce(Read),
    ) -> Result<Option<R>, StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.lookup(snapshot, key) {
            Ok(found) => {
                count(if found.is_some() {
                    Read::Hit
                } else {
                    Read::Miss
                });
                Ok(found.map(f))
            }
            Err(refusal) => Err(self.refusal_error(refusal, snapshot)),
        }
    }
}

/// Why a read was refused, before it is made an error.
#[derive(Debug, Clone, Copy)]
pub(super) enum Refusal {
    NeverLoaded,
    Disabled,
    Stale,
}

impl<K, V> CacheBody for Body<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    type Value = V;

    fn add_stats(&self, core: &CacheCore, stats: &mut CacheStats) {
        stats.refreshes = self.refresh.loads.load(Ordering::Relaxed);
        stats.refresh_failures = self.refresh.failures.load(Ordering::Relaxed);
        stats.data_age = self.age(core);
    }
}

crate::cache_core::monitored_through_shared!(
    [K: CacheKey + Eq + Hash + Send + Sync + 'static, V: StaticValue + Send + Sync + 'static]
    StaticCache<K, V>,
    V
);

impl<K: CacheKey, V: StaticValue> fmt::Debug for StaticCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCache")
            .field("name", self.shared.core.name())
            .field("value_type", &std::any::type_name::<V>())
            .field("max_age", &self.shared.core.max_age())
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([K: CacheKey, V: StaticValue] Static for StaticCache<K, V>);
