//! Loom models of the served-snapshot swap: a refresher loading new snapshots and the kill
//! switch disabling and enabling the cache, while readers read through `StaticCache::read` and
//! a `StaticReader`; every interleaving (all of them for two models; up to
//! `LOOM_MAX_PREEMPTIONS` preemptions, 4 when unset, for the kill switch's disable-and-enable).
//!
//! They run the cache's real code (its `refresh`, `disable`, `enable` and both read paths) with
//! the serving lock, the enabled flag and the swap under loom (see `crate::sync` for the swap's
//! stand-in), and assert: a read serves a whole snapshot that was loaded, never one older than
//! a snapshot the same reader already got; no read that starts after `disable` returned and ends
//! before `enable` starts is served; once everything is done the cache serves the newest load
//! when enabled and nothing when disabled; and every loaded value is freed exactly once.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicU64;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::{StaticCache, StaticReadError};
use crate::clock::ManualClock;
use crate::sync::model::{bounded, exhaustive};
use crate::sync::Arc;

/// A loaded value: its load's number. Its drop is logged, per OS thread: loom runs every thread
/// of a model as a coroutine on the test's own thread, so one test's model sees one log.
#[derive(hft_cache_macros::Static)]
#[hft(crate = "crate")]
struct Generation {
    n: u64,
}

thread_local! {
    static FREED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl Drop for Generation {
    fn drop(&mut self) {
        FREED.with(|freed| freed.borrow_mut().push(self.n));
    }
}

fn freed() -> Vec<u64> {
    let mut freed = FREED.with(|freed| std::mem::take(&mut *freed.borrow_mut()));
    freed.sort_unstable();
    freed
}

/// A cache whose loads number themselves 1, 2, ... on a clock that never moves (so no read is
/// refused as stale: the models are about the swap, not about time).
fn cache() -> StaticCache<u8, Generation> {
    FREED.with(|freed| freed.borrow_mut().clear());
    let loads = std::sync::Arc::new(AtomicU64::new(0));
    StaticCache::<u8, Generation>::builder()
        .max_age(Duration::from_secs(10))
        .refresh_interval(Duration::from_secs(5))
        .clock(ManualClock::new().shared())
        .registry(&crate::monitor::Registry::new())
        .loader(move || {
            let n = loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            async move { Ok::<_, std::io::Error>([(0, Generation { n })]) }
        })
        .build()
        .expect("a valid cache")
}

/// Runs a load to its end. The loader is ready at once and each model has one refresher, so
/// the load lock is free and the future never waits.
fn refresh(cache: &StaticCache<u8, Generation>) {
    let mut load = pin!(cache.refresh());
    match load.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(outcome) => outcome.expect("the loader never fails"),
        Poll::Pending => panic!("a load with a free lock and a ready loader waited"),
    }
}

/// What a read found, ordered as a reader may see it: nothing loaded yet, then the loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    NeverLoaded,
    Load(u64),
    Disabled,
}

fn seen(read: Result<Option<u64>, StaticReadError>) -> Seen {
    match read {
        Ok(Some(n)) => Seen::Load(n),
        Ok(None) => panic!("every load holds key 0"),
        Err(StaticReadError::NeverLoaded { .. }) => Seen::NeverLoaded,
        Err(StaticReadError::Disabled { .. }) => Seen::Disabled,
        Err(StaticReadError::Stale { .. }) => panic!("the clock never moves"),
    }
}

