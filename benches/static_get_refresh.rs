//! Read latency of a StaticCache while a refresher swaps in a new 1,000-symbol snapshot every
//! millisecond, as percentiles (hdrhistogram), beside its floor: a `RwLock<Arc<HashMap>>` that a
//! plain thread replaces every millisecond, the lock a user would reach for. A row without the
//! refresher shows what the swaps cost.
//!
//! What is measured: one thread reads keys in a shuffled order through its `StaticReader`; every
//! batch of 10 reads is timed with the TSC (quanta) and recorded as nanoseconds per read, so
//! the timer's own cost (about 10 ns per batch) is spread over the batch. The refresher builds
//! each new data set on another thread, outside the measured reads; a reader's first look at a
//! new snapshot pulls its lines from the other core's cache, which is what the upper
//! percentiles show.
//!
//! `cargo bench --bench static_get_refresh` (3 s per row; `HFT_BENCH_SECS=10` for longer)

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
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
}
