//! [`SlotTable`]: the key → slot map of a stream cache, which readers and writers search without
//! taking a lock, a guard or a reference count.
//!
//! Keys are only ever added (a removed key keeps its slot, empty), so the table is an
//! open-addressing hash table whose buckets are set once ([`OnceLock`]) and never change. When
//! it is half full, adding a key builds a table of twice the size holding the same slots and
//! makes it current; the old tables stay until the cache drops (together at most as large as
//! the current one), so a search that started in one of them finishes safely, and a search
//! costs one load of the current table's index, the hash and the probe.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::sync;

use super::slot::Slot;

/// Buckets of the first table (a power of two).
const FIRST_BUCKETS: usize = 16;
/// Tables of sizes 16, 32, 64, ...: enough generations for any key count that fits in memory.
const GENERATIONS: usize = 48;

/// One key and its slot.
pub(super) struct Keyed<K, V> {
    hash: u64,
    pub(super) key: K,
    pub(super) slot: sync::Arc<Slot<V>>,
}

type Bucket<K, V> = OnceLock<Arc<Keyed<K, V>>>;
/// One generation's buckets, a power of two of them.
type Table<K, V> = Box<[Bucket<K, V>]>;

pub(super) struct SlotTable<K, V> {
    hasher: ahash::RandomState,
    /// Which of `tables` is current; the tables before it are retired.
    current: AtomicUsize,
    tables: [OnceLock<Table<K, V>>; GENERATIONS],
    /// Serialises adding keys, and counts them.
    adding: Mutex<usize>,
}

impl<K: Eq + Hash, V> SlotTable<K, V> {
    pub(super) fn new() -> Self {
        let table = SlotTable {
            hasher: ahash::RandomState::new(),
            current: AtomicUsize::new(0),
            tables: std::array::from_fn(|_| OnceLock::new()),
            adding: Mutex::new(0),
        };
        let _ = table.tables[0].set(empty_buckets(FIRST_BUCKETS));
        table
    }

    /// The key and slot for `key`, if it was ever added.
    #[inline]
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&Keyed<K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        find(self.buckets(), hash, key)
    }

    /// The slot for `key`, added (empty) if it is new.
    pub(super) fn get_or_add(&self, key: K) -> &Keyed<K, V> {
        if let Some(found) = self.get(&key) {
            return found;
        }
        self.add(key)
    }

    #[cold]
    #[inline(never)]
    fn add(&self, key: K) -> &Keyed<K, V> {
        let mut count = self
            .adding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hash = self.hasher.hash_one(&key);
        if let Some(found) = find(self.buckets(), hash, &key) {
            return found;
        }
        let mut generation = self.current.load(Ordering::Relaxed);
        if (*count + 1) * 2 > self.tables[generation].get().map_or(0, |t| t.len()) {
            let old = self.buckets();
            let grown = empty_buckets(old.len() * 2);
            for keyed in old.iter().filter_map(OnceLock::get) {
                insert(&grown, Arc::clone(keyed));
            }
            generation += 1;
            assert!(generation < GENERATIONS, "stream cache key table full");
            let _ = self.tables[generation].set(grown);
            // Release: a search that loads the new index sees the new table filled in.
            self.current.store(generation, Ordering::Release);
        }
        *count += 1;
        insert(
            self.buckets(),
            Arc::new(Keyed {
                hash,
                key,
                slot: sync::Arc::new(Slot::new()),
            }),
        )
    }

    /// Every key added so far, with its slot.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Keyed<K, V>> {
        self.buckets()
            .iter()
            .filter_map(|bucket| bucket.get().map(|keyed| &**keyed))
    }

    #[inline]
    fn buckets(&self) -> &[Bucket<K, V>] {
        // Acquire: pairs with the store in `add`.
        let generation = self.current.load(Ordering::Acquire);
        match self.tables[generation].get() {
            Some(table) => table,
            None => unreachable!("the current table is always built"),
        }
    }
}

fn empty_buckets<K, V>(len: usize) -> Table<K, V> {
    (0..len).map(|_| OnceLock::new()).collect()
}

#[inline]
fn find<'t, K, V, Q>(buckets: &'t [Bucket<K, V>], hash: u64, key: &Q) -> Option<&'t Keyed<K, V>>
where
    K: Borrow<Q>,
    Q: Eq + ?Sized,
{
    let mask = buckets.len() - 1;
    let mut index = hash as usize & mask;
    // At most half the buckets are set, so the probe meets an empty one.
    loop {
        let keyed = buckets[index].get()?;
        if keyed.hash == hash && keyed.key.borrow() == key {
            return Some(keyed);
        }
        index = (index + 1) & mask;
    }
}

/// Puts `keyed` in the first empty bucket of its probe sequence (only under the adding lock).
fn insert<K, V>(buckets: &[Bucket<K, V>], keyed: Arc<Keyed<K, V>>) -> &Keyed<K, V> {
    let mask = buckets.len() - 1;
    let mut index = keyed.hash as usize & mask;
    while buckets[index].get().is_some() {
        index = (index + 1) & mask;
    }
    let _ = buckets[index].set(keyed);
    match buckets[index].get() {
        Some(keyed) => keyed,
        None => unreachable!("just set"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_across_growth_and_old_lookups_stay_valid() {
        let table = SlotTable::<String, u64>::new();
        let first = table.get_or_add("k0".to_string()) as *const Keyed<String, u64>;
        for i in 0..1000 {
            table.get_or_add(format!("k{i}"));
        }
        for i in 0..1000 {
            let keyed = table.get(format!("k{i}").as_str()).unwrap();
            assert_eq!(keyed.key, format!("k{i}"));
        }
        assert!(table.get("nope").is_none());
        assert_eq!(table.iter().count(), 1000);
        // The same `Keyed` (and slot) in every generation.
        assert!(std::ptr::eq(first, table.get("k0").unwrap()));
    }

    #[test]
    fn concurrent_adds_and_lookups_agree() {
        let table = SlotTable::<u64, u64>::new();
        std::thread::scope(|scope| {
            for t in 0..2u64 {
                let table = &table;
                scope.spawn(move || {
                    for i in 0..5000u64 {
                        let slot = sync::Arc::as_ptr(&table.get_or_add(i).slot);
                        assert!(std::ptr::eq(
                            slot,
                            sync::Arc::as_ptr(&table.get(&i).unwrap().slot)
                        ));
                        let _ = table.get(&(i + t));
                    }
                });
            }
        });
        assert_eq!(table.iter().count(), 5000);
    }
}
