//! The [`StreamCache`] itself: its handle, its shared state, and how reads and writes reach it.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::book::BookView;
use crate::cache_core::{CacheBody, CacheCore, Read};
use crate::cache_stats::{CacheStats, FeedStats};
use crate::clock::{Clock, Timestamp};
use crate::counters::Counters;
use crate::policy::{CacheKey, StreamValue};
use crate::receipt::{BookQuote, Receipt};

use super::builder::StreamCacheBuilder;
use super::error::{FeedFault, StreamReadError};
use super::feed::FeedState;
use super::feed::FeedWriter;
use super::reader::StreamReader;
use super::slot::EntryRef;
use super::slot_table::SlotTable;

/// A cache of streamed market data (order books, tickers), written only by stream feeds.
///
/// A read returns the latest value only while it is younger than the max age (default: `V`'s
/// `#[hft(max_age_ms)]`, else 5 s) and while the feed that wrote it is healthy: a feed that
/// disconnects, falls silent or skips a sequence number marks itself unhealthy, and all its
/// keys are refused until it has resynchronised.
///
/// The crate's own feeds ([`DepthFeed`](crate::feed::DepthFeed) and the typed stream feeds)
/// write it; a transport the crate does not speak writes it through the one explicit escape,
/// [`custom_transport_writer`](StreamCache::custom_transport_writer), which the compliance
/// report lists.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::ManualClock;
/// use hft_cache::stream_cache::{FeedFault, StreamReadError};
///
/// #[derive(Streamed)]
/// struct Ticker {
///     bid: u64,
///     ask: u64,
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let clock = ManualClock::new();
/// let tickers = StreamCache::<String, Ticker>::builder()
///     .name("tickers")
///     .clock(clock.shared())
///     .build()?;
/// let feed = tickers.custom_transport_writer("fix-gateway");
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
/// # Ok(()) }
/// ```
pub struct StreamCache<K: CacheKey, V: StreamValue> {
    pub(super) shared: Arc<Shared<K, V>>,
}

// The cache's shared state, behind every handle and reader: `Shared<K, V>`.
crate::cache_core::shared_state!();

/// The latest value of one key, replaced whole on every update.
pub(super) struct Entry<V> {
    pub(super) value: V,
    pub(super) updated_at: Timestamp,
    /// The feed that wrote it (a publish by the same feed as last time leaves it alone).
    pub(super) feed: Arc<FeedState>,
}

