//! Reading and updating the latest ticker of one of 100 symbols in a StreamCache, side by side
//! with the maps a user would pick instead. Every read includes the staleness check, against
//! the same coarse clock reading ours uses. Also: what a clock read costs.
//!
//! `cargo bench --bench stream_get`

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use hft_cache::clock::{Clock, ManualClock, SystemClock, Timestamp};
use hft_cache::{StreamCache, Streamed};
use rust_decimal::Decimal;

#[path = "common/paired.rs"]
mod paired;

/// Declares an hour's max age (a cache may not raise its type's), so that nothing goes stale
/// during a run.
#[derive(Streamed, Clone, Debug)]
#[hft(max_age_ms = 3_600_000)]
#[allow(dead_code)]
struct Ticker {
    bid: Decimal,
    bid_qty: Decimal,
    ask: Decimal,
    ask_qty: Decimal,
}

const SYMBOLS: usize = 100;
/// Long enough that nothing goes stale during a run: every read takes the fresh path.
const MAX_AGE: Duration = Duration::from_secs(3600);

fn ticker(i: usize) -> Ticker {
    Ticker {
        bid: Decimal::new(100_000 + i as i64, 2),
        bid_qty: Decimal::new(5, 1),
        ask: Decimal::new(100_001 + i as i64, 2),
        ask_qty: Decimal::new(7, 1),
    }
}

fn keys() -> Vec<String> {
    (0..SYMBOLS).map(|i| format!("C{i:03}XUSDT")).collect()
}

type AMap<V> = HashMap<String, V, ahash::RandomState>;

/// What a hand-rolled map stores to check staleness itself.
struct Stamped {
    ticker: Ticker,
    at: Timestamp,
}

#[inline]
fn fresh(clock: &SystemClock, at: Timestamp) -> bool {
    clock.recent() <= at.saturating_add(MAX_AGE)
}

fn reads(c: &mut Criterion) {
    let keys = keys();
    let clock = SystemClock::new();
    let mut group = c.benchmark_group("stream_get");

    // One cache per contender, built the same way, with a max age no run outlasts.
    let filled = || {
        let cache = StreamCache::<String, Ticker>::builder()
            .name("tickers")
            .max_age(MAX_AGE)
            .build()
            .unwrap();
        let feed = cache.custom_transport_writer("ws");
        for (i, k) in keys.iter().enumerate() {
            feed.publish(k.clone(), ticker(i));
        }
        (cache, feed)
    };
    let mut i = 0;
    let (cache, _feed) = filled();
    let mut reader = cache.reader();
    group.bench_function("hft_cache", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            black_box(reader.read(black_box(keys[i].as_str()), |t| t.bid).ok())
        })
    });
    let (shared_cache, _shared_feed) = filled();
    group.bench_function("hft_cache_shared_read", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            black_box(
                shared_cache
                    .read(black_box(keys[i].as_str()), |t| t.bid)
                    .ok(),
            )
        })
    });
    let stamped = || -> AMap<Stamped> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                let s = Stamped {
                    ticker: ticker(i),
                    at: clock.now(),
                };
                (k.clone(), s)
            })
            .collect()
    };
    let map = stamped();
    group.bench_function("std_hashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let s = map.get(black_box(keys[i].as_str()));
            black_box(s.filter(|s| fresh(&clock, s.at)).map(|s| s.ticker.bid))
        })
    });
    let locked = RwLock::new(stamped());
    group.bench_function("rwlock_hashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let map = locked.read().unwrap();
            let s = map.get(black_box(keys[i].as_str()));
            black_box(s.filter(|s| fresh(&clock, s.at)).map(|s| s.ticker.bid))
        })
    });
    let dash: dashmap::DashMap<String, Stamped, ahash::RandomState> =
        stamped().into_iter().collect();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let s = dash.get(black_box(keys[i].as_str()));
            black_box(s.filter(|s| fresh(&clock, s.at)).map(|s| s.ticker.bid))
        })
    });
    group.finish();
}

fn updates(c: &mut Criterion) {
    let keys = keys();
    let clock = SystemClock::new();
    let mut group = c.benchmark_group("stream_update");

    let cache = StreamCache::<String, Ticker>::builder()
        .name("tickers")
        .build()
        .unwrap();
    let feed = cache.custom_transport_writer("ws");
    let mut i = 0;
    group.bench_function("hft_cache", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            feed.publish(keys[i].clone(), ticker(i));
        })
    });
    let mut map: AMap<Stamped> = AMap::default();
    group.bench_function("std_hashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let at = clock.now();
            map.insert(
                keys[i].clone(),
                Stamped {
                    ticker: ticker(i),
                    at,
                },
            );
        })
    });
    let locked: RwLock<AMap<Stamped>> = RwLock::default();
    group.bench_function("rwlock_hashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let at = clock.now();
            locked.write().unwrap().insert(
                keys[i].clone(),
                Stamped {
                    ticker: ticker(i),
                    at,
                },
            );
        })
    });
    let dash: dashmap::DashMap<String, Stamped, ahash::RandomState> = Default::default();
    group.bench_function("dashmap", |b| {
        b.iter(|| {
            i = (i + 1) % SYMBOLS;
            let at = clock.now();
            dash.insert(
                keys[i].clone(),
                Stamped {
                    ticker: ticker(i),
                    at,
                },
            );
        })
    });
    group.finish();
}

