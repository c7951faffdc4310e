//! [`StaticReader`]: one thread's handle for hot-loop reads.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use crate::sync::arc_swap::{ArcSwap, Cache};

use super::{Shared, Snapshot, StaticReadError};
use crate::cache_core::READS;
use crate::counters::LocalCounters;
use crate::policy::{CacheKey, StaticValue};

type SnapshotCache<K, V> = Cache<Arc<ArcSwap<Snapshot<K, V>>>, Arc<Snapshot<K, V>>>;

/// A [`StaticCache`](super::StaticCache) reader for one thread (from
/// [`StaticCache::reader`](super::StaticCache::reader)).
///
/// It keeps the served snapshot and checks on each read, with one relaxed pointer comparison,
/// whether a refresh or the kill switch replaced it; a hit then costs the map lookup and the
/// same staleness check as any read (one relaxed load of the coarse clock and a compare). It
/// holds on to a replaced snapshot's memory until its next read, never to its data: every read
/// sees the current snapshot.
///
/// ```
/// # use hft_cache::{Static, StaticCache};
/// # #[derive(Static)] struct SymbolInfo { tick_size: u64 }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let symbols = StaticCache::<String, SymbolInfo>::builder()
/// #     .loader(|| async { Ok::<_, std::io::Error>(vec![("BTCUSDT".to_string(), SymbolInfo { tick_size: 1 })]) })
/// #     .build()?;
/// # symbols.refresh().await?;
/// let mut reader = symbols.reader();
/// for _ in 0..1000 {
///     let tick = reader.read("BTCUSDT", |s| s.tick_size)?;
///     assert_eq!(tick, Some(1));
/// }
/// # Ok(()) }
/// ```
pub struct StaticReader<K, V> {
    shared: Arc<Shared<K, V>>,
    snapshot: SnapshotCache<K, V>,
    /// Hits and misses, counted on a cache line only this reader writes.
    counts: LocalCounters<READS>,
}

impl<K, V> StaticReader<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    pub(super) fn new(shared: Arc<Shared<K, V>>) -> Self {
        let snapshot = Cache::new(Arc::clone(&shared.body.served));
        let counts = shared.core.local_counters();
        StaticReader {
            shared,
            snapshot,
            counts,
        }
    }

    /// Reads the value for `key` with `f`, as [`StaticCache::read`](super::StaticCache::read).
    ///
    /// # Errors
    ///
    /// As [`StaticCache::read`](super::StaticCache::read).
    #[inline]
    pub fn read<Q, R>(
        &mut self,
        key: &Q,
        f: impl FnOnce(&V) -> R,
    ) -> Result<Option<R>, StaticReadError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let snapshot = &**self.snapshot.load();
        let counts = &mut self.counts;
        self.shared
            .read_counted(snapshot, key, f, |read| counts.bump(read as usize))
    }
}

impl<K, V> fmt::Debug for StaticReader<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticReader")
            .field("cache", self.shared.core.name())
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!([K: CacheKey, V: StaticValue] Static for StaticReader<K, V>);
