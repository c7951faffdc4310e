//! A bounded concurrency soak: readers on several threads, a stream writer, a refresher that
//! fails now and then, a feed that drops out, and a clock that keeps moving. No read may ever
//! return a value older than its max age, or from a feed while it is marked unhealthy.
//!
//! (Bad input at every entry point is covered where each entry point is tested:
//! tests/fresh_fetch.rs and tests/signed_fetch.rs for HTTP, tests/ws_feed.rs and
//! tests/order_book.rs for the stream, tests/mock_exchange.rs for the exchange itself.)

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hft_cache::clock::{Clock, ManualClock, Timestamp};
use hft_cache::static_cache::StaticReadError;
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::{Static, StaticCache, StreamCache, Streamed};

#[derive(Static)]
struct Rules {
    /// Clock nanoseconds when the load that produced it started.
    loaded_at: u64,
}

#[derive(Streamed)]
struct Quote {
    /// Clock nanoseconds when it was published.
    published_at: u64,
    /// Which feed epoch wrote it.
    epoch: u64,
}

const STATIC_MAX_AGE: Duration = Duration::from_millis(40);
const STREAM_MAX_AGE: Duration = Duration::from_millis(20);
const RUN_FOR: Duration = Duration::from_millis(1500);

#[test]
fn no_read_is_ever_older_than_its_max_age() {
    let clock = ManualClock::new();
    let failing = Arc::new(AtomicBool::new(false));
    let (loader_clock, loader_failing) = (clock.clone(), failing.clone());
    let rules = StaticCache::<String, Rules>::builder()
        .max_age(STATIC_MAX_AGE)
        .refresh_interval(STATIC_MAX_AGE / 2)
        .clock(clock.shared())
        .loader(move || {
            let loaded_at = loader_clock.now().as_nanos();
            let fail = loader_failing.load(Ordering::SeqCst);
            async move {
                if fail {
                    return Err(std::io::Error::other("exchangeInfo unavailable"));
                }
                Ok((0..50)
                    .map(|i| (format!("S{i}"), Rules { loaded_at }))
                    .collect::<Vec<_>>())
            }
        })
        .build()
        .unwrap();
    let quotes = StreamCache::<String, Quote>::builder()
        .max_age(STREAM_MAX_AGE)
        .clock(clock.shared())
        .build()
        .unwrap();
    let feed = quotes.custom_transport_writer("quotes");
    // Odd while the feed is marked unhealthy: a read that succeeds must see an even epoch.
    let epoch = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..3)
        .map(|r| {
            let (rules, quotes, clock, stop) =
                (rules.clone(), quotes.clone(), clock.clone(), stop.clone());
            let epoch = epoch.clone();
            std::thread::spawn(move || {
                let (mut static_reader, mut stream_reader) = (rules.reader(), quotes.reader());
                let mut served = 0u64;
                let mut n = r;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let key = format!("S{}", n % 50);
                    let before = clock.now();
                    let static_read = if n % 2 == 0 {
                        static_reader.read(key.as_str(), |v| v.loaded_at)
                    } else {
                        rules.read(key.as_str(), |v| v.loaded_at)
                    };
                    match static_read {
                        Ok(Some(loaded_at)) => {
                            let age = before.saturating_since(Timestamp::from_nanos(loaded_at));
                            assert!(age <= STATIC_MAX_AGE, "static value {age:?} old served");
                            served += 1;
                        }
                        Ok(None) => panic!("{key} missing"),
                        Err(
                            StaticReadError::Stale { .. } | StaticReadError::NeverLoaded { .. },
                        ) => {}
                        Err(other) => panic!("{other}"),
                    }
                    let epoch_before = epoch.load(Ordering::SeqCst);
                    let stream_read = if n % 3 == 0 {
                        stream_reader.read(key.as_str(), |q| (q.published_at, q.epoch))
                    } else {
                        quotes.read(key.as_str(), |q| (q.published_at, q.epoch))
                    };
                    let unhealthy_throughout =
                        epoch_before % 2 == 1 && epoch.load(Ordering::SeqCst) == epoch_before;
                    match stream_read {
                        Ok((published_at, _)) => {
                            let age = before.saturating_since(Timestamp::from_nanos(published_at));
                            assert!(age <= STREAM_MAX_AGE, "streamed value {age:?} old served");
                            assert!(!unhealthy_throughout, "served while the feed was unhealthy");
                            served += 1;
                        }
                        Err(
                            StreamReadError::Stale { .. }
                            | StreamReadError::Missing { .. }
                            | StreamReadError::FeedUnhealthy { .. },
                        ) => {}
                        Err(other) => panic!("{other}"),
                    }
                }
                served
            })
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut step = 0u64;
    while started.elapsed() < RUN_FOR {
        step += 1;
        clock.advance(Duration::from_millis(1));
        // The stream: every key most steps; in every 200 steps the feed drops out for 30.
        match step % 200 {
            // Unhealthy before the epoch turns odd, and even before healthy again: an odd epoch
            // means the feed is unhealthy.
            100 => {
                feed.mark_unhealthy(FeedFault::Silent {
                    for_: Duration::from_millis(30),
                });
                epoch.fetch_add(1, Ordering::SeqCst);
            }
            130 => {
                epoch.fetch_add(1, Ordering::SeqCst);
                feed.mark_healthy();
            }
            _ => {}
        }
        let now = clock.now().as_nanos();
        let current_epoch = epoch.load(Ordering::SeqCst);
        if current_epoch.is_multiple_of(2) && !step.is_multiple_of(7) {
            for i in 0..50 {
                feed.publish(
                    format!("S{i}"),
                    Quote {
                        published_at: now,
                        epoch: current_epoch,
                    },
                );
            }
        }
        // The refresher: every 10 steps, and one load in four fails.
        if step.is_multiple_of(10) {
            failing.store(step.is_multiple_of(40), Ordering::SeqCst);
            let _ = runtime.block_on(rules.refresh());
        }
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    let served: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(served > 1000, "readers were served {served} values");
    let stats = rules.stats();
    assert!(stats.refresh_failures > 0 && stats.refreshes > 0);
    assert!(quotes.stats().unhealthy_refusals > 0 || step < 200);
}
