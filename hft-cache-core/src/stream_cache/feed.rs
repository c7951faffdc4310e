//! [`FeedWriter`]: the one handle that writes a stream feed's values into a cache.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{FeedFault, StreamCache};
use crate::clock::{Clock, Timestamp};
use crate::policy::{CacheKey, StreamValue};

/// Bit 0 of the health word: set while the feed is unhealthy.
const UNHEALTHY: u64 = 1;

/// A feed's health, shared by the writer and every entry it wrote.
pub(crate) struct FeedState {
    name: String,
    /// Written through [`StreamCache::custom_transport_writer`], not by one of the crate's feeds.
    custom_transport: bool,
    /// The health word: bit 0 set while unhealthy, the bits above it the feed's epoch, which
    /// every healthy-to-unhealthy transition bumps. One word, so that a reader takes the flag
    /// and the epoch it belongs to in one load (a decision receipt keeps both).
    health: AtomicU64,
    fault: Mutex<Option<FeedFault>>,
    /// When the feed became unhealthy, as clock nanoseconds + 1; 0 while healthy.
    unhealthy_since: AtomicU64,
}

impl FeedState {
    pub(crate) fn new(name: String, custom_transport: bool) -> Self {
        FeedState {
            name,
            custom_transport,
            health: AtomicU64::new(0),
            fault: Mutex::new(None),
            unhealthy_since: AtomicU64::new(0),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn is_custom_transport(&self) -> bool {
        self.custom_transport
    }

    #[inline]
    pub(crate) fn is_healthy(&self) -> bool {
        self.health_word() & UNHEALTHY == 0
    }

    /// The health word (see `health`).
    #[inline]
    pub(crate) fn health_word(&self) -> u64 {
        // Pairs with the release half of the writer's updates: a reader that sees the feed
        // healthy again also sees the fault and `unhealthy_since` it cleared before the flip.
        // (On x86 an acquire load is a plain load: the read path pays nothing for it.)
        self.health.load(Ordering::Acquire)
    }

    /// The feed's epoch now: how many times it has become unhealthy.
    pub(crate) fn epoch(&self) -> u64 {
        self.health_word() >> 1
    }

    pub(crate) fn fault(&self) -> Option<FeedFault> {
        self.fault.lock().ok().and_then(|f| f.clone())
    }

    pub(crate) fn unhealthy_since(&self) -> Option<Timestamp> {
        match self.unhealthy_since.load(Ordering::Relaxed) {
            0 => None,
            encoded => Some(Timestamp::from_nanos(encoded - 1)),
        }
    }
}

// What a decision receipt of a value this feed wrote checks at send time.
impl crate::receipt::FeedProbe for FeedState {
    #[inline]
    fn name(&self) -> &str {
        FeedState::name(self)
    }

    #[inline]
    fn health_word(&self) -> u64 {
        FeedState::health_word(self)
    }
}

/// Writes one stream feed's values into a [`StreamCache`], and reports the feed's health.
///
/// Owned by the task that reads the stream; it is not `Clone`, so REST code that was not handed
/// it cannot write streamed data. Dropping it marks the feed [`FeedFault::Closed`].
///
/// The crate's own feeds make theirs; user code gets one only through the explicit escape
/// [`StreamCache::custom_transport_writer`].
pub struct FeedWriter<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    cache: StreamCache<K, V>,
    state: Arc<FeedState>,
}

impl<K, V> FeedWriter<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    pub(super) fn new(cache: StreamCache<K, V>, state: Arc<FeedState>) -> Self {
        FeedWriter { cache, state }
    }

    /// Makes `value` the latest for `key`, stamped now.
    pub fn publish(&self, key: K, value: V) {
        // The coarse reading that reads compare against: it is never ahead of the precise one,
        // so the age a read computes is never smaller than with a precise stamp (the staleness
        // check is no looser), and it saves a clock read per update.
        let updated_at = self.cache.shared.core.clock().recent();
        self.cache.shared.store(key, value, updated_at, &self.state);
    }

    /// Removes `key` (e.g. a delisted symbol).
    pub fn remove<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.cache.shared.remove(key);
    }

    /// Marks the feed unhealthy: every key it wrote is refused until
    /// [`mark_healthy`](FeedWriter::mark_healthy).
    pub fn mark_unhealthy(&self, fault: FeedFault) {
        let state = &*self.state;
        // AcqRel: see `health_word`; the flag flips first so that reads stop at once, and the
        // epoch moves with it, in the same word.
        let was_healthy = state
            .health
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                (word & UNHEALTHY == 0).then(|| (word | UNHEALTHY).wrapping_add(2))
            })
            .is_ok();
        if was_healthy {
            let now = self
                .cache
                .shared
                .core
                .clock()
                .now()
                .as_nanos()
                .saturating_add(1);
            state.unhealthy_since.store(now, Ordering::Relaxed);
        }
        tracing::warn!(
            cache = self.cache.name(),
            feed = state.name.as_str(),
            fault = %fault,
            "stream feed unhealthy: its keys are refused"
        );
        if let Ok(mut current) = state.fault.lock() {
            *current = Some(fault);
        }
    }

    /// Marks the feed healthy again, after it has resynchronised.
    pub fn mark_healthy(&self) {
        let state = &*self.state;
        if let Ok(mut current) = state.fault.lock() {
            *current = None;
        }
        state.unhealthy_since.store(0, Ordering::Relaxed);
        // AcqRel: the cleared fault above is published with the flag (see `health_word`).
        if state.health.fetch_and(!UNHEALTHY, Ordering::AcqRel) & UNHEALTHY != 0 {
            tracing::info!(
                cache = self.cache.name(),
                feed = state.name.as_str(),
                "stream feed healthy again"
            );
        }
    }

    /// Whether the feed's keys are being served.
    pub fn is_healthy(&self) -> bool {
        self.state.is_healthy()
    }

    /// The feed's health epoch: how many times it has become unhealthy. A decision
    /// [`Receipt`](crate::pre_trade::Receipt) of a value this feed wrote keeps the epoch it was
    /// read in, and is refused at send time once the epoch has moved on, even if the feed is
    /// healthy again by then.
    pub fn epoch(&self) -> u64 {
        self.state.epoch()
    }

    /// Why the feed is unhealthy, if it is.
    pub fn fault(&self) -> Option<FeedFault> {
        self.state.fault()
    }

    /// The feed's name.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// The cache this feed writes.
    pub fn cache(&self) -> &StreamCache<K, V> {
        &self.cache
    }
}

impl<K, V> Drop for FeedWriter<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    fn drop(&mut self) {
        self.mark_unhealthy(FeedFault::Closed);
    }
}

impl<K, V> fmt::Debug for FeedWriter<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedWriter")
            .field("cache", &self.cache.name())
            .field("feed", &self.state.name)
            .field("healthy", &self.is_healthy())
            .finish()
    }
}

crate::class::declare_class!(
    [K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static, V: StreamValue + Send + Sync + 'static]
    Streamed for FeedWriter<K, V>
);
