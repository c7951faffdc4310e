//! [`StreamCache`]: the latest streamed value per key, written only by a stream feed through its
//! [`FeedWriter`], and readable only while fresh and while that feed is healthy.
//!
//! Each key has its own slot holding an immutable entry (value, time, writing feed) that the
//! writer replaces whole (`arc-swap`): a reader sees the old entry or the new one, never a mix,
//! and never blocks the writer. Adding a key copies the key map, which happens once per symbol.

mod error;
mod feed;
mod reader;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};

use crate::cache_stats::short_type_name;
use crate::cache_stats::{CacheStats, FeedStats, MonitoredCache};
use crate::clock::{CacheClock, Clock, SharedClock, Timestamp};
use crate::counters::Counters;
use crate::log_limit::LogLimit;
use crate::policy::{CacheKey, StreamValue};
use crate::{max_age_of, DataClass};

pub use error::{FeedFault, StreamReadError};
use feed::FeedState;
pub use feed::FeedWriter;
pub use reader::StreamReader;

/// A cache of streamed market data (order books, tickers), written only by stream feeds.
///
/// A read returns the latest value only while it is younger than the max age (default: `V`'s
/// `#[hft(max_age_ms)]`, else 5 s) and while the feed that wrote it is healthy: a feed that
/// disconnects, falls silent or skips a sequence number marks itself unhealthy, and all its
/// keys are refused until it has resynchronised.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{FeedFault, ManualClock, StreamCache, StreamReadError, Streamed};
///
/// #[derive(Streamed)]
/// struct Ticker {
///     bid: u64,
///     ask: u64,
/// }
///
/// let clock = ManualClock::new();
/// let tickers = StreamCache::<String, Ticker>::builder()
///     .name("tickers")
///     .clock(clock.shared())
///     .build();
/// let feed = tickers.feed("binance-ws");
///
/// feed.publish("BTCUSDT".into(), Ticker { bid: 100, ask: 101 });
/// assert_eq!(tickers.read("BTCUSDT", |t| t.ask), Ok(101));
///
/// feed.mark_unhealthy(FeedFault::Silent { for_: Duration::from_secs(2) });
/// assert!(matches!(tickers.read("BTCUSDT", |t| t.ask), Err(StreamReadError::FeedUnhealthy { .. })));
///
/// feed.mark_healthy();
/// clock.advance(Duration::from_secs(6)); // past the 5 s default max age
/// assert!(matches!(tickers.read("BTCUSDT", |t| t.ask), Err(StreamReadError::Stale { .. })));
/// ```
pub struct StreamCache<K: CacheKey, V: StreamValue> {
    shared: Arc<Shared<K, V>>,
}

/// The latest value of one key, replaced whole on every update.
struct Entry<V> {
    value: V,
    updated_at: Timestamp,
    feed: Arc<FeedState>,
}

type Slot<V> = ArcSwapOption<Entry<V>>;
type SlotMap<K, V> = HashMap<K, Arc<Slot<V>>, ahash::RandomState>;

const HIT: usize = 0;
const MISS: usize = 1;
const STALE: usize = 2;
const UNHEALTHY: usize = 3;
const DISABLED: usize = 4;

struct Shared<K, V> {
    name: Arc<str>,
    max_age: Duration,
    clock: CacheClock,
    slots: ArcSwap<SlotMap<K, V>>,
    /// Serialises adding keys (copying the slot map); updates of existing keys never take it.
    adding_keys: Mutex<()>,
    enabled: AtomicBool,
    reads: Counters<5>,
    updates: AtomicU64,
    feeds: Mutex<Vec<Arc<FeedState>>>,
    stale_log: LogLimit,
}

/// Configures a [`StreamCache`].
#[must_use]
pub struct StreamCacheBuilder<K, V> {
    name: Option<String>,
    max_age: Option<Duration>,
    clock: Option<SharedClock>,
    registry: Option<crate::monitor::Registry>,
    _types: std::marker::PhantomData<fn() -> (K, V)>,
}

