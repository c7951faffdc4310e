//! A hit on one of 1,000 symbols in a StaticCache, side by side with what a user would pick
//! instead. Each read returns the symbol's tick size.
//!
//! `cargo bench --bench static_get -- --warm-up-time 1 --measurement-time 2`

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{mpsc, Arc, Barrier, RwLock};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hft_cache::StaticCache;
use rust_decimal::Decimal;

#[path = "common/paired.rs"]
mod paired;
#[path = "common/symbols.rs"]
mod symbols;
use symbols::{lookups, symbols, SymbolInfo, SYMBOLS};

fn hft_cache() -> StaticCache<String, SymbolInfo> {
    let cache = StaticCache::<String, SymbolInfo>::builder()
        .name("symbols")
        .loader(|| async { Ok::<_, std::io::Error>(symbols()) })
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(cache.refresh()).unwrap();
    cache
}

type AMap<V> = HashMap<String, V, ahash::RandomState>;

/// The contenders, each behind one lookup function so the 1- and 2-thread runs share them.
#[derive(Clone)]
enum Contender {
    /// The hot-loop path: a per-thread `StaticReader`.
    HftCache(StaticCache<String, SymbolInfo>),
    /// `StaticCache::read(&self)`, without a reader handle.
    HftCacheShared(StaticCache<String, SymbolInfo>),
    StdHashMap(Arc<AMap<SymbolInfo>>),
    RwLockHashMap(Arc<RwLock<AMap<SymbolInfo>>>),
    DashMap(Arc<dashmap::DashMap<String, SymbolInfo, ahash::RandomState>>),
    Moka(moka::sync::Cache<String, Arc<SymbolInfo>>),
    QuickCache(Arc<quick_cache::sync::Cache<String, Arc<SymbolInfo>>>),
}

impl Contender {
    fn build(name: &str) -> Self {
        let data = symbols();
        match name {
            "hft_cache" => Contender::HftCache(hft_cache()),
            "hft_cache_shared_read" => Contender::HftCacheShared(hft_cache()),
            "std_hashmap" => Contender::StdHashMap(Arc::new(data.into_iter().collect())),
            "rwlock_hashmap" => {
                Contender::RwLockHashMap(Arc::new(RwLock::new(data.into_iter().collect())))
            }
            "dashmap" => Contender::DashMap(Arc::new(data.into_iter().collect())),
            "moka" => {
                let cache = moka::sync::Cache::new(SYMBOLS as u64 * 2);
                for (k, v) in data {
                    cache.insert(k, Arc::new(v));
                }
                Contender::Moka(cache)
            }
            "quick_cache" => {
                let cache = quick_cache::sync::Cache::new(SYMBOLS * 2);
                for (k, v) in data {
                    cache.insert(k, Arc::new(v));
                }
                Contender::QuickCache(Arc::new(cache))
            }
            other => unreachable!("{other}"),
        }
    }

    /// A lookup function for one thread (readers are per-thread handles).
    fn lookup(&self) -> impl FnMut(&str) -> Option<Decimal> + '_ {
        let mut reader = match self {
            Contender::HftCache(c) => Some(c.reader()),
            _ => None,
        };
        move |key| match &mut reader {
            Some(r) => r.read(key, |s| s.tick_size).ok().flatten(),
            None => self.tick_size(key),
        }
    }

    #[inline]
    fn tick_size(&self, key: &str) -> Option<Decimal> {
        match self {
            Contender::HftCache(c) | Contender::HftCacheShared(c) => {
                c.read(key, |s| s.tick_size).ok().flatten()
            }
            Contender::StdHashMap(m) => m.get(key).map(|s| s.tick_size),
            Contender::RwLockHashMap(m) => m.read().unwrap().get(key).map(|s| s.tick_size),
            Contender::DashMap(m) => m.get(key).map(|s| s.tick_size),
            Contender::Moka(c) => c.get(key).map(|s| s.tick_size),
            Contender::QuickCache(c) => c.get(key).map(|s| s.tick_size),
        }
    }
}

fn single_thread(c: &mut Criterion) {
    let keys = lookups();
    let mut group = c.benchmark_group("static_get");
    for name in [
        "hft_cache",
        "hft_cache_shared_read",
        "std_hashmap",
        "rwlock_hashmap",
        "dashmap",
        "moka",
        "quick_cache",
    ] {
        let contender = Contender::build(name);
        let mut lookup = contender.lookup();
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % SYMBOLS;
                black_box(lookup(black_box(&keys[i])))
            })
        });
    }
    group.finish();
}

