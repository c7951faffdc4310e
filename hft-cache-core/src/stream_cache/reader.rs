//! [`StreamReader`]: one thread's handle for hot-loop reads.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use super::{Entry, Slot, StreamCache, StreamReadError};
use crate::cache_core::{Read, READS};
use crate::counters::LocalCounters;
use crate::policy::{CacheKey, StreamValue};

type SlotCache<V> = arc_swap::Cache<Arc<Slot<V>>, Option<Arc<Entry<V>>>>;

/// A [`StreamCache`] reader for one thread (from [`StreamCache::reader`]).
///
/// It keeps, per key it has read, the key's slot and the entry it last saw there; a read
/// compares that entry with the slot's current one (one relaxed pointer load) and only loads
/// anew after an update. Every read still checks the current entry's age, its feed's health and
/// the kill switch, exactly as [`StreamCache::read`] does.
///
/// ```
/// use hft_cache::{StreamCache, Streamed};
///
/// #[derive(Streamed)]
/// struct Ticker {
///     bid: u64,
/// }
///
/// let tickers = StreamCache::<String, Ticker>::builder().build().unwrap();
/// let feed = tickers.custom_transport_writer("ws");
/// feed.publish("BTCUSDT".into(), Ticker { bid: 100 });
///
/// let mut reader = tickers.reader();
/// assert_eq!(reader.read("BTCUSDT", |t| t.bid), Ok(100));
/// feed.publish("BTCUSDT".into(), Ticker { bid: 101 });
/// assert_eq!(reader.read("BTCUSDT", |t| t.bid), Ok(101));
/// ```
pub struct StreamReader<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    cache: StreamCache<K, V>,
    slots: HashMap<K, SlotCache<V>, ahash::RandomState>,
    /// Hits, counted on a cache line only this reader writes.
    counts: LocalCounters<READS>,
}

impl<K, V> StreamReader<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    pub(super) fn new(cache: StreamCache<K, V>) -> Self {
        let counts = cache.shared.core.local_counters();
        StreamReader {
            cache,
            slots: HashMap::default(),
            counts,
        }
    }

    /// Reads the value for `key` with `f`, as [`StreamCache::read`].
    ///
    /// # Errors
    ///
    /// As [`StreamCache::read`].
    #[inline]
    pub fn read<Q, R>(&mut self, key: &Q, f: impl FnOnce(&V) -> R) -> Result<R, StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let counts = &mut self.counts;
        match self.slots.get_mut(key) {
            Some(slot) => {
                let entry = slot.load().as_deref();
                self.cache
                    .shared
                    .read_counted(entry, f, |read| counts.bump(read as usize))
            }
            None => self.read_new_key(key, f),
        }
    }

    /// First read of a key by this reader: find its slot in the shared map and remember it.
    #[cold]
    fn read_new_key<Q, R>(&mut self, key: &Q, f: impl FnOnce(&V) -> R) -> Result<R, StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shared = &*self.cache.shared;
        let slots = shared.body.slots.load();
        let counts = &mut self.counts;
        let count = |read: Read| counts.bump(read as usize);
        let Some((key, slot)) = slots.get_key_value(key) else {
            return shared.read_counted(None, f, count);
        };
        let slot = self
            .slots
            .entry(key.clone())
            .or_insert_with(|| arc_swap::Cache::new(Arc::clone(slot)));
        shared.read_counted(slot.load().as_deref(), f, count)
    }
}

impl<K, V> fmt::Debug for StreamReader<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("cache", &self.cache.name())
            .field("keys", &self.slots.len())
            .finish()
    }
}

crate::class::declare_class!(
    [K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static, V: StreamValue + Send + Sync + 'static]
    Streamed for StreamReader<K, V>
);
