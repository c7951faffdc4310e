//! Faults on demand: a handle that tests use to make the mock misbehave in one precise way.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// How the mock answers one REST request instead of answering it normally.
///
/// Queued with [`Faults::push_rest_fault`]; each queued fault is used by exactly one request, in
/// order. Faults apply to every `/api/...` route, public or signed; the WebSocket stream has its
/// own faults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestFault {
    /// Answer with this HTTP status and a plain-text body, as a proxy or load balancer in front
    /// of the exchange would. The request is not executed.
    Status(u16),
    /// Answer with this HTTP status and Binance's error body `{"code":..,"msg":..}`. The request
    /// is not executed.
    Error {
        /// The HTTP status.
        status: u16,
        /// Binance's error code, e.g. -1003 (too many requests).
        code: i64,
        /// Binance's message.
        msg: String,
    },
    /// Execute the request, then wait this long before answering.
    Delay(Duration),
    /// Execute the request, then answer with the first half of its body (a JSON value cut short).
    Truncated,
    /// Execute the request, then answer with a body that is not JSON.
    Malformed,
    /// Execute the request, then answer with JSON of another shape (`{"unexpected":true}`), as
    /// a venue that changed its format would.
    WrongShape,
}

/// The faults handle of a running [`MockExchange`](super::MockExchange).
///
/// Cheap to clone; every clone controls the same exchange. Stream faults apply to every symbol's
/// stream: a one-shot fault ("drop the next delta") is used by whichever symbol publishes next.
///
/// ```
/// # async fn demo(ex: &hft_cache_mock::MockExchange) {
/// let faults = ex.faults();
/// faults.drop_next_delta(); // the next depth event is never sent: a client sees a gap
/// faults.fail_next_requests(2); // the next two REST requests get HTTP 503
/// # }
/// ```
#[derive(Clone)]
pub struct Faults {
    pub(crate) inner: Arc<FaultState>,
}

#[derive(Default)]
pub(crate) struct FaultState {
    pub(crate) stalled: AtomicBool,
    pub(crate) quiet: AtomicBool,
    pub(crate) drop_next: AtomicBool,
    pub(crate) duplicate_next: AtomicBool,
    pub(crate) reorder_next: AtomicBool,
    pub(crate) bad_frame: AtomicBool,
    rest: Mutex<VecDeque<RestFault>>,
    /// Bumped to close every open WebSocket.
    pub(crate) close_sockets: CloseSignal,
    /// Bumped to send `serverShutdown` on every open WebSocket, then close it.
    pub(crate) server_shutdown: CloseSignal,
}

/// A counter that WebSocket tasks watch; every bump closes the sockets open at that moment.
pub(crate) struct CloseSignal(watch::Sender<u64>);

impl Default for CloseSignal {
    fn default() -> Self {
        CloseSignal(watch::Sender::new(0))
    }
}

impl CloseSignal {
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }

    fn bump(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }
}

impl FaultState {
    /// Takes a one-shot flag: true once after it was set.
    pub(crate) fn take(flag: &AtomicBool) -> bool {
        // AcqRel: a one-shot fault is taken by exactly one step, which sees what came before it.
        flag.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn is_stalled(&self) -> bool {
        // Acquire: pairs with the Release of the test that set the fault.
        self.stalled.load(Ordering::Acquire)
    }

    pub(crate) fn is_quiet(&self) -> bool {
        // Acquire: pairs with the Release of the test that set the fault.
        self.quiet.load(Ordering::Acquire)
    }

    pub(crate) fn next_rest_fault(&self) -> Option<RestFault> {
        self.rest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }
}

impl Faults {
    pub(crate) fn new() -> Self {
        Faults {
            inner: Arc::new(FaultState::default()),
        }
    }

    /// Stops (`true`) or resumes (`false`) every market stream. While stalled, sockets stay
    /// open and client pings are still answered, but no events (depth, trades, tickers, ...) and
    /// no server pings are sent.
    /// The book keeps moving meanwhile, so the first event after a stall does not follow the last
    /// one sent: a correct client sees a gap and resynchronises.
    pub fn stall_stream(&self, stalled: bool) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.stalled.store(stalled, Ordering::Release);
    }