/// Two reader threads at once; the reported time is wall time per read, so half the
/// single-thread time means double the throughput.
///
/// What is measured: only the read loops. The two reader threads are spawned once per
/// contender, each makes its lookup handle (a `StaticReader` for `hft_cache`), takes its counter
/// slot and reads every key once before the first sample, then parks between samples. A sample
/// starts both loops together (a barrier) and each thread times its own `iters` reads; the
/// slower of the two is the sample. Thread creation, handle setup and cold caches are thus
/// outside every sample (criterion's `iter_custom` would otherwise pay them per sample).
fn two_threads(c: &mut Criterion) {
    let keys = Arc::new(lookups());
    let mut group = c.benchmark_group("static_get_2threads");
    // `std_hashmap` is the machine's own ceiling: a read-only map with nothing shared.
    for name in ["hft_cache", "std_hashmap", "moka", "quick_cache", "dashmap"] {
        let readers = ReaderPair::start(Contender::build(name), &keys);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                // 2 × iters reads took the slower thread's time: report the time of `iters`.
                readers.run(iters) / 2
            })
        });
    }
    group.finish();
}

/// Two parked reader threads that run `iters` lookups each on demand.
struct ReaderPair {
    orders: Vec<mpsc::Sender<u64>>,
    times: mpsc::Receiver<Duration>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl ReaderPair {
    fn start(contender: Contender, keys: &Arc<Vec<String>>) -> Self {
        let (time_tx, times) = mpsc::channel();
        let start = Arc::new(Barrier::new(2));
        let mut orders = Vec::new();
        let mut threads = Vec::new();
        for t in 0..2 {
            let (order_tx, order_rx) = mpsc::channel::<u64>();
            let (contender, keys, start, time_tx) = (
                contender.clone(),
                keys.clone(),
                start.clone(),
                time_tx.clone(),
            );
            threads.push(std::thread::spawn(move || {
                let mut lookup = contender.lookup();
                for key in keys.iter() {
                    black_box(lookup(key));
                }
                while let Ok(iters) = order_rx.recv() {
                    start.wait();
                    let began = Instant::now();
                    for i in 0..iters as usize {
                        let key = &keys[(i * 7 + t * 500) % SYMBOLS];
                        black_box(lookup(black_box(key)));
                    }
                    let _ = time_tx.send(began.elapsed());
                }
            }));
            orders.push(order_tx);
        }
        ReaderPair {
            orders,
            times,
            threads,
        }
    }

    /// The slower thread's time for `iters` lookups on each thread.
    fn run(&self, iters: u64) -> Duration {
        for order in &self.orders {
            order.send(iters).expect("reader thread alive");
        }
        (0..self.orders.len())
            .map(|_| self.times.recv().expect("reader thread alive"))
            .max()
            .unwrap_or(Duration::ZERO)
    }
}

impl Drop for ReaderPair {
    fn drop(&mut self) {
        self.orders.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The table's ratios, measured alternately (see `common/paired.rs`): per round, 20,000 reads
/// on one thread, or 20,000 reads on each of two threads.
fn paired_ratios(_: &mut Criterion) {
    const READS: u64 = 20_000;
    const ROUNDS: usize = 300;
    let keys = Arc::new(lookups());
    let single = |name: &str| {
        let contender = Contender::build(name);
        let keys = keys.clone();
        move || {
            let mut lookup = contender.lookup();
            let began = Instant::now();
            for i in 0..READS as usize {
                black_box(lookup(black_box(&keys[(i * 7) % SYMBOLS])));
            }
            began.elapsed()
        }
    };
    paired::print_ratio(
        "static_get/hft_cache vs std_hashmap",
        ROUNDS,
        single("hft_cache"),
        single("std_hashmap"),
    );
    for other in ["moka", "quick_cache"] {
        paired::print_ratio(
            &format!("static_get/{other} vs hft_cache"),
            ROUNDS / 3,
            single(other),
            single("hft_cache"),
        );
    }
    let (ours, map) = (
        ReaderPair::start(Contender::build("hft_cache"), &keys),
        ReaderPair::start(Contender::build("std_hashmap"), &keys),
    );
    paired::print_ratio(
        "static_get_2threads/hft_cache vs std_hashmap (wall time per read)",
        ROUNDS,
        || ours.run(READS) / 2,
        || map.run(READS) / 2,
    );
    paired::print_ratio(
        "static_get/hft_cache one thread vs two (throughput gain of the second thread)",
        ROUNDS,
        single("hft_cache"),
        || ours.run(READS) / 2,
    );
    paired::print_ratio(
        "static_get/std_hashmap one thread vs two (the machine's own gain)",
        ROUNDS,
        single("std_hashmap"),
        || map.run(READS) / 2,
    );
}

criterion_group!(benches, single_thread, two_threads, paired_ratios);
criterion_main!(benches);
