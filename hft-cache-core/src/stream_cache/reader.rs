//! [`StreamReader`]: one thread's handle for hot-loop reads.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use super::{Entry, Slot, StreamCache, StreamReadError};
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
/// let tickers = StreamCache::<String, Ticker>::builder().build();
/// let feed = tickers.feed("ws");
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
}

impl<K, V> StreamReader<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    pub(super) fn new(cache: StreamCache<K, V>) -> Self {
        StreamReader {
            cache,
            slots: HashMap::default(),
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
        if let Some(slot) = self.slots.get_mut(key) {
            let entry = slot.load().as_deref();
            return self.cache.check(entry, f);
        }
        self.read_new_key(key, f)
    }

    /// First read of a key by this reader: find its slot in the shared map and remember it.
    #[cold]
    fn read_new_key<Q, R>(&mut self, key: &Q, f: impl FnOnce(&V) -> R) -> Result<R, StreamReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slots = self.cache.shared.slots.load();
        let Some((key, slot)) = slots.get_key_value(key) else {
            return self.cache.check(None, f);
        };
        let slot = self
            .slots
            .entry(key.clone())
            .or_insert_with(|| arc_swap::Cache::new(Arc::clone(slot)));
        let entry = slot.load().as_deref();
        self.cache.check(entry, f)
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