impl<K, V> StreamCacheBuilder<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    /// The name reports and logs use (default: the value type's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long after its last update a value may be read (default: `V`'s max age, else 5 s).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock ages are measured with (default: [`SystemClock`](crate::SystemClock)).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The registry the cache registers with when built, for the compliance report and the kill
    /// switch (default: [`Registry::global`](crate::monitor::Registry::global)). The registry
    /// does not keep the cache alive.
    pub fn registry(mut self, registry: &crate::monitor::Registry) -> Self {
        self.registry = Some(registry.clone());
        self
    }

    /// Builds the empty cache.
    pub fn build(self) -> StreamCache<K, V> {
        let cache = StreamCache {
            shared: Arc::new(Shared {
                name: self
                    .name
                    .unwrap_or_else(|| short_type_name(std::any::type_name::<V>()).to_owned())
                    .into(),
                max_age: self.max_age.unwrap_or(max_age_of::<V>()),
                clock: CacheClock::new(self.clock),
                slots: ArcSwap::from_pointee(SlotMap::default()),
                adding_keys: Mutex::new(()),
                enabled: AtomicBool::new(true),
                reads: Counters::new(),
                updates: AtomicU64::new(0),
                feeds: Mutex::new(Vec::new()),
                stale_log: LogLimit::default(),
            }),
        };
        let registry = self
            .registry
            .unwrap_or_else(|| crate::monitor::Registry::global().clone());
        registry.register_weak(&cache.shared);
        cache
    }
}

impl<K: CacheKey, V: StreamValue> Clone for StreamCache<K, V> {
    fn clone(&self) -> Self {
        StreamCache {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K, V> StreamCache<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    /// Configures a cache.
    pub fn builder() -> StreamCacheBuilder<K, V> {
        StreamCacheBuilder {
            name: None,
            max_age: None,
            clock: None,
            registry: None,
            _types: std::marker::PhantomData,
        }
    }

    /// A writer for a stream feed: the only way to put values in. The feed starts healthy;
    /// dropping the writer marks it [`FeedFault::Closed`], so its keys stop being served.
    pub fn feed(&self, name: impl Into<String>) -> FeedWriter<K, V> {
        let state = Arc::new(FeedState::new(name.into()));
        if let Ok(mut feeds) = self.shared.feeds.lock() {
            feeds.push(Arc::clone(&state));
        }
        FeedWriter::new(self.clone(), state)
    }

    /// Reads the value for `key` with `f`, if it is fresh and its feed is healthy.
    ///
    /// # Errors
    ///
    /// [`StreamReadError`]: the key was never written (or was removed), its value is older than
    /// the max age, its feed is unhealthy, or the cache is disabled.
    #[inline]
    pub fn read<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Result<R, StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slots = self.shared.slots.load();
        let entry = slots.get(key).map(|slot| slot.load());
        self.check(entry.as_ref().and_then(|e| e.as_deref()), f)
    }

    /// A handle for one thread's hot loop: it remembers each key's slot, so a read of a value
    /// that has not changed since this reader last saw it skips the atomic reference counting of
    /// [`read`](StreamCache::read). Same checks, same errors.
    pub fn reader(&self) -> StreamReader<K, V> {
        StreamReader::new(self.clone())
    }

    /// The checks every read makes, in order: present, enabled, feed healthy, in date.
    #[inline]
    fn check<R>(
        &self,
        entry: Option<&Entry<V>>,
        f: impl FnOnce(&V) -> R,
    ) -> Result<R, StreamReadError> {
        let shared = &*self.shared;
        let Some(entry) = entry else {
            return Err(self.refuse(
                MISS,
                StreamReadError::Missing {
                    cache: Arc::clone(&shared.name),
                },
            ));
        };
        if !shared.enabled.load(Ordering::Relaxed) {
            return Err(self.refuse(
                DISABLED,
                StreamReadError::Disabled {
                    cache: Arc::clone(&shared.name),
                },
            ));
        }
        if !entry.feed.is_healthy() {
            return Err(self.unhealthy(&entry.feed));
        }
        let now = shared.clock.recent();
        if now > entry.updated_at.saturating_add(shared.max_age) {
            return Err(self.stale(now.saturating_since(entry.updated_at)));
        }
        shared.reads.bump(HIT);
        Ok(f(&entry.value))
    }

    /// A copy of the value for `key`, or `None` whenever [`read`](StreamCache::read) would fail.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.read(key, V::clone).ok()
    }

