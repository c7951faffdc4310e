//! Read latency of a StaticCache while a refresher swaps in a new 1,000-symbol snapshot every
//! millisecond, as percentiles (hdrhistogram), beside what a user would build instead: a
//! `RwLock<Arc<HashMap>>` that a plain thread replaces every millisecond (the lock a user would
//! reach for), and the lock-free floor, an `Arc<HashMap>` that each reader re-fetches only when
//! a generation counter moves (what `arc_swap::Cache` does, in std alone). A row without the
//! refresher shows what the swaps cost, and a row whose refresher does all of a load's work
//! every millisecond but never swaps shows what the refresher's thread alone costs the reader.
//!
//! What is measured: one thread reads keys in a shuffled order through its `StaticReader` (or
//! the contender's equivalent); every batch of 10 reads is timed with the TSC (quanta) and
//! recorded as nanoseconds per read, so the timer's own cost (about 10 ns per batch, 1 ns per
//! read) is in every row alike. The refresher builds each new data set on another thread,
//! outside the measured reads, and frees the data set it replaced one load later, so no reader
//! drops the last reference to a snapshot. On this 2-core machine the refresher, the clock's
//! millisecond ticker and the reader share the two cores, so the refresher's thread can still
//! disturb the reader (the no-swap row shows by how much).
//!
//! What the upper percentiles show depends on where the OS runs the refresher, which each row
//! meets afresh (rows run one after another):
//!
//! - On the other core, the reads after each swap are the first to touch the new snapshot, whose
//!   memory (about three cache lines per lookup: control bytes, bucket, key bytes) was just
//!   written on that core and must move across. With 1,000 keys read in about 12 µs, some 1,000
//!   of the ~55,000 reads of each millisecond (timer included) are such first reads, about 2 %
//!   of the batches, so the p99 lands on them: about 3.5× the p50 for the cache and for the
//!   lock-free floor alike. That is a real cost of reading data refreshed on another core.
//! - On the reader's core, nothing moves across, but the reader loses the refresher's time
//!   slices instead: those show as single batches of tens of microseconds (the max) and as
//!   10-30 % fewer batches than the row without a refresher, while the p99 stays near 1.4× the
//!   p50. A row's batch count tells which case it met; `taskset -c 0` forces the second case
//!   on every row.
//!
//! `cargo bench --bench static_get_refresh` (3 s per row; `HFT_BENCH_SECS=10` for longer)

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use hft_cache::StaticCache;
use rust_decimal::Decimal;

#[path = "common/symbols.rs"]
mod symbols;
use symbols::{lookups, symbols, SymbolInfo, SYMBOLS};

const BATCH: u64 = 10;
const SWAP_EVERY: Duration = Duration::from_millis(1);

fn seconds() -> Duration {
    let secs = std::env::var("HFT_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    Duration::from_secs(secs)
}

/// Times batches of reads by `read` for the run's length; ns per read.
fn measure(mut read: impl FnMut(&str) -> Option<Decimal>) -> Histogram<u64> {
    let keys = lookups();
    let clock = quanta::Clock::new();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 10_000_000, 3).expect("bounds");
    // Warm up: every key once, so the first batches are not cold misses of the run's start.
    for key in &keys {
        black_box(read(key));
    }
    let run = seconds();
    let began = Instant::now();
    let mut i = 0;
    while began.elapsed() < run {
        for _ in 0..1000 {
            let start = clock.raw();
            for _ in 0..BATCH {
                i = (i + 1) % SYMBOLS;
                black_box(read(black_box(&keys[i])));
            }
            let nanos = clock.delta_as_nanos(start, clock.raw());
            histogram.saturating_record((nanos / BATCH).max(1));
        }
    }
    histogram
}

fn print(name: &str, histogram: &Histogram<u64>, swaps: u64) {
    let p50 = histogram.value_at_quantile(0.50);
    let p99 = histogram.value_at_quantile(0.99);
    println!(
        "static_get_refresh/{name:<28} p50 {p50:>4} ns  p90 {:>4} ns  p99 {p99:>4} ns  p99.9 {:>5} ns  max {:>7} ns  p99/p50 {:.2}  ({} batches, {swaps} swaps)",
        histogram.value_at_quantile(0.90),
        histogram.value_at_quantile(0.999),
        histogram.max(),
        p99 as f64 / p50 as f64,
        histogram.len(),
    );
}

