//! The [`StaticCache`] itself: its handle, its shared state, and how reads and writes reach it.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::sync::arc_swap::{ArcSwap, ArcSwapOption};
use crate::sync::Mutex;

use crate::cache_core::{CacheBody, CacheCore, Read};
use crate::cache_stats::CacheStats;
use crate::clock::{Clock, Timestamp};
use crate::policy::{CacheKey, StaticValue};
use crate::receipt::Receipt;

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

// The cache's shared state, behind every handle and reader: `Shared<K, V>`.
crate::cache_core::shared_state!();

/// One loaded data set; immutable once published.
pub(super) struct Snapshot<K, V> {
    pub(super) map: HashMap<K, V, ahash::RandomState>,
    pub(super) loaded_at: Timestamp,
    pub(super) expires_at: Timestamp,
    /// The first clock reading that may not be served: one nanosecond past `expires_at`, or 0
    /// for the placeholder that is served while there is nothing to serve.
    pub(super) serve_before: Timestamp,
}

impl<K, V> Snapshot<K, V> {
    pub(super) fn loaded(
        map: HashMap<K, V, ahash::RandomState>,
        loaded_at: Timestamp,
        max_age: Duration,
    ) -> Self {
        let expires_at = loaded_at.saturating_add(max_age);
        Snapshot {
            map,
            loaded_at,
            expires_at,
            serve_before: expires_at.saturating_add(Duration::from_nanos(1)),
        }
    }

    /// What readers see when nothing may be served (never loaded, or disabled).
    pub(super) fn placeholder() -> Self {
        Snapshot {
            map: HashMap::default(),
            loaded_at: Timestamp::ZERO,
            expires_at: Timestamp::ZERO,
            serve_before: Timestamp::ZERO,
        }
    }
}

/// What a static cache holds beyond the common core: the snapshots and the loader.
pub(super) struct Body<K, V> {
    pub(super) refresh_interval: Duration,
    /// What readers read: `latest` while the cache is enabled, else one of the two placeholders.
    /// In an `Arc` of its own so that per-thread [`StaticReader`]s can cache it.
    pub(super) served: Arc<ArcSwap<Snapshot<K, V>>>,
    /// The last data set loaded, whether or not it is served.
    pub(super) latest: ArcSwapOption<Snapshot<K, V>>,
    /// Served before the first load. Which placeholder a refused read found says why it was
    /// refused at that moment, whatever happened since (a load finishing, a resume).
    pub(super) never_loaded: Arc<Snapshot<K, V>>,
    /// Served while the kill switch has the cache disabled.
    pub(super) disabled: Arc<Snapshot<K, V>>,
    /// Serialises what changes `served` (a load, the kill switch), so that a load finishing
    /// while the cache is being disabled cannot serve it again.
    pub(super) serving: Mutex<()>,
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
        let snapshot = shared.body.served.load();
        shared.read_counted(&snapshot, key, f, |read| shared.core.count(read))
    }

    /// [`read`](StaticCache::read), handing back with the result a [`Receipt`] of the read:
    /// the key, when the data set was loaded and its max age, for a
    /// [`Decision`](crate::pre_trade::Decision) that a signed client checks again when the order
    /// is sent. A read that asks for no receipt pays nothing for this one.
    ///
    /// # Errors
    ///
    /// As [`read`](StaticCache::read).
    pub fn read_with_receipt<Q, R>(
        &self,
        key: &Q,
        f: impl FnOnce(&V) -> R,
    ) -> Result<(Option<R>, Receipt), StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + fmt::Display + ?Sized,
    {
        let shared = &*self.shared;
        let snapshot = shared.body.served.load();
        let found = shared.read_counted(&snapshot, key, f, |read| shared.core.count(read))?;
        let receipt = Receipt::static_data(
            shared.core.name(),
            Arc::from(key.to_string()),
            snapshot.loaded_at,
            snapshot.expires_at.saturating_since(snapshot.loaded_at),
        );
        Ok((found, receipt))
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
            .latest
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
        crate::cache_stats::MonitoredCache::disable(&*self.shared);
    }

    /// Lets reads succeed again.
    pub fn enable(&self) {
        crate::cache_stats::MonitoredCache::enable(&*self.shared);
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
    pub(super) fn new(refresh_interval: Duration, refresh: refresh::RefreshState<K, V>) -> Self {
        let never_loaded = Arc::new(Snapshot::placeholder());
        Body {
            refresh_interval,
            served: Arc::new(ArcSwap::new(Arc::clone(&never_loaded))),
            latest: ArcSwapOption::empty(),
            never_loaded,
            disabled: Arc::new(Snapshot::placeholder()),
            serving: Mutex::new(()),
            refresh,
        }
    }

    /// How old the current data set is, counted from when its load started.
    pub(super) fn age(&self, core: &CacheCore) -> Option<Duration> {
        let now = core.clock().now();
        self.latest
            .load()
            .as_ref()
            .map(|s| now.saturating_since(s.loaded_at))
    }

    /// Makes `loaded` the latest data set, served if the cache is enabled; returns the one it
    /// replaces.
    pub(super) fn publish(
        &self,
        core: &CacheCore,
        loaded: Arc<Snapshot<K, V>>,
    ) -> Option<Arc<Snapshot<K, V>>> {
        let _serving = self
            .serving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if core.is_enabled() {
            self.served.store(Arc::clone(&loaded));
        } else {
            // Loaded now, so no longer "never loaded": disabled.
            self.served.store(Arc::clone(&self.disabled));
        }
        self.latest.swap(Some(loaded))
    }
}