/// What a stream cache holds beyond the common core: a slot per key, and its feeds.
pub(super) struct Body<K, V> {
    pub(super) slots: SlotTable<K, V>,
    /// Values published, counted per writing thread.
    pub(super) publishes: Counters<1>,
    /// Every feed that ever wrote the cache, so that the report lists it (custom transports
    /// included) for the cache's lifetime.
    pub(super) feeds: Mutex<Vec<Arc<FeedState>>>,
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
        StreamCacheBuilder::new()
    }

    /// A writer for one of the crate's own stream feeds. The feed starts healthy; dropping the
    /// writer marks it [`FeedFault::Closed`], so its keys stop being served.
    // The crate's own feeds (feature `feeds`) are its only callers.
    #[cfg_attr(not(feature = "feeds"), allow(dead_code))]
    pub(crate) fn feed(&self, name: impl Into<String>) -> FeedWriter<K, V> {
        self.writer(name.into(), false)
    }

    /// The escape for a transport the crate does not speak (FIX, multicast, a venue without a
    /// feed here): a writer that user code drives itself.
    ///
    /// The crate's own feeds mark themselves unhealthy on a disconnect, a silence or a sequence
    /// gap; a custom transport must do the same through [`FeedWriter::mark_unhealthy`], and
    /// call [`FeedWriter::mark_healthy`] only once it has resynchronised from a fresh snapshot.
    /// Since the crate cannot check that, the cache is marked as written through a custom
    /// transport for the rest of its life: every
    /// [`ComplianceReport`](crate::monitor::ComplianceReport) lists it in
    /// `custom_transport_caches`, and the feed's [`FeedStats::custom_transport`] is set. Grep for
    /// `custom_transport_writer` to review every such transport.
    ///
    /// The writer starts healthy; dropping it marks the feed [`FeedFault::Closed`].
    ///
    /// ```
    /// use hft_cache::{StreamCache, Streamed};
    /// use hft_cache::monitor::Registry;
    ///
    /// #[derive(Streamed)]
    /// struct Quote { bid: u64 }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let quotes = StreamCache::<String, Quote>::builder()
    ///     .name("fix-quotes")
    ///     .registry(&registry)
    ///     .build()?;
    /// let fix = quotes.custom_transport_writer("fix-session-1");
    /// fix.publish("EURUSD".into(), Quote { bid: 10_812 });
    ///
    /// let report = registry.report();
    /// assert_eq!(report.custom_transport_caches, ["fix-quotes"]);
    /// assert!(report.caches[0].stats.feeds[0].custom_transport);
    /// # Ok(()) }
    /// ```
    pub fn custom_transport_writer(&self, name: impl Into<String>) -> FeedWriter<K, V> {
        let name = name.into();
        tracing::info!(
            cache = &**self.shared.core.name(),
            feed = name.as_str(),
            "stream cache written through a custom transport"
        );
        self.writer(name, true)
    }

    pub(super) fn writer(&self, name: String, custom_transport: bool) -> FeedWriter<K, V> {
        let state = Arc::new(FeedState::new(name, custom_transport));
        if let Ok(mut feeds) = self.shared.body.feeds.lock() {
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
        let shared = &*self.shared;
        let entry = self.entry(key);
        shared.read_counted(entry.as_deref(), f, |read| shared.core.count(read))
    }

    /// The current entry of `key`, held for one read.
    #[inline]
    fn entry<Q>(&self, key: &Q) -> Option<EntryRef<'_, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shared
            .body
            .slots
            .get(key)
            .and_then(|keyed| keyed.slot.load())
    }

    /// [`read`](StreamCache::read), handing back with the result a [`Receipt`] of the read:
    /// the key, when the value was written, its max age, and the writing feed with its health
    /// epoch, for a [`Decision`](crate::pre_trade::Decision) that a signed client checks again
    /// when the order is sent. A read that asks for no receipt pays nothing for this one.
    ///
    /// # Errors
    ///
    /// As [`read`](StreamCache::read).
    pub fn read_with_receipt<Q, R>(
        &self,
        key: &Q,
        f: impl FnOnce(&V) -> R,
    ) -> Result<(R, Receipt), StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + fmt::Display + ?Sized,
    {
        self.read_receipted(key, |value| (f(value), Arc::from(key.to_string())))
    }

    /// The read behind every receipt: `f` gives the result and the key's name.
    fn read_receipted<Q, R>(
        &self,
        key: &Q,
        f: impl FnOnce(&V) -> (R, Arc<str>),
    ) -> Result<(R, Receipt), StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shared = &*self.shared;
        let entry = self.entry(key);
        // The epoch is taken before the value is checked and read: a break after this load
        // moves the epoch past it, so the receipt can only be too strict, never too lenient.
        let word = entry.as_deref().map(|e| e.feed.health_word());
        let read = shared.read_counted(entry.as_deref(), f, |read| shared.core.count(read))?;
        let (Some(entry), Some(word)) = (entry.as_deref(), word) else {
            // A read that succeeded found an entry; this only keeps the types honest.
            let cache = Arc::clone(shared.core.name());
            return Err(StreamReadError::Missing { cache });
        };
        let (result, key) = read;
        // A feed seen broken at the epoch load (and healthy again by the check) gets the epoch
        // before its break, which the send-time check refuses.
        let epoch = (word >> 1).wrapping_sub(word & 1);
        let receipt = Receipt::stream(
            shared.core.name(),
            key,
            entry.updated_at,
            shared.core.max_age(),
            Arc::<FeedState>::clone(&entry.feed),
            epoch,
        );
        Ok((result, receipt))
    }

    /// A handle for one thread's hot loop: it remembers each key's slot and keeps a hold on the
    /// value it last saw there, so a read of a value that has not changed since skips the
    /// atomic hold and release of [`read`](StreamCache::read) (a cache line that threads
    /// reading one key share), and it counts into counters of its own. Same checks, same
    /// errors.
    pub fn reader(&self) -> StreamReader<K, V> {
        StreamReader::new(self.clone())
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
        let shared = &*self.shared;
        let updated_at = shared.body.slots.get(key)?.slot.load()?.updated_at;
        Some(shared.core.clock().now().saturating_since(updated_at))
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        self.shared.core.name()
    }

    /// How long after its last update a value may be read.
    pub fn max_age(&self) -> Duration {
        self.shared.core.max_age()
    }

    /// Makes every read fail with [`StreamReadError::Disabled`] (the emergency procedure).
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

    /// A snapshot of the counters and of every feed's health.
    pub fn stats(&self) -> CacheStats {
        crate::cache_stats::MonitoredCache::stats(self)
    }
}

impl<K> StreamCache<K, BookView>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
{
    /// The top of `symbol`'s book with a [`Receipt`] of the read: what a
    /// [`Decision`](crate::pre_trade::Decision)'s price collar compares an order's limit price
    /// with, as of the moment the book was written.
    ///
    /// # Errors
    ///
    /// As [`read`](StreamCache::read).
    pub fn quote<Q>(&self, symbol: &Q) -> Result<BookQuote, StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (top, receipt) = self.read_receipted(symbol, |view| {
            ((view.best_bid(), view.best_ask()), Arc::clone(&view.symbol))
        })?;
        Ok(BookQuote::new(top.0, top.1, receipt))
    }
}

