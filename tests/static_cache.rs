//! StaticCache: loading, coalescing, failure and recovery, staleness at the exact boundary, the
//! background refresher, and concurrent readers during refreshes.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hft_cache::clock::{Clock, ManualClock};
use hft_cache::monitor::MonitoredCache;
use hft_cache::static_cache::{StaticCacheBuildError, StaticReadError};
use hft_cache::{Static, StaticCache};
use proptest::prelude::*;

#[derive(Static, Clone, Debug, PartialEq)]
struct SymbolInfo {
    tick_size: u64,
    min_qty: u64,
    /// Which load produced it.
    generation: u64,
}

fn info(generation: u64) -> SymbolInfo {
    SymbolInfo {
        tick_size: 1,
        min_qty: 10,
        generation,
    }
}

/// A loader whose outcome tests switch, counting its calls.
#[derive(Clone, Default)]
struct Source {
    calls: Arc<AtomicU64>,
    failing: Arc<AtomicBool>,
}

impl Source {
    fn cache(&self, clock: &ManualClock, max_age: Duration) -> StaticCache<String, SymbolInfo> {
        let source = self.clone();
        StaticCache::builder()
            .name("symbols")
            .max_age(max_age)
            .refresh_interval(max_age / 4)
            .clock(clock.shared())
            .loader(move || {
                let source = source.clone();
                async move {
                    let generation = source.calls.fetch_add(1, Ordering::SeqCst) + 1;
                    if source.failing.load(Ordering::SeqCst) {
                        return Err(std::io::Error::other("exchangeInfo: HTTP 503"));
                    }
                    Ok(vec![
                        ("BTCUSDT".to_string(), info(generation)),
                        ("ETHUSDT".to_string(), info(generation)),
                    ])
                }
            })
            .build()
            .unwrap()
    }
}

const MAX_AGE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn reads_before_the_first_load_are_refused() {
    let cache = Source::default().cache(&ManualClock::new(), MAX_AGE);
    assert!(matches!(
        cache.read("BTCUSDT", |s| s.tick_size),
        Err(StaticReadError::NeverLoaded { .. })
    ));
}

#[tokio::test]
async fn absent_keys_are_ok_none_and_distinct_from_stale() {
    let cache = Source::default().cache(&ManualClock::new(), MAX_AGE);
    cache.refresh().await.unwrap();
    assert_eq!(cache.get("BTCUSDT").unwrap(), Some(info(1)));
    assert_eq!(cache.read("DOGEUSDT", |s| s.tick_size).unwrap(), None);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.refreshes), (1, 1, 1));
}

#[tokio::test]
async fn reader_counts_join_the_caches_and_outlive_the_reader() {
    let clock = ManualClock::new();
    let cache = Source::default().cache(&clock, MAX_AGE);
    cache.refresh().await.unwrap();
    let mut reader = cache.reader();
    for _ in 0..5 {
        assert_eq!(reader.read("BTCUSDT", |s| s.generation), Ok(Some(1)));
    }
    assert_eq!(reader.read("DOGEUSDT", |s| s.generation), Ok(None));
    cache.read("ETHUSDT", |s| s.generation).unwrap();
    assert_eq!((cache.stats().hits, cache.stats().misses), (6, 1));
    drop(reader);
    clock.advance(MAX_AGE + Duration::from_nanos(1));
    assert!(matches!(
        cache.reader().read("BTCUSDT", |s| s.generation),
        Err(StaticReadError::Stale { .. })
    ));
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.stale_refusals), (6, 1, 1));
    assert_eq!((stats.publishes, stats.refreshes), (0, 1));
}

#[tokio::test]
async fn data_is_refused_one_nanosecond_past_its_max_age() {
    let clock = ManualClock::new();
    let cache = Source::default().cache(&clock, MAX_AGE);
    cache.refresh().await.unwrap();

    clock.advance(MAX_AGE);
    assert_eq!(
        cache.get("BTCUSDT").unwrap(),
        Some(info(1)),
        "at the boundary"
    );

    clock.advance(Duration::from_nanos(1));
    let err = cache.get("BTCUSDT").unwrap_err();
    assert_eq!(
        err,
        StaticReadError::Stale {
            cache: "symbols".into(),
            age: MAX_AGE + Duration::from_nanos(1),
            max_age: MAX_AGE,
        }
    );
    assert!(err.to_string().contains("past its max age"), "{err}");
    assert_eq!(cache.stats().stale_refusals, 1);
}