/// A thread that calls `swap` every millisecond until dropped.
struct Swapper {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Swapper {
    fn start(mut swap: impl FnMut() + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut swaps = 0;
            let mut next = Instant::now();
            while !running.load(Ordering::Relaxed) {
                swap();
                swaps += 1;
                next += SWAP_EVERY;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            swaps
        });
        Swapper {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

fn hft_cache() -> StaticCache<String, SymbolInfo> {
    let data = Arc::new(symbols());
    StaticCache::<String, SymbolInfo>::builder()
        .name("symbols")
        .max_age(Duration::from_secs(3600))
        .refresh_interval(SWAP_EVERY)
        .loader(move || {
            let data = Arc::clone(&data);
            async move { Ok::<_, std::io::Error>(data.as_ref().clone()) }
        })
        .build()
        .expect("valid settings")
}

/// A loader's work (clone the data set, build the map) every millisecond, with nothing swapped.
fn busy_without_swaps() -> Swapper {
    let data: Arc<Vec<(String, SymbolInfo)>> = Arc::new(symbols());
    Swapper::start(move || {
        let map: HashMap<String, SymbolInfo, ahash::RandomState> =
            data.as_ref().clone().into_iter().collect();
        black_box(map);
    })
}

fn main() {
    // Without a refresher: the reader's own floor.
    let cache = hft_cache();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(cache.refresh()).expect("loaded");
    let mut reader = cache.reader();
    let quiet = measure(|key| reader.read(key, |s| s.tick_size).ok().flatten());
    print("hft_cache_no_refresher", &quiet, 0);

    // The cache's own background refresher, on a tokio runtime of its own, every millisecond.
    let refresher_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let refresher = {
        let _entered = refresher_runtime.enter();
        cache.spawn_refresher()
    };
    let mut before = cache.stats().refreshes;
    let mut swaps = || {
        let now = cache.stats().refreshes;
        std::mem::replace(&mut before, now).abs_diff(now)
    };
    let mut reader = cache.reader();
    let swapped = measure(|key| reader.read(key, |s| s.tick_size).ok().flatten());
    print("hft_cache", &swapped, swaps());
    let shared = measure(|key| cache.read(key, |s| s.tick_size).ok().flatten());
    print("hft_cache_shared_read", &shared, swaps());
    drop(refresher);

    // The refresher's thread without its swaps: what sharing the two cores costs the reader.
    let busy = busy_without_swaps();
    let mut reader = cache.reader();
    let unswapped = measure(|key| reader.read(key, |s| s.tick_size).ok().flatten());
    busy.finish();
    print("hft_cache_busy_no_swap", &unswapped, 0);

    // The floor: a lock around the current map, replaced whole every millisecond.
    type Map = HashMap<String, SymbolInfo, ahash::RandomState>;
    let data: Arc<Vec<(String, SymbolInfo)>> = Arc::new(symbols());
    let locked: Arc<RwLock<Arc<Map>>> =
        Arc::new(RwLock::new(Arc::new(data.iter().cloned().collect())));
    let swapper = {
        let locked = Arc::clone(&locked);
        Swapper::start(move || {
            let next: Map = data.iter().cloned().collect();
            *locked.write().expect("not poisoned") = Arc::new(next);
        })
    };
    let floor = measure(|key| {
        let map = locked.read().expect("not poisoned");
        map.get(key).map(|s| s.tick_size)
    });
    let swaps = swapper.finish();
    print("rwlock_hashmap", &floor, swaps);

    // The lock-free floor: readers keep an `Arc` of the current map and re-fetch it (under a
    // mutex, once per swap) when the generation moves. The old map is kept one swap longer, as
    // the cache's refresher does, so no reader frees one.
    let data: Arc<Vec<(String, SymbolInfo)>> = Arc::new(symbols());
    let current: Arc<Mutex<Arc<Map>>> =
        Arc::new(Mutex::new(Arc::new(data.iter().cloned().collect())));
    let generation = Arc::new(AtomicU64::new(0));
    let swapper = {
        let (current, generation) = (Arc::clone(&current), Arc::clone(&generation));
        let mut retired: Option<Arc<Map>> = None;
        Swapper::start(move || {
            let next: Map = data.iter().cloned().collect();
            let replaced =
                std::mem::replace(&mut *current.lock().expect("not poisoned"), Arc::new(next));
            // Release/Acquire: a reader that sees the new generation finds the new map.
            generation.fetch_add(1, Ordering::Release);
            // The map from two swaps ago is freed here, on this thread.
            drop(retired.replace(replaced));
        })
    };
    let mut seen = (u64::MAX, Arc::clone(&current.lock().expect("not poisoned")));
    let snapshot_floor = measure(|key| {
        let now = generation.load(Ordering::Acquire);
        if now != seen.0 {
            seen = (now, Arc::clone(&current.lock().expect("not poisoned")));
        }
        seen.1.get(key).map(|s| s.tick_size)
    });
    let swaps = swapper.finish();
    print("snapshot_hashmap", &snapshot_floor, swaps);
}