impl<K, V> Shared<K, V>
where
    K: Eq + Hash + Clone,
    V: 'static,
{
    /// The checks every read makes, in order: present, enabled, feed healthy, in date.
    ///
    /// A refusal comes back as one byte and a hit as a reference, so the result fits in two
    /// registers; [`refused`](Self::refused) makes the error off the hot path.
    #[inline(always)]
    pub(super) fn check<'e>(&self, entry: Option<&'e Entry<V>>) -> Result<&'e V, Refusal> {
        let core = &self.core;
        let Some(entry) = entry else {
            return Err(Refusal::Missing);
        };
        if !core.is_enabled() {
            return Err(Refusal::Disabled);
        }
        if !entry.feed.is_healthy() {
            return Err(Refusal::Unhealthy);
        }
        if core.clock().recent() > entry.updated_at.saturating_add(core.max_age()) {
            return Err(Refusal::Stale);
        }
        Ok(&entry.value)
    }

    /// One read with its counting: the hit with `count`, refusals on the core.
    #[inline(always)]
    pub(super) fn read_counted<R>(
        &self,
        entry: Option<&Entry<V>>,
        f: impl FnOnce(&V) -> R,
        count: impl FnOnce(Read),
    ) -> Result<R, StreamReadError> {
        match self.check(entry) {
            Ok(value) => {
                count(Read::Hit);
                Ok(f(value))
            }
            Err(refusal) => Err(self.refused(refusal, entry)),
        }
    }

    /// Counts, logs (stale reads, rate-limited) and describes a refused read.
    #[cold]
    #[inline(never)]
    pub(super) fn refused(&self, refusal: Refusal, entry: Option<&Entry<V>>) -> StreamReadError {
        let core = &self.core;
        let cache = Arc::clone(core.name());
        match (refusal, entry) {
            (Refusal::Disabled, _) => {
                core.refuse(Read::Disabled, StreamReadError::Disabled { cache })
            }
            (Refusal::Unhealthy, Some(entry)) => core.refuse(
                Read::Unhealthy,
                StreamReadError::FeedUnhealthy {
                    cache,
                    feed: entry.feed.name().to_owned(),
                    fault: entry.feed.fault().unwrap_or(FeedFault::Resyncing),
                },
            ),
            (Refusal::Stale, Some(entry)) => {
                let now = core.clock().recent();
                let age = now.saturating_since(entry.updated_at);
                core.warn_stale(std::any::type_name::<V>(), age, now, "streamed");
                let max_age = core.max_age();
                core.refuse(
                    Read::Stale,
                    StreamReadError::Stale {
                        cache,
                        age,
                        max_age,
                    },
                )
            }
            (Refusal::Missing | Refusal::Unhealthy | Refusal::Stale, _) => {
                core.refuse(Read::Miss, StreamReadError::Missing { cache })
            }
        }
    }

    /// Makes `value` the latest for `key`, adding the key if it is new. Only [`FeedWriter`]
    /// calls this.
    pub(super) fn store(&self, key: K, value: V, updated_at: Timestamp, feed: &Arc<FeedState>) {
        let body = &self.body;
        body.slots
            .get_or_add(key)
            .slot
            .publish(value, updated_at, feed);
        body.publishes.bump(0);
    }

    pub(super) fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(keyed) = self.body.slots.get(key) {
            keyed.slot.clear();
        }
    }
}

/// Why a read was refused, before it is made an error.
#[derive(Debug, Clone, Copy)]
pub(super) enum Refusal {
    Missing,
    Disabled,
    Unhealthy,
    Stale,
}

impl<K, V> CacheBody for Body<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    type Value = V;

    fn add_stats(&self, core: &CacheCore, stats: &mut CacheStats) {
        let now = core.clock().now();
        // Each entry is held only while its time and feed are copied out.
        let entries: Vec<(Timestamp, Arc<FeedState>)> = self
            .slots
            .iter()
            .filter_map(|keyed| {
                let entry = keyed.slot.load()?;
                Some((entry.updated_at, Arc::clone(&entry.feed)))
            })
            .collect();
        stats.data_age = entries
            .iter()
            .map(|(updated_at, _)| now.saturating_since(*updated_at))
            .max();
        stats.publishes = self.publishes.total(0);
        stats.feeds = self
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
                        epoch: feed.epoch(),
                        keys: entries
                            .iter()
                            .filter(|(_, writer)| Arc::ptr_eq(writer, feed))
                            .count(),
                        custom_transport: feed.is_custom_transport(),
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
}

crate::cache_core::monitored_through_shared!(
    [K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static, V: StreamValue + Send + Sync + 'static]
    StreamCache<K, V>,
    V
);

impl<K: CacheKey, V: StreamValue> fmt::Debug for StreamCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamCache")
            .field("name", self.shared.core.name())
            .field("value_type", &std::any::type_name::<V>())
            .field("max_age", &self.shared.core.max_age())
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([K: CacheKey, V: StreamValue] Streamed for StreamCache<K, V>);