    /// Makes every market quiet (`true`) or lively again (`false`). A quiet book does not move
    /// by itself and nothing trades, so its depth streams send nothing, as a quiet book on
    /// Binance does, while the link stays healthy: server pings, tickers and partial books go
    /// on, and the account's orders still move the book. Unlike a stall, nothing is lost: the
    /// next event follows the last one.
    pub fn quiet_market(&self, quiet: bool) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.quiet.store(quiet, Ordering::Release);
    }

    /// The next book change is applied to the book but the depth event carrying it is never
    /// sent, on either depth speed: the stream has a gap.
    pub fn drop_next_delta(&self) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.drop_next.store(true, Ordering::Release);
    }

    /// The next depth event is sent twice.
    pub fn duplicate_next_delta(&self) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.duplicate_next.store(true, Ordering::Release);
    }

    /// The next two depth events are sent in the opposite order.
    pub fn reorder_next_deltas(&self) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.reorder_next.store(true, Ordering::Release);
    }

    /// One text frame that is not valid JSON is sent before the next depth event.
    pub fn send_bad_frame(&self) {
        // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
        self.inner.bad_frame.store(true, Ordering::Release);
    }

    /// Closes every WebSocket open now (with a close frame). New connections are accepted.
    pub fn close_streams(&self) {
        self.inner.close_sockets.bump();
    }

    /// Announces a server shutdown as Binance does: every WebSocket open now receives the
    /// `serverShutdown` event (`{"e":"serverShutdown","E":..}`, wrapped with the stream name
    /// `!serverShutdown` on a combined stream) and is then closed. New connections are accepted.
    pub fn server_shutdown(&self) {
        self.inner.server_shutdown.bump();
    }

    /// Queues `times` copies of a REST fault; the next `times` REST requests take one each.
    pub fn push_rest_fault(&self, fault: RestFault, times: u32) {
        let mut queue = self
            .inner
            .rest
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        queue.extend(std::iter::repeat_n(fault, times as usize));
    }

    /// The next `n` REST requests get HTTP 503 with a plain-text body.
    pub fn fail_next_requests(&self, n: u32) {
        self.push_rest_fault(RestFault::Status(503), n);
    }

    /// The next `n` REST requests get `status` with Binance's error body `{"code":..,"msg":..}`.
    pub fn error_next_requests(&self, n: u32, status: u16, code: i64, msg: impl Into<String>) {
        let fault = RestFault::Error {
            status,
            code,
            msg: msg.into(),
        };
        self.push_rest_fault(fault, n);
    }

    /// The next `n` REST requests are executed, then answered after `delay`.
    pub fn delay_next_requests(&self, n: u32, delay: Duration) {
        self.push_rest_fault(RestFault::Delay(delay), n);
    }

    /// The next `n` REST requests are executed, then answered with half of their body.
    pub fn truncate_next_responses(&self, n: u32) {
        self.push_rest_fault(RestFault::Truncated, n);
    }

    /// The next `n` REST requests are executed, then answered with a body that is not JSON.
    pub fn malform_next_responses(&self, n: u32) {
        self.push_rest_fault(RestFault::Malformed, n);
    }

    /// Drops every queued REST fault and clears every stream fault, resuming a stalled stream
    /// and a quiet market.
    pub fn clear(&self) {
        let s = &self.inner;
        for flag in [
            &s.stalled,
            &s.quiet,
            &s.drop_next,
            &s.duplicate_next,
            &s.reorder_next,
            &s.bad_frame,
        ] {
            // Release: what the test did before setting the fault is seen where the server reads it (Acquire).
            flag.store(false, Ordering::Release);
        }
        s.rest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many queued REST faults have not been used yet.
    pub fn pending_rest_faults(&self) -> usize {
        self.inner
            .rest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("stalled", &self.inner.is_stalled())
            .field("quiet", &self.inner.is_quiet())
            .field("pending_rest_faults", &self.pending_rest_faults())
            .finish_non_exhaustive()
    }
}
