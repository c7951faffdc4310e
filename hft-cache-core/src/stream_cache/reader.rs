//! [`StreamReader`]: one thread's handle for hot-loop reads.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use super::slot::HeldSlot;
use super::{StreamCache, StreamReadError};
use crate::cache_core::{Read, READS};
use crate::counters::LocalCounters;
use crate::policy::{CacheKey, StreamValue};

/// A [`StreamCache`] reader for one thread (from [`StreamCache::reader`]).
///
/// It keeps, per key it has read, the key's slot and a hold on the entry it last saw there; a
/// read compares that entry with the slot's current one (one pointer load) and only takes a
/// new hold after an update. (The writer does not reuse a held entry's storage until the reader
/// moves on, so a reader that stops reading a key keeps one old entry of it alive.) Every read
/// still checks the current entry's age, its feed's health and the kill switch, exactly as
/// [`StreamCache::read`] does.
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
    slots: HashMap<K, HeldSlot<V>, ahash::RandomState>,
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
                let entry = slot.load();
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
        let counts = &mut self.counts;
        let count = |read: Read| counts.bump(read as usize);
        let Some(keyed) = shared.body.slots.get(key) else {
            return shared.read_counted(None, f, count);
        };
        let slot = self
            .slots
            .entry(keyed.key.clone())
            .or_insert_with(|| HeldSlot::new(crate::sync::Arc::clone(&keyed.slot)));
        shared.read_counted(slot.load(), f, count)
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