/// Why the production clock is quanta: what each way of reading the time costs.
fn clock_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("clock_read");
    let system = SystemClock::new();
    let manual = ManualClock::new();
    group.bench_function("std_instant_now", |b| b.iter(|| black_box(Instant::now())));
    group.bench_function("system_clock_now", |b| b.iter(|| black_box(system.now())));
    group.bench_function("system_clock_recent", |b| {
        b.iter(|| black_box(system.recent()))
    });
    group.bench_function("manual_clock_now", |b| b.iter(|| black_box(manual.now())));
    group.finish();
}

/// The table's ratios, measured alternately (see `common/paired.rs`): per round, 20,000 reads
/// or 2,000 updates.
fn paired_ratios(_: &mut Criterion) {
    const READS: usize = 20_000;
    const UPDATES: usize = 2_000;
    const ROUNDS: usize = 300;
    let keys = keys();
    let clock = SystemClock::new();
    let cache = StreamCache::<String, Ticker>::builder()
        .name("tickers")
        .max_age(MAX_AGE)
        .build()
        .unwrap();
    let feed = cache.custom_transport_writer("ws");
    let mut map = AMap::<Stamped>::default();
    for (i, k) in keys.iter().enumerate() {
        feed.publish(k.clone(), ticker(i));
        let at = clock.now();
        map.insert(
            k.clone(),
            Stamped {
                ticker: ticker(i),
                at,
            },
        );
    }
    let mut reader = cache.reader();
    let map = std::cell::RefCell::new(map);
    paired::print_ratio(
        "stream_get/hft_cache vs std_hashmap",
        ROUNDS,
        || {
            let began = Instant::now();
            for i in 0..READS {
                let key = keys[(i * 7) % SYMBOLS].as_str();
                black_box(reader.read(black_box(key), |t| t.bid).ok());
            }
            began.elapsed()
        },
        || {
            let map = map.borrow();
            let began = Instant::now();
            for i in 0..READS {
                let s = map.get(black_box(keys[(i * 7) % SYMBOLS].as_str()));
                black_box(s.filter(|s| fresh(&clock, s.at)).map(|s| s.ticker.bid));
            }
            began.elapsed()
        },
    );
    paired::print_ratio(
        "stream_update/hft_cache vs std_hashmap",
        ROUNDS,
        || {
            let began = Instant::now();
            for i in 0..UPDATES {
                let i = (i * 7) % SYMBOLS;
                feed.publish(keys[i].clone(), ticker(i));
            }
            began.elapsed()
        },
        || {
            let mut map = map.borrow_mut();
            let began = Instant::now();
            for i in 0..UPDATES {
                let i = (i * 7) % SYMBOLS;
                let at = clock.now();
                map.insert(
                    keys[i].clone(),
                    Stamped {
                        ticker: ticker(i),
                        at,
                    },
                );
            }
            began.elapsed()
        },
    );
    // The floors a reader could share: a write lock, and dashmap's sharded locks.
    let locked: RwLock<AMap<Stamped>> = RwLock::default();
    let dash: dashmap::DashMap<String, Stamped, ahash::RandomState> = Default::default();
    let publish_all = || {
        let began = Instant::now();
        for i in 0..UPDATES {
            let i = (i * 7) % SYMBOLS;
            feed.publish(keys[i].clone(), ticker(i));
        }
        began.elapsed()
    };
    paired::print_ratio(
        "stream_update/hft_cache vs rwlock_hashmap",
        ROUNDS,
        publish_all,
        || {
            let began = Instant::now();
            for i in 0..UPDATES {
                let i = (i * 7) % SYMBOLS;
                let at = clock.now();
                let stamped = Stamped {
                    ticker: ticker(i),
                    at,
                };
                locked.write().unwrap().insert(keys[i].clone(), stamped);
            }
            began.elapsed()
        },
    );
    paired::print_ratio(
        "stream_update/hft_cache vs dashmap",
        ROUNDS,
        publish_all,
        || {
            let began = Instant::now();
            for i in 0..UPDATES {
                let i = (i * 7) % SYMBOLS;
                let at = clock.now();
                dash.insert(
                    keys[i].clone(),
                    Stamped {
                        ticker: ticker(i),
                        at,
                    },
                );
            }
            began.elapsed()
        },
    );
}

criterion_group!(benches, reads, updates, clock_read, paired_ratios);
criterion_main!(benches);
