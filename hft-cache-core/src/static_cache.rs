//! [`StaticCache`]: static data (symbol info, trading rules, fees, exchange config), loaded whole,
//! refreshed periodically, and never served past its max age.
//!
//! Reads take no lock and write no shared cache line: a refresh builds a new immutable snapshot
//! and swaps it in (`arc-swap`), the staleness check compares the snapshot's expiry with the
//! clock's cheap [`recent`](crate::Clock::recent) reading, and the hit/miss counters are per
//! thread.

mod builder;
mod error;
mod reader;
mod refresh;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::cache_stats::{CacheStats, MonitoredCache};
use crate::clock::{CacheClock, Clock, Timestamp};
use crate::counters::Counters;
use crate::log_limit::LogLimit;
use crate::policy::{CacheKey, StaticValue};
use crate::DataClass;

pub use builder::{StaticCacheBuildError, StaticCacheBuilder};
pub use error::{RefreshError, StaticReadError};
pub use reader::StaticReader;
pub use refresh::RefresherHandle;

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
    shared: Arc<Shared<K, V>>,
}

/// One loaded data set; immutable once published.
struct Snapshot<K, V> {
    map: HashMap<K, V, ahash::RandomState>,
    loaded_at: Timestamp,
    expires_at: Timestamp,
}

/// Read counters, indexed into [`Counters`].
const HIT: usize = 0;
const MISS: usize = 1;
const STALE: usize = 2;
const DISABLED: usize = 3;

struct Shared<K, V> {
    name: Arc<str>,
    max_age: Duration,
    refresh_interval: Duration,
    clock: CacheClock,
    /// In an `Arc` of its own so that per-thread [`StaticReader`]s can cache it.
    snapshot: Arc<ArcSwapOption<Snapshot<K, V>>>,
    enabled: AtomicBool,
    reads: Counters<4>,
    refresh: refresh::RefreshState<K, V>,
    /// Keeps a hot loop of stale refusals from flooding the log.
    stale_log: LogLimit,
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
        let snapshot = self.shared.snapshot.load();
        let shared = &*self.shared;
        shared.serve(snapshot.as_deref(), key, f, |which| {
            shared.reads.bump(which)
        })
    }

    /// A handle for one thread's hot loop: its reads skip even the atomic reference counting
    /// of [`read`](StaticCache::read) by keeping the current snapshot until a refresh replaces
    /// it. Same checks, same errors.
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
        self.shared.age()
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// How long loaded data may be served.
    pub fn max_age(&self) -> Duration {
        self.shared.max_age
    }

    /// How often the background refresher loads.
    pub fn refresh_interval(&self) -> Duration {
        self.shared.refresh_interval
    }

    /// Makes every read fail with [`StaticReadError::Disabled`] (the emergency procedure).
    pub fn disable(&self) {
        self.shared.disable();
    }

    /// Lets reads succeed again.
    pub fn enable(&self) {
        self.shared.enable();
    }

    /// Whether reads are allowed.
    pub fn is_enabled(&self) -> bool {
        self.shared.is_enabled()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> CacheStats {
        self.shared.stats()
    }
}

impl<K, V> Shared<K, V>
where
    K: Eq + Hash,
{
    /// How old the current data set is, counted from when its load started.
    fn age(&self) -> Option<Duration> {
        let now = self.clock.now();
        self.snapshot
            .load()
            .as_ref()
            .map(|s| now.saturating_since(s.loaded_at))
    }

    /// The checks every read makes, in order: loaded, enabled, in date; then the lookup.
    #[inline(always)]
    fn serve<Q, R>(
        &self,
        snapshot: Option<&Snapshot<K, V>>,
        key: &Q,
        f: impl FnOnce(&V) -> R,
        count: impl FnOnce(usize),
    ) -> Result<Option<R>, StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(snapshot) = snapshot else {
            return Err(self.refuse(
                STALE,
                StaticReadError::NeverLoaded {
                    cache: Arc::clone(&self.name),
                },
            ));
        };
        if !self.enabled.load(Ordering::Relaxed) {
            return Err(self.refuse(
                DISABLED,
                StaticReadError::Disabled {
                    cache: Arc::clone(&self.name),
                },
            ));
        }
        let now = self.clock.recent();
        if now > snapshot.expires_at {
            return Err(self.stale(snapshot, now));
        }
        match snapshot.map.get(key) {
            Some(value) => {
                count(HIT);
                Ok(Some(f(value)))
            }
            None => {
                count(MISS);
                Ok(None)
            }
        }
    }

    #[cold]
    fn refuse(&self, counter: usize, error: StaticReadError) -> StaticReadError {
        self.reads.bump(counter);
        error
    }

    #[cold]
    fn stale(&self, snapshot: &Snapshot<K, V>, now: Timestamp) -> StaticReadError {
        let age = now.saturating_since(snapshot.loaded_at);
        if self.stale_log.allow(now) {
            tracing::warn!(
                cache = &*self.name,
                value_type = std::any::type_name::<V>(),
                age_ms = age.as_millis() as u64,
                max_age_ms = self.max_age.as_millis() as u64,
                "refused a stale static read"
            );
        }
        self.refuse(
            STALE,
            StaticReadError::Stale {
                cache: Arc::clone(&self.name),
                age,
                max_age: self.max_age,
            },
        )
    }
}

/// The shared state is what a registry holds (weakly), so a dropped cache leaves the registry.
impl<K, V> MonitoredCache for Shared<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }
    fn class(&self) -> DataClass {
        V::CLASS
    }
    fn value_type(&self) -> &'static str {
        std::any::type_name::<V>()
    }
    fn max_age(&self) -> Duration {
        self.max_age
    }
    fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.reads.total(HIT),
            misses: self.reads.total(MISS),
            stale_refusals: self.reads.total(STALE),
            unhealthy_refusals: 0,
            disabled_refusals: self.reads.total(DISABLED),
            refreshes: self.refresh.loads.load(Ordering::Relaxed),
            refresh_failures: self.refresh.failures.load(Ordering::Relaxed),
            data_age: self.age(),
            feeds: Vec::new(),
        }
    }
    fn disable(&self) {
        self.enabled.store(false, Ordering::Relaxed);
    }
    fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }
    fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }
}

impl<K, V> MonitoredCache for StaticCache<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        self.shared.name()
    }
    fn class(&self) -> DataClass {
        V::CLASS
    }
    fn value_type(&self) -> &'static str {
        self.shared.value_type()
    }
    fn max_age(&self) -> Duration {
        MonitoredCache::max_age(&*self.shared)
    }
    fn stats(&self) -> CacheStats {
        self.shared.stats()
    }
    fn disable(&self) {
        self.shared.disable();
    }
    fn enable(&self) {
        self.shared.enable();
    }
    fn is_enabled(&self) -> bool {
        self.shared.is_enabled()
    }
}

impl<K: CacheKey, V: StaticValue> fmt::Debug for StaticCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCache")
            .field("name", &self.shared.name)
            .field("value_type", &std::any::type_name::<V>())
            .field("max_age", &self.shared.max_age)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([K: CacheKey, V: StaticValue] Static for StaticCache<K, V>);
