//! Faults on demand for the Bybit mock.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

/// Injects faults into a running [`BybitMock`](super::BybitMock). Clones share one state.
#[derive(Clone, Debug)]
pub struct BybitFaults {
    pub(crate) inner: Arc<FaultState>,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    pub(crate) stalled: AtomicBool,
    pub(crate) silenced: AtomicBool,
    pub(crate) drop_next_delta: AtomicBool,
    pub(crate) fail_next: AtomicU32,
    /// How many of the next requests are executed and then answered with half their body.
    pub(crate) truncate_next: AtomicU32,
    /// The next requests to a path that get 502: path, how many.
    pub(crate) fail_endpoint: Mutex<Option<(u32, String)>>,
    pub(crate) error_next: Mutex<Option<(u32, (i64, String))>>,
    pub(crate) close_sockets: broadcast::Sender<()>,
}

impl BybitFaults {
    pub(crate) fn new() -> Self {
        BybitFaults {
            inner: Arc::new(FaultState {
                stalled: AtomicBool::new(false),
                silenced: AtomicBool::new(false),
                drop_next_delta: AtomicBool::new(false),
                fail_next: AtomicU32::new(0),
                fail_endpoint: Mutex::new(None),
                truncate_next: AtomicU32::new(0),
                error_next: Mutex::new(None),
                close_sockets: broadcast::channel(4).0,
            }),
        }
    }

    /// Stops (`true`) or restarts the book: sockets stay open and answer pings, but no delta
    /// is sent while stalled (the book stands still, so a new subscription's snapshot and the
    /// REST book agree).
    pub fn stall_stream(&self, stalled: bool) {
        self.inner.stalled.store(stalled, Ordering::Relaxed);
    }

    /// Silences (`true`) or restores the book topic, as a venue whose feed has died: sockets
    /// stay open and answer pings, but nothing is sent, not even the snapshot of a new
    /// subscription, until the silence ends and a client subscribes again.
    pub fn silence_stream(&self, silenced: bool) {
        self.inner.silenced.store(silenced, Ordering::Relaxed);
    }

    /// The next change is applied but not sent: clients see `u` jump by 2, a gap.
    pub fn drop_next_delta(&self) {
        self.inner.drop_next_delta.store(true, Ordering::Relaxed);
    }

    /// Closes every open WebSocket now.
    pub fn close_sockets(&self) {
        let _ = self.inner.close_sockets.send(());
    }

    /// The next `n` REST requests get HTTP 502 with a plain-text body, as a gateway would.
    pub fn fail_next_requests(&self, n: u32) {
        self.inner.fail_next.store(n, Ordering::Relaxed);
    }

    /// The next `n` REST requests are executed, then answered with the first half of their
    /// body: an order placed so is on the book, and the client cannot tell from the answer.
    pub fn truncate_next_responses(&self, n: u32) {
        self.inner.truncate_next.store(n, Ordering::Relaxed);
    }

    /// The next `n` requests to `path` (e.g. `/v5/order/cancel-all`) get HTTP 502 with a
    /// plain-text body; requests to other paths are answered as usual.
    pub fn fail_endpoint(&self, path: impl Into<String>, n: u32) {
        let mut next = self
            .inner
            .fail_endpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *next = (n > 0).then(|| (n, path.into()));
    }

    /// How many requests the faults of [`fail_next_requests`](Self::fail_next_requests) and
    /// [`fail_endpoint`](Self::fail_endpoint) still fail.
    pub fn pending_failures(&self) -> u32 {
        let endpoint = self
            .inner
            .fail_endpoint
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(0, |(n, _)| *n);
        self.inner.fail_next.load(Ordering::Relaxed) + endpoint
    }

    /// The next `n` REST requests get HTTP 200 with `retCode` `code` and `retMsg` `msg`.
    pub fn error_next_requests(&self, n: u32, code: i64, msg: impl Into<String>) {
        let mut next = self
            .inner
            .error_next
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *next = (n > 0).then(|| (n, (code, msg.into())));
    }
}
