//! `StaticCache`: static data with a max age.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

use crate::policy::{CacheKey, StaticValue};
use crate::{class, Classified};

/// A cache of static data (symbol info, trading rules, fees, exchange config).
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
    map: RwLock<HashMap<K, V>>,
}

impl<K: CacheKey + Eq + Hash, V: StaticValue> StaticCache<K, V> {
    /// An empty cache.
    pub fn new() -> Self {
        StaticCache {
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

impl<K: CacheKey + Eq + Hash, V: StaticValue> Default for StaticCache<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: CacheKey, V: StaticValue> Classified for StaticCache<K, V> {
    type Class = class::Static;
}