/// Two loads while one reader reads through `read` and a `StaticReader` (which keeps the
/// snapshot it last saw): each read serves a snapshot that was loaded, and never an older one
/// than the reader already got; at the end both serve the second load.
#[test]
fn loom_refreshes_racing_readers() {
    exhaustive(|| {
        let cache = cache();
        let refresher = {
            let cache = cache.clone();
            thread::spawn(move || {
                refresh(&cache);
                refresh(&cache);
            })
        };

        let mut reader = cache.reader();
        let mut last = Seen::NeverLoaded;
        for round in 0..3 {
            let now = if round == 1 {
                seen(cache.read(&0u8, |g| g.n))
            } else {
                seen(reader.read(&0u8, |g| g.n))
            };
            assert!(now >= last, "went back: {last:?} then {now:?}");
            assert_ne!(now, Seen::Disabled, "nobody disabled the cache");
            last = now;
        }

        refresher.join().unwrap();
        assert_eq!(reader.read(&0u8, |g| g.n), Ok(Some(2)));
        assert_eq!(cache.read(&0u8, |g| g.n), Ok(Some(2)));
        drop(reader);
        drop(cache);
        assert_eq!(freed(), [1, 2]);
    });
}

/// Where the kill switch is: before `disable`, between `disable` returning and `enable`
/// starting, after.
const BEFORE: usize = 0;
const DISABLED: usize = 1;
const ENABLING: usize = 2;

/// A load racing the kill switch's disable and enable, while a reader reads: a read that lies
/// wholly between `disable` returning and `enable` starting is never served (a load finishing
/// meanwhile must not serve itself), and once both are done the cache serves the load.
#[test]
fn loom_the_kill_switch_racing_a_load() {
    bounded(|| {
        let cache = cache();
        let switch = Arc::new(AtomicUsize::new(BEFORE));
        let refresher = {
            let cache = cache.clone();
            thread::spawn(move || refresh(&cache))
        };
        let kill_switch = {
            let (cache, switch) = (cache.clone(), Arc::clone(&switch));
            thread::spawn(move || {
                cache.disable();
                switch.store(DISABLED, Ordering::SeqCst);
                switch.store(ENABLING, Ordering::SeqCst);
                cache.enable();
            })
        };

        let mut reader = cache.reader();
        for round in 0..2 {
            let before = switch.load(Ordering::SeqCst);
            let now = if round == 0 {
                seen(reader.read(&0u8, |g| g.n))
            } else {
                seen(cache.read(&0u8, |g| g.n))
            };
            let after = switch.load(Ordering::SeqCst);
            if before == DISABLED && after == DISABLED {
                assert!(
                    matches!(now, Seen::Disabled | Seen::NeverLoaded),
                    "served {now:?} while disabled"
                );
            }
            assert!(matches!(
                now,
                Seen::NeverLoaded | Seen::Disabled | Seen::Load(1)
            ));
        }

        refresher.join().unwrap();
        kill_switch.join().unwrap();
        assert!(cache.is_enabled());
        assert_eq!(reader.read(&0u8, |g| g.n), Ok(Some(1)));
        assert_eq!(cache.read(&0u8, |g| g.n), Ok(Some(1)));
        drop(reader);
        drop(cache);
        assert_eq!(freed(), [1]);
    });
}

/// A load racing a disable that stays: when both are done, a load that finished during the
/// disable is kept (it is the latest) but not served.
#[test]
fn loom_a_load_finishing_while_disabled_is_not_served() {
    exhaustive(|| {
        let cache = cache();
        let refresher = {
            let cache = cache.clone();
            thread::spawn(move || refresh(&cache))
        };
        let kill_switch = {
            let cache = cache.clone();
            thread::spawn(move || cache.disable())
        };
        let mut reader = cache.reader();
        let now = seen(reader.read(&0u8, |g| g.n));
        assert!(matches!(
            now,
            Seen::NeverLoaded | Seen::Disabled | Seen::Load(1)
        ));

        refresher.join().unwrap();
        kill_switch.join().unwrap();
        assert!(matches!(
            reader.read(&0u8, |g| g.n),
            Err(StaticReadError::Disabled { .. })
        ));
        assert_eq!(cache.len(), 1);
        cache.enable();
        assert_eq!(reader.read(&0u8, |g| g.n), Ok(Some(1)));
        drop(reader);
        drop(cache);
        assert_eq!(freed(), [1]);
    });
}