#[tokio::test]
async fn failed_refresh_keeps_old_data_only_until_max_age_then_recovers() {
    let clock = ManualClock::new();
    let source = Source::default();
    let cache = source.cache(&clock, MAX_AGE);
    cache.refresh().await.unwrap();

    source.failing.store(true, Ordering::SeqCst);
    clock.advance(MAX_AGE / 2);
    let err = cache.refresh().await.unwrap_err();
    assert_eq!(err.cache(), "symbols");
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(
        cache.get("BTCUSDT").unwrap(),
        Some(info(1)),
        "old data, still in date"
    );

    clock.advance(MAX_AGE / 2 + Duration::from_millis(1));
    assert!(cache.refresh().await.is_err());
    assert!(matches!(
        cache.get("BTCUSDT"),
        Err(StaticReadError::Stale { .. })
    ));

    source.failing.store(false, Ordering::SeqCst);
    cache.refresh().await.unwrap();
    assert_eq!(cache.get("BTCUSDT").unwrap(), Some(info(4)));
    let stats = cache.stats();
    assert_eq!((stats.refreshes, stats.refresh_failures), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_share_one_load() {
    let calls = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (c, g) = (calls.clone(), gate.clone());
    let cache = StaticCache::<String, SymbolInfo>::builder()
        .clock(ManualClock::new().shared())
        .loader(move || {
            let (calls, gate) = (c.clone(), g.clone());
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                // Hold the load open until every caller is waiting on it.
                let _permit = gate.acquire().await.unwrap();
                Ok::<_, std::io::Error>(vec![("BTCUSDT".to_string(), info(1))])
            }
        })
        .build()
        .unwrap();

    let waiting = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (cache, waiting) = (cache.clone(), waiting.clone());
            tokio::spawn(async move {
                waiting.fetch_add(1, Ordering::SeqCst);
                cache.refresh().await
            })
        })
        .collect();
    while waiting.load(Ordering::SeqCst) < 16 || calls.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    // Let the other callers reach the in-flight lock before the load finishes.
    tokio::time::sleep(Duration::from_millis(20)).await;
    gate.add_permits(1);
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "16 concurrent refreshes, one load"
    );
}

#[tokio::test(start_paused = true)]
async fn the_refresher_loads_at_once_then_every_interval_and_stops_on_drop() {
    let source = Source::default();
    let cache = source.cache(&ManualClock::new(), Duration::from_secs(4));
    assert_eq!(cache.refresh_interval(), Duration::from_secs(1));

    let refresher = cache.spawn_refresher();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(source.calls.load(Ordering::SeqCst), 1, "loads at once");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(source.calls.load(Ordering::SeqCst), 4, "then once a second");

    drop(refresher);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        source.calls.load(Ordering::SeqCst),
        4,
        "stopped with its handle"
    );
}

#[tokio::test]
async fn a_disabled_cache_refuses_every_read() {
    let cache = Source::default().cache(&ManualClock::new(), MAX_AGE);
    cache.refresh().await.unwrap();
    MonitoredCache::disable(&cache);
    let err = cache.get("BTCUSDT").unwrap_err();
    assert!(matches!(err, StaticReadError::Disabled { .. }));
    assert!(err.to_string().contains("only fresh calls remain"), "{err}");
    cache.enable();
    assert!(cache.get("BTCUSDT").unwrap().is_some());
    assert_eq!(cache.stats().disabled_refusals, 1);
}

#[test]
fn impossible_settings_are_build_errors() {
    let no_loader = StaticCache::<String, SymbolInfo>::builder()
        .name("x")
        .build();
    assert_eq!(
        no_loader.unwrap_err(),
        StaticCacheBuildError::MissingLoader("x".into())
    );
    let slow = StaticCache::<String, SymbolInfo>::builder()
        .max_age(Duration::from_secs(10))
        .refresh_interval(Duration::from_secs(10))
        .loader(|| async { Ok::<_, std::io::Error>(Vec::new()) })
        .build();
    assert!(matches!(
        slow,
        Err(StaticCacheBuildError::RefreshNotBelowMaxAge { .. })
    ));
}

#[test]
fn the_default_max_age_is_the_types() {
    #[derive(Static)]
    #[hft(max_age_ms = 1_800_000)]
    struct TradingRules;
    let rules = StaticCache::<String, TradingRules>::builder()
        .loader(|| async { Ok::<_, std::io::Error>(Vec::new()) })
        .build()
        .unwrap();
    assert_eq!(rules.max_age(), Duration::from_secs(1800));
    assert_eq!(rules.name(), "TradingRules");
}

