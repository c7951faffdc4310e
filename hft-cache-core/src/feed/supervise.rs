//! Restarting a feed task that panicked: never a dead task behind a healthy flag.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt;
use tokio::time::{sleep, Instant};

use super::backoff::Backoff;

/// One run of a feed task, borrowing the state that outlives its restarts.
pub(crate) type TaskFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs `run(state)` until it returns. When it panics (a bug, a user's `decode` or
/// `Deserialize` that panics on some frame), the panic is caught at the task's boundary,
/// `on_panic` marks the feed (unhealthy first, so its keys are refused from that moment), and
/// the task is started again after a [`Backoff`] wait. The state (writer, health, what the
/// feed published) survives; the run's own state (the link, the book) does not, and is
/// rebuilt as after any fault. A run that lasted past the backoff's cap resets it.
pub(crate) async fn supervise<T: Send>(
    state: &mut T,
    run: for<'a> fn(&'a mut T) -> TaskFuture<'a>,
    on_panic: fn(&mut T, &str),
    mut backoff: Backoff,
) {
    let cap = {
        let mut probe = backoff.clone();
        for _ in 0..32 {
            probe.next_wait();
        }
        probe.ceiling()
    };
    loop {
        let started = Instant::now();
        // AssertUnwindSafe: after a panic only `state` is used again, and every part of it
        // the task shares (writer, health) is made of atomics and poison-tolerant locks.
        let outcome = AssertUnwindSafe(run(state)).catch_unwind().await;
        let Err(payload) = outcome else {
            return;
        };
        let why = panic_message(payload.as_ref());
        tracing::error!(panic = %why, "feed task panicked: marked unhealthy, restarting");
        on_panic(state, &why);
        if started.elapsed() > cap {
            backoff.reset();
        }
        sleep(backoff.next_wait()).await;
    }
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[derive(Default)]
    struct Probe {
        runs: u32,
        healthy: bool,
        faults: Vec<String>,
    }

    fn run(probe: &mut Probe) -> TaskFuture<'_> {
        Box::pin(async move {
            probe.runs += 1;
            probe.healthy = true;
            sleep(Duration::from_millis(10)).await;
            if probe.runs <= 3 {
                panic!("boom {}", probe.runs);
            }
        })
    }

    fn mark(probe: &mut Probe, why: &str) {
        probe.healthy = false;
        probe.faults.push(why.to_owned());
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_is_marked_and_restarted_with_backoff() {
        let mut probe = Probe::default();
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let started = Instant::now();
        supervise(&mut probe, run, mark, backoff).await;
        assert_eq!(probe.runs, 4, "restarted after each of the three panics");
        assert_eq!(probe.faults, ["boom 1", "boom 2", "boom 3"]);
        // Four runs of 10 ms and three jittered waits under 100, 200 and 400 ms.
        assert!(started.elapsed() <= Duration::from_millis(40 + 700));
    }

    /// While it waits to restart, the feed stays marked: no healthy flag over a dead task.
    #[tokio::test(start_paused = true)]
    async fn the_feed_stays_unhealthy_until_the_restart() {
        fn always(probe: &mut Probe) -> TaskFuture<'_> {
            Box::pin(async move {
                probe.runs += 1;
                probe.healthy = true;
                panic!("always");
            })
        }
        let mut probe = Probe::default();
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(1));
        let supervised = supervise(&mut probe, always, mark, backoff);
        // Long enough for at least one panic, its mark and part of a wait.
        let _ = tokio::time::timeout(Duration::from_millis(10), supervised).await;
        assert!(probe.runs >= 1);
        assert!(!probe.healthy, "marked at the panic");
        assert_eq!(probe.faults.len(), probe.runs as usize);
    }
}
