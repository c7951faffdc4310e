//! `StreamCache`: the latest streamed value per key.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

use crate::policy::{CacheKey, StreamValue};
use crate::{class, Classified};

/// A cache of streamed market data (order books, tickers), written only by a stream feed.
pub struct StreamCache<K: CacheKey, V: StreamValue> {
    map: RwLock<HashMap<K, V>>,
}

impl<K: CacheKey + Eq + Hash, V: StreamValue> StreamCache<K, V> {
    /// An empty cache.
    pub fn new() -> Self {
        StreamCache {
            map: RwLock::new(HashMap::new()),
        }
    }

    /// Inserts a value.
    pub fn insert(&self, key: K, value: V) {
        self.map.write().unwrap().insert(key, value);
    }

    /// A copy of the value for `key`.
    pub fn get(&self, key: &K) -> Option<V>
    where
        V: Clone,
    {
        self.map.read().unwrap().get(key).cloned()
    }
}

impl<K: CacheKey + Eq + Hash, V: StreamValue> Default for StreamCache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: CacheKey, V: StreamValue> Classified for StreamCache<K, V> {
    type Class = class::Streamed;
}