/// Readers on several threads while the data is refreshed and the clock moves: every value read
/// is whole (one generation) and, measured from before the read, within its max age.
#[test]
fn concurrent_readers_never_see_torn_or_stale_data() {
    let clock = ManualClock::new();
    let max_age = Duration::from_millis(100);
    let generation = Arc::new(AtomicU64::new(0));
    let g = generation.clone();
    let loader_clock = clock.clone();
    let cache = StaticCache::<String, (SymbolInfo, u64)>::builder()
        .max_age(max_age)
        .refresh_interval(max_age / 2)
        .clock(clock.shared())
        .loader(move || {
            let generation = g.fetch_add(1, Ordering::SeqCst) + 1;
            let stamp = loader_clock.now().as_nanos();
            async move {
                let entries: Vec<_> = (0..100)
                    .map(|i| (format!("SYM{i}"), (info(generation), stamp)))
                    .collect();
                Ok::<_, std::io::Error>(entries)
            }
        })
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(cache.refresh()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|r| {
            let (cache, clock, stop) = (cache.clone(), clock.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut ok, mut refused) = (0u64, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let before = clock.now();
                    let key = format!("SYM{}", (ok + refused + r) % 100);
                    match cache.read(key.as_str(), |(s, stamp)| (s.clone(), *stamp)) {
                        Ok(Some((s, stamp))) => {
                            assert_eq!((s.tick_size, s.min_qty), (1, 10), "torn value");
                            let age = before
                                .saturating_since(hft_cache::clock::Timestamp::from_nanos(stamp));
                            assert!(age <= max_age, "served {age:?} old data");
                            ok += 1;
                        }
                        Ok(None) => panic!("{key} missing"),
                        Err(StaticReadError::Stale { .. }) => refused += 1,
                        Err(other) => panic!("{other}"),
                    }
                }
                (ok, refused)
            })
        })
        .collect();

    for round in 0..300 {
        clock.advance(Duration::from_millis(7));
        // Every third round the refresh "fails" to happen, so data regularly goes stale.
        if round % 3 != 0 {
            runtime.block_on(cache.refresh()).unwrap();
        }
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    let (mut ok, mut refused) = (0, 0);
    for reader in readers {
        let (o, r) = reader.join().unwrap();
        ok += o;
        refused += r;
    }
    assert!(ok > 0, "readers read something ({refused} refusals)");
    assert!(generation.load(Ordering::SeqCst) >= 200);
}

#[derive(Debug, Clone)]
enum Op {
    Advance(u64),
    Refresh { fails: bool },
    Read,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..40).prop_map(Op::Advance),
        any::<bool>().prop_map(|fails| Op::Refresh { fails }),
        Just(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random interleavings of clock moves, refreshes that succeed or fail, and reads, against a
    /// model: a read returns the last loaded generation exactly when it is within its max age.
    #[test]
    fn reads_match_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let clock = ManualClock::new();
        let source = Source::default();
        let cache = source.cache(&clock, Duration::from_secs(30));
        // The model: (generation, loaded at) of the last successful load.
        let mut loaded: Option<(u64, u64)> = None;
        let mut now = 0u64;
        for op in ops {
            match op {
                Op::Advance(secs) => {
                    clock.advance(Duration::from_secs(secs));
                    now += secs;
                }
                Op::Refresh { fails } => {
                    source.failing.store(fails, Ordering::SeqCst);
                    let result = runtime.block_on(cache.refresh());
                    prop_assert_eq!(result.is_ok(), !fails);
                    if !fails {
                        loaded = Some((source.calls.load(Ordering::SeqCst), now));
                    }
                }
                Op::Read => {
                    let read = cache.get("BTCUSDT");
                    match loaded {
                        None => prop_assert!(matches!(read, Err(StaticReadError::NeverLoaded { .. })), "{:?}", read),
                        Some((generation, at)) if now - at <= 30 => {
                            prop_assert_eq!(read.unwrap(), Some(info(generation)));
                        }
                        Some(_) => prop_assert!(matches!(read, Err(StaticReadError::Stale { .. })), "{:?}", read),
                    }
                }
            }
        }
    }
}

#[test]
fn a_builder_may_lower_a_types_max_age_but_never_raise_it() {
    let raised = StaticCache::<String, SymbolInfo>::builder()
        .name("rules")
        .max_age(Duration::from_secs(7200))
        .loader(|| async { Ok::<_, std::io::Error>(std::collections::HashMap::new()) })
        .build();
    assert!(matches!(
        raised,
        Err(StaticCacheBuildError::MaxAgeAboveType { max_age, type_max_age, .. })
            if max_age == Duration::from_secs(7200) && type_max_age == Duration::from_secs(3600)
    ));
    let lowered = StaticCache::<String, SymbolInfo>::builder()
        .name("rules")
        .max_age(Duration::from_secs(60))
        .loader(|| async { Ok::<_, std::io::Error>(std::collections::HashMap::new()) })
        .build()
        .unwrap();
    assert_eq!(lowered.max_age(), Duration::from_secs(60));
}