    /// How long ago `key` was last updated, whether or not it is readable.
    pub fn age<Q>(&self, key: &Q) -> Option<Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slots = self.shared.slots.load();
        let entry = slots.get(key)?.load_full()?;
        Some(self.shared.clock.now().saturating_since(entry.updated_at))
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// How long after its last update a value may be read.
    pub fn max_age(&self) -> Duration {
        self.shared.max_age
    }

    /// Makes every read fail with [`StreamReadError::Disabled`] (the emergency procedure).
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

    /// A snapshot of the counters and of every feed's health.
    pub fn stats(&self) -> CacheStats {
        self.shared.stats()
    }

    #[cold]
    fn refuse(&self, counter: usize, error: StreamReadError) -> StreamReadError {
        self.shared.reads.bump(counter);
        error
    }

    #[cold]
    fn unhealthy(&self, feed: &FeedState) -> StreamReadError {
        self.refuse(
            UNHEALTHY,
            StreamReadError::FeedUnhealthy {
                cache: Arc::clone(&self.shared.name),
                feed: feed.name().to_owned(),
                fault: feed.fault().unwrap_or(FeedFault::Resyncing),
            },
        )
    }

    #[cold]
    fn stale(&self, age: Duration) -> StreamReadError {
        let shared = &*self.shared;
        let now = shared.clock.now();
        if shared.stale_log.allow(now) {
            tracing::warn!(
                cache = &*shared.name,
                value_type = std::any::type_name::<V>(),
                age_ms = age.as_millis() as u64,
                max_age_ms = shared.max_age.as_millis() as u64,
                "refused a stale streamed read"
            );
        }
        self.refuse(
            STALE,
            StreamReadError::Stale {
                cache: Arc::clone(&shared.name),
                age,
                max_age: shared.max_age,
            },
        )
    }

    /// Stores `entry` under `key`, adding the key if it is new. Only [`FeedWriter`] calls this.
    fn store(&self, key: K, entry: Entry<V>) {
        let shared = &*self.shared;
        let entry = Arc::new(entry);
        if let Some(slot) = shared.slots.load().get(&key) {
            slot.store(Some(entry));
        } else {
            let _adding = shared.adding_keys.lock();
            let current = shared.slots.load_full();
            match current.get(&key) {
                Some(slot) => slot.store(Some(entry)),
                None => {
                    let mut next = SlotMap::clone(&current);
                    next.insert(key, Arc::new(ArcSwapOption::new(Some(entry))));
                    shared.slots.store(Arc::new(next));
                }
            }
        }
        shared.updates.fetch_add(1, Ordering::Relaxed);
    }

    fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(slot) = self.shared.slots.load().get(key) {
            slot.store(None);
        }
    }
}

/// The shared state is what a registry holds (weakly), so a dropped cache leaves the registry.
impl<K, V> MonitoredCache for Shared<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
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
        let shared = self;
        let now = shared.clock.now();
        let slots = shared.slots.load();
        let entries: Vec<Arc<Entry<V>>> = slots.values().filter_map(|s| s.load_full()).collect();
        let data_age = entries
            .iter()
            .map(|e| now.saturating_since(e.updated_at))
            .max();
        let feeds = shared
            .feeds
            .lock()
            .map(|feeds| {
                feeds
                    .iter()
                    .map(|feed| FeedStats {
                        name: feed.name().to_owned(),
                        healthy: feed.is_healthy(),
                        fault: feed.fault().map(|f| f.to_string()),
                        unhealthy_for: feed.unhealthy_since().map(|t| now.saturating_since(t)),
                        keys: entries
                            .iter()
                            .filter(|e| Arc::ptr_eq(&e.feed, feed))
                            .count(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        CacheStats {
            hits: shared.reads.total(HIT),
            misses: shared.reads.total(MISS),
            stale_refusals: shared.reads.total(STALE),
            unhealthy_refusals: shared.reads.total(UNHEALTHY),
            disabled_refusals: shared.reads.total(DISABLED),
            refreshes: shared.updates.load(Ordering::Relaxed),
            refresh_failures: 0,
            data_age,
            feeds,
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

impl<K, V> MonitoredCache for StreamCache<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
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

impl<K: CacheKey, V: StreamValue> fmt::Debug for StreamCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamCache")
            .field("name", &self.shared.name)
            .field("value_type", &std::any::type_name::<V>())
            .field("max_age", &self.shared.max_age)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([K: CacheKey, V: StreamValue] Streamed for StreamCache<K, V>);
