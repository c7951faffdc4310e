//! Loading: one load at a time, concurrent requests share it, failures keep the old data only
//! until its max age; and the background task that refreshes periodically.

use std::collections::HashMap;
use std::error::Error;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::{RefreshError, Shared, Snapshot};
use crate::clock::Clock;

pub(super) type BoxError = Box<dyn Error + Send + Sync>;
pub(super) type LoadFuture<K, V> =
    Pin<Box<dyn Future<Output = Result<Vec<(K, V)>, BoxError>> + Send>>;
pub(super) type Loader<K, V> = Arc<dyn Fn() -> LoadFuture<K, V> + Send + Sync>;

pub(super) struct RefreshState<K, V> {
    loader: Loader<K, V>,
    /// Held for the duration of a load: one load at a time.
    in_flight: tokio::sync::Mutex<()>,
    /// Loads finished (either way); a waiter that sees it move knows it can share the outcome.
    finished: AtomicU64,
    last_outcome: Mutex<Option<Result<(), RefreshError>>>,
    /// The snapshot the last load replaced, kept until the next load. Readers move off it
    /// during the interval, so the last reference, and with it the freeing of a whole data set,
    /// is this task's and not a reader's in the middle of a read.
    retired: Mutex<Option<Arc<Snapshot<K, V>>>>,
    pub(super) loads: AtomicU64,
    pub(super) failures: AtomicU64,
}

impl<K, V> RefreshState<K, V> {
    pub(super) fn new(loader: Loader<K, V>) -> Self {
        RefreshState {
            loader,
            in_flight: tokio::sync::Mutex::new(()),
            finished: AtomicU64::new(0),
            last_outcome: Mutex::new(None),
            retired: Mutex::new(None),
            loads: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }
}

pub(super) async fn refresh<K, V>(shared: &Shared<K, V>) -> Result<(), RefreshError>
where
    K: Eq + Hash,
{
    let (core, body) = (&shared.core, &shared.body);
    let state = &body.refresh;
    // Acquire/Release on `finished`: a caller that sees the count move past what it saw on
    // arrival also sees the outcome that load stored before counting itself finished.
    let seen = state.finished.load(Ordering::Acquire);
    let _in_flight = state.in_flight.lock().await;
    if state.finished.load(Ordering::Acquire) != seen {
        // A load finished while this call waited: it is as fresh as one we would start now.
        let shared_outcome = state.last_outcome.lock().ok().and_then(|o| o.clone());
        if let Some(outcome) = shared_outcome {
            return outcome;
        }
    }

    // The data is as old as the request for it: stamp the start, not the end, of the load.
    let started = core.clock().now();
    let outcome = match (state.loader)().await {
        Ok(entries) => {
            let map: HashMap<K, V, ahash::RandomState> = entries.into_iter().collect();
            let len = map.len();
            let loaded = Snapshot::loaded(map, started, core.max_age());
            let replaced = body.publish(core, Arc::new(loaded));
            let older = state
                .retired
                .lock()
                .map(|mut retired| std::mem::replace(&mut *retired, replaced));
            drop(older);
            state.loads.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                cache = &**core.name(),
                entries = len,
                "static cache refreshed"
            );
            Ok(())
        }
        Err(source) => {
            state.failures.fetch_add(1, Ordering::Relaxed);
            let error = RefreshError {
                cache: Arc::clone(core.name()),
                source: Arc::from(source),
            };
            let now = core.clock().now();
            let expired = body
                .latest
                .load()
                .as_ref()
                .is_none_or(|s| now > s.expires_at);
            if expired {
                tracing::error!(
                    cache = &**core.name(),
                    error = %error,
                    "static refresh failed and the data is past its max age: reads are refused"
                );
            } else {
                tracing::warn!(
                    cache = &**core.name(),
                    error = %error,
                    "static refresh failed; serving the previous data until its max age"
                );
            }
            Err(error)
        }
    };
    if let Ok(mut last) = state.last_outcome.lock() {
        *last = Some(outcome.clone());
    }
    state.finished.fetch_add(1, Ordering::Release);
    outcome
}

/// Stops the background refresher when dropped.
#[derive(Debug)]
#[must_use = "the refresher stops when this handle is dropped"]
pub struct RefresherHandle {
    task: JoinHandle<()>,
}

impl RefresherHandle {
    /// Stops the refresher now.
    pub fn stop(self) {}
}

impl Drop for RefresherHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(super) fn spawn<K, V>(shared: &Arc<Shared<K, V>>) -> RefresherHandle
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    // A weak reference, so the task does not keep a dropped cache alive.
    let weak = Arc::downgrade(shared);
    let interval = shared.body.refresh_interval;
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let Some(shared) = weak.upgrade() else { break };
            // Failures are counted and logged inside; the next tick tries again.
            let _ = refresh(&shared).await;
        }
    });
    RefresherHandle { task }
}

crate::class::declare_class!(Plain for RefresherHandle);
