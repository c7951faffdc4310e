//! StreamCache: only feeds write, reads are refused when stale or while the writing feed is
//! unhealthy, and a reader racing the writer never sees a torn value.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hft_cache::clock::ManualClock;
use hft_cache::monitor::{MonitoredCache, Registry};
use hft_cache::stream_cache::StreamCacheBuildError;
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::{StreamCache, Streamed};
use proptest::prelude::*;

#[derive(Streamed, Clone, Debug, PartialEq)]
struct Ticker {
    bid: u64,
    ask: u64,
    seq: u64,
}

fn ticker(seq: u64) -> Ticker {
    Ticker {
        bid: seq * 10,
        ask: seq * 10 + 1,
        seq,
    }
}

fn cache(clock: &ManualClock) -> StreamCache<String, Ticker> {
    StreamCache::builder()
        .name("tickers")
        .clock(clock.shared())
        .build()
        .unwrap()
}

#[test]
fn the_latest_published_value_is_read() {
    let clock = ManualClock::new();
    let tickers = cache(&clock);
    let feed = tickers.custom_transport_writer("ws");
    assert!(matches!(
        tickers.read("BTCUSDT", |t| t.seq),
        Err(StreamReadError::Missing { .. })
    ));
    feed.publish("BTCUSDT".into(), ticker(1));
    feed.publish("BTCUSDT".into(), ticker(2));
    assert_eq!(tickers.get("BTCUSDT"), Some(ticker(2)));
    feed.remove("BTCUSDT");
    assert_eq!(tickers.get("BTCUSDT"), None);
}

#[test]
fn values_are_refused_one_nanosecond_past_max_age() {
    let clock = ManualClock::new();
    let tickers = cache(&clock);
    assert_eq!(
        tickers.max_age(),
        Duration::from_secs(5),
        "the Streamed default"
    );
    let feed = tickers.custom_transport_writer("ws");
    feed.publish("BTCUSDT".into(), ticker(1));

    clock.advance(Duration::from_secs(5));
    assert_eq!(tickers.read("BTCUSDT", |t| t.seq), Ok(1));
    clock.advance(Duration::from_nanos(1));
    assert_eq!(
        tickers.read("BTCUSDT", |t| t.seq),
        Err(StreamReadError::Stale {
            cache: "tickers".into(),
            age: Duration::from_nanos(5_000_000_001),
            max_age: Duration::from_secs(5),
        })
    );
    feed.publish("BTCUSDT".into(), ticker(2));
    assert_eq!(
        tickers.read("BTCUSDT", |t| t.seq),
        Ok(2),
        "a new update is fresh"
    );
    assert_eq!(tickers.age("BTCUSDT"), Some(Duration::ZERO));
}

#[test]
fn an_unhealthy_feed_makes_all_its_keys_unreadable_until_it_recovers() {
    let clock = ManualClock::new();
    let tickers = cache(&clock);
    let binance = tickers.custom_transport_writer("binance");
    let other = tickers.custom_transport_writer("other");
    binance.publish("BTCUSDT".into(), ticker(1));
    binance.publish("ETHUSDT".into(), ticker(1));
    other.publish("SOLUSDT".into(), ticker(1));

    binance.mark_unhealthy(FeedFault::SequenceGap {
        expected: 101,
        got: 105,
    });
    for symbol in ["BTCUSDT", "ETHUSDT"] {
        let err = tickers.read(symbol, |t| t.seq).unwrap_err();
        assert_eq!(
            err,
            StreamReadError::FeedUnhealthy {
                cache: "tickers".into(),
                feed: "binance".into(),
                fault: FeedFault::SequenceGap {
                    expected: 101,
                    got: 105
                },
            }
        );
        assert!(
            err.to_string().contains("expected update 101, got 105"),
            "{err}"
        );
    }
    assert_eq!(
        tickers.read("SOLUSDT", |t| t.seq),
        Ok(1),
        "other feeds unaffected"
    );

    clock.advance(Duration::from_secs(1));
    let stats = tickers.stats();
    let feed = stats.feeds.iter().find(|f| f.name == "binance").unwrap();
    assert!(!feed.healthy);
    assert_eq!(feed.keys, 2);
    assert_eq!(feed.unhealthy_for, Some(Duration::from_secs(1)));
    assert_eq!(stats.unhealthy_refusals, 2);

    binance.mark_healthy();
    assert_eq!(tickers.read("BTCUSDT", |t| t.seq), Ok(1));
}

#[test]
fn dropping_the_writer_closes_the_feed() {
    let tickers = cache(&ManualClock::new());
    let feed = tickers.custom_transport_writer("ws");
    feed.publish("BTCUSDT".into(), ticker(1));
    drop(feed);
    assert!(matches!(
        tickers.read("BTCUSDT", |t| t.seq),
        Err(StreamReadError::FeedUnhealthy {
            fault: FeedFault::Closed,
            ..
        })
    ));
}

#[test]
fn a_disabled_cache_refuses_reads() {
    let tickers = cache(&ManualClock::new());
    let feed = tickers.custom_transport_writer("ws");
    feed.publish("BTCUSDT".into(), ticker(1));
    MonitoredCache::disable(&tickers);
    assert!(matches!(
        tickers.read("BTCUSDT", |t| t.seq),
        Err(StreamReadError::Disabled { .. })
    ));
    tickers.enable();
    assert!(tickers.get("BTCUSDT").is_some());
    let stats = tickers.stats();
    assert_eq!(
        (
            stats.hits,
            stats.disabled_refusals,
            stats.publishes,
            stats.refreshes
        ),
        (1, 1, 1, 0),
        "a stream cache counts publishes, not refreshes"
    );
}