impl<K, V> Shared<K, V>
where
    K: Eq + Hash,
    V: 'static,
{
    /// The one check a read makes, that the served snapshot is in date (the placeholder never
    /// is); then the lookup.
    ///
    /// A refusal comes back as one bit and a hit as a reference, so the result fits in two
    /// registers; [`refused`](Self::refused) works out why, off the hot path.
    #[inline(always)]
    pub(super) fn lookup<'s, Q>(
        &self,
        snapshot: &'s Snapshot<K, V>,
        key: &Q,
    ) -> Result<Option<&'s V>, ()>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.core.clock().recent() >= snapshot.serve_before {
            return Err(());
        }
        Ok(snapshot.map.get(key))
    }

    /// Why a read of `snapshot` was refused (in the order: never loaded, disabled, stale), with
    /// the read counted and stale reads logged (rate-limited).
    ///
    /// It returns in registers, not an error through memory: a call that wrote the error into
    /// the result's slot would keep the whole result in memory on the hit path too.
    #[cold]
    #[inline(never)]
    pub(super) fn refused(&self, snapshot: &Snapshot<K, V>) -> (Refusal, Option<Duration>) {
        let core = &self.core;
        if std::ptr::eq(snapshot, &*self.body.never_loaded) {
            core.count(Read::Stale);
            return (Refusal::NeverLoaded, None);
        }
        // An expired snapshot read while the switch was disabling the cache counts as disabled.
        if std::ptr::eq(snapshot, &*self.body.disabled) || !core.is_enabled() {
            core.count(Read::Disabled);
            return (Refusal::Disabled, None);
        }
        let now = core.clock().recent();
        let age = now.saturating_since(snapshot.loaded_at);
        core.warn_stale(std::any::type_name::<V>(), age, now, "static");
        core.count(Read::Stale);
        (Refusal::Stale, Some(age))
    }

    /// The error for a refused read.
    #[inline(always)]
    pub(super) fn refusal_error(&self, snapshot: &Snapshot<K, V>) -> StaticReadError {
        let (refusal, stale_age) = self.refused(snapshot);
        let cache = Arc::clone(self.core.name());
        match (refusal, stale_age) {
            (Refusal::Disabled, _) => StaticReadError::Disabled { cache },
            (Refusal::Stale, Some(age)) => StaticReadError::Stale {
                cache,
                age,
                max_age: self.core.max_age(),
            },
            (Refusal::NeverLoaded | Refusal::Stale, _) => StaticReadError::NeverLoaded { cache },
        }
    }

    /// One read with its counting: hits and misses with `count`, refusals on the core.
    #[inline(always)]
    pub(super) fn read_counted<Q, R>(
        &self,
        snapshot: &Snapshot<K, V>,
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
            Err(()) => Err(self.refusal_error(snapshot)),
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

    fn set_enabled(&self, core: &CacheCore, enabled: bool) {
        let _serving = self
            .serving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        core.set_enabled(enabled);
        let served = match (enabled, self.latest.load_full()) {
            // Never loaded comes first, disabled or not.
            (_, None) => Arc::clone(&self.never_loaded),
            (true, Some(latest)) => latest,
            (false, Some(_)) => Arc::clone(&self.disabled),
        };
        // Dropping what was served here, not on a reader: `latest` still holds it anyway.
        drop(self.served.swap(served));
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

#[cfg(all(test, feature = "test-util"))]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[derive(hft_cache_macros::Static)]
    #[hft(crate = "crate")]
    struct Info {
        generation: u64,
    }

    fn cache(
        clock: &ManualClock,
    ) -> (StaticCache<String, Info>, Arc<std::sync::atomic::AtomicU64>) {
        let generation = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = Arc::clone(&generation);
        let cache = StaticCache::<String, Info>::builder()
            .max_age(Duration::from_secs(10))
            .refresh_interval(Duration::from_secs(5))
            .clock(clock.shared())
            .registry(&crate::monitor::Registry::new())
            .loader(move || {
                let generation = counter.fetch_add(1, Ordering::SeqCst) + 1;
                async move { Ok::<_, std::io::Error>(vec![("K".to_string(), Info { generation })]) }
            })
            .build()
            .unwrap();
        (cache, generation)
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// The kill switch and loads both change what is served; whichever comes last, a disabled
    /// cache serves nothing and an enabled one serves the newest load.
    #[test]
    fn loads_while_disabled_are_not_served_until_enabled() {
        let clock = ManualClock::new();
        let (cache, _) = cache(&clock);
        let mut reader = cache.reader();
        cache.disable();
        // Never loaded comes first, as before the kill switch.
        assert!(matches!(
            reader.read("K", |i| i.generation),
            Err(StaticReadError::NeverLoaded { .. })
        ));
        block_on(cache.refresh()).unwrap();
        assert!(matches!(
            reader.read("K", |i| i.generation),
            Err(StaticReadError::Disabled { .. })
        ));
        assert!(matches!(
            cache.read("K", |i| i.generation),
            Err(StaticReadError::Disabled { .. })
        ));
        assert_eq!(cache.len(), 1);
        block_on(cache.refresh()).unwrap();
        cache.enable();
        assert_eq!(reader.read("K", |i| i.generation), Ok(Some(2)));
        assert_eq!(cache.read("K", |i| i.generation), Ok(Some(2)));
        cache.disable();
        assert!(matches!(
            reader.read("K", |i| i.generation),
            Err(StaticReadError::Disabled { .. })
        ));
        // Past the max age while disabled: still "disabled" (the switch is checked first).
        clock.advance(Duration::from_secs(11));
        assert!(matches!(
            reader.read("K", |i| i.generation),
            Err(StaticReadError::Disabled { .. })
        ));
        cache.enable();
        assert!(matches!(
            reader.read("K", |i| i.generation),
            Err(StaticReadError::Stale { .. })
        ));
        block_on(cache.refresh()).unwrap();
        assert_eq!(reader.read("K", |i| i.generation), Ok(Some(3)));
        // Never loaded counts as a stale refusal, as it always has.
        let stats = cache.stats();
        assert_eq!(
            (stats.hits, stats.disabled_refusals, stats.stale_refusals),
            (3, 4, 2)
        );
    }

    /// A read that found nothing loaded says so, even if a load finished before it worked out
    /// why it was refused (this was reported as "disabled" once, under the reliability soak).
    #[test]
    fn a_refusal_says_why_as_of_the_read() {
        let clock = ManualClock::new();
        let (cache, _) = cache(&clock);
        let shared = &*cache.shared;
        let before_load = shared.body.served.load_full();
        block_on(cache.refresh()).unwrap();
        assert!(matches!(
            shared.refusal_error(&before_load),
            StaticReadError::NeverLoaded { .. }
        ));
        cache.disable();
        let while_disabled = shared.body.served.load_full();
        cache.enable();
        assert!(matches!(
            shared.refusal_error(&while_disabled),
            StaticReadError::Disabled { .. }
        ));
        assert_eq!(cache.read("K", |i| i.generation), Ok(Some(1)));
    }

    #[test]
    fn the_placeholder_is_refused_at_every_clock_reading() {
        let clock = ManualClock::new();
        let (cache, _) = cache(&clock);
        for _ in 0..3 {
            assert!(matches!(
                cache.read("K", |_| ()),
                Err(StaticReadError::NeverLoaded { .. })
            ));
            clock.advance(Duration::from_secs(100));
        }
    }
}