#[test]
fn a_zero_max_age_is_a_build_error() {
    let built = StreamCache::<String, Ticker>::builder()
        .name("tickers")
        .max_age(Duration::ZERO)
        .build();
    assert_eq!(
        built.unwrap_err(),
        StreamCacheBuildError::ZeroMaxAge("tickers".into())
    );
}

#[test]
fn the_report_lists_every_cache_written_through_a_custom_transport() {
    let registry = Registry::new();
    let build = |name: &str| {
        StreamCache::<String, Ticker>::builder()
            .name(name)
            .registry(&registry)
            .build()
            .unwrap()
    };
    let (fix, multicast, unwritten) = (build("fix"), build("multicast"), build("unwritten"));
    let fix_feed = fix.custom_transport_writer("fix-session");
    fix_feed.publish("EURUSD".into(), ticker(1));
    drop(multicast.custom_transport_writer("udp-239.1.1.1"));

    let report = registry.report();
    // Listed for the cache's lifetime, even once the writer is gone.
    assert_eq!(report.custom_transport_caches, ["fix", "multicast"]);
    let feeds = &report.cache("fix").unwrap().stats.feeds;
    assert_eq!(
        (
            feeds[0].name.as_str(),
            feeds[0].custom_transport,
            feeds[0].keys
        ),
        ("fix-session", true, 1)
    );
    assert!(report.cache("unwritten").unwrap().stats.feeds.is_empty());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["custom_transport_caches"][1], "multicast");
    drop(unwritten);
}

#[test]
fn reader_hits_are_counted_and_outlive_the_reader() {
    let clock = ManualClock::new();
    let tickers = cache(&clock);
    let feed = tickers.custom_transport_writer("ws");
    feed.publish("BTCUSDT".into(), ticker(1));
    let mut reader = tickers.reader();
    for _ in 0..3 {
        assert_eq!(reader.read("BTCUSDT", |t| t.seq), Ok(1));
    }
    assert!(reader.read("ETHUSDT", |t| t.seq).is_err());
    assert_eq!((tickers.stats().hits, tickers.stats().misses), (3, 1));
    drop(reader);
    tickers.read("BTCUSDT", |t| t.seq).unwrap();
    assert_eq!(tickers.stats().hits, 4);
}

/// One writer publishing as fast as it can while readers read: every value is whole (its fields
/// agree), each reader sees sequence numbers only go up, and readers never block the writer.
#[test]
fn readers_racing_a_writer_never_see_torn_or_older_values() {
    let clock = ManualClock::new();
    let tickers = cache(&clock);
    let feed = tickers.custom_transport_writer("ws");
    feed.publish("BTCUSDT".into(), ticker(0));
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (tickers, stop) = (tickers.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut last = 0;
                let mut reads = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let t = tickers.get("BTCUSDT").expect("fresh and healthy");
                    assert_eq!((t.bid, t.ask), (t.seq * 10, t.seq * 10 + 1), "torn value");
                    assert!(t.seq >= last, "went back from {last} to {}", t.seq);
                    last = t.seq;
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for seq in 1..=200_000 {
        feed.publish("BTCUSDT".into(), ticker(seq));
    }
    stop.store(true, Ordering::Relaxed);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
    assert_eq!(tickers.get("BTCUSDT"), Some(ticker(200_000)));
}

#[derive(Debug, Clone)]
enum Op {
    Publish(u8),
    Advance(u64),
    Unhealthy,
    Healthy,
    Read(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3).prop_map(Op::Publish),
        (0u64..3000).prop_map(Op::Advance),
        Just(Op::Unhealthy),
        Just(Op::Healthy),
        (0u8..3).prop_map(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A read succeeds exactly when the key was published, within the max age, while the feed is
    /// healthy, and then returns the last published value.
    #[test]
    fn reads_match_the_model(ops in proptest::collection::vec(op(), 1..80)) {
        let clock = ManualClock::new();
        let tickers = cache(&clock);
        let feed = tickers.custom_transport_writer("ws");
        let mut published: [Option<(u64, u64)>; 3] = [None; 3]; // (seq, at ms)
        let (mut now, mut seq, mut healthy) = (0u64, 0u64, true);
        for op in ops {
            match op {
                Op::Publish(k) => {
                    seq += 1;
                    feed.publish(format!("K{k}"), ticker(seq));
                    published[k as usize] = Some((seq, now));
                }
                Op::Advance(ms) => {
                    clock.advance(Duration::from_millis(ms));
                    now += ms;
                }
                Op::Unhealthy => {
                    feed.mark_unhealthy(FeedFault::Silent { for_: Duration::from_secs(1) });
                    healthy = false;
                }
                Op::Healthy => {
                    feed.mark_healthy();
                    healthy = true;
                }
                Op::Read(k) => {
                    let read = tickers.read(format!("K{k}").as_str(), |t| t.seq);
                    match published[k as usize] {
                        None => prop_assert!(matches!(read, Err(StreamReadError::Missing { .. })), "{:?}", read),
                        Some(_) if !healthy => prop_assert!(matches!(read, Err(StreamReadError::FeedUnhealthy { .. })), "{:?}", read),
                        Some((s, at)) if now - at <= 5000 => prop_assert_eq!(read, Ok(s)),
                        Some(_) => prop_assert!(matches!(read, Err(StreamReadError::Stale { .. })), "{:?}", read),
                    }
                }
            }
        }
    }
}
