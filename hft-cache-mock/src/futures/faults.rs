//! Faults on demand for the futures mock: the spot mock's stream and REST faults (one shared
//! fault state, so each fault means exactly what it means on spot), plus faults aimed at one
//! endpoint and rate limiting with `Retry-After`.
//!
//! The countdown (`countdownCancelAll`) is deliberately not faultable: a client relies on the
//! exchange's own cancel when everything else has failed, so the mock always honours it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::faults::{Faults, RestFault};

/// Injects faults into a running [`FuturesMock`](super::FuturesMock). Cheap to clone; every
/// clone controls the same mock.
///
/// ```
/// # async fn demo(mock: &hft_cache_mock::futures::FuturesMock) {
/// let faults = mock.faults();
/// faults.drop_next_delta(); // the next depth event is never sent: its successor's `pu` breaks the chain
/// faults.fail_endpoint("/fapi/v2/positionRisk", 503, 1); // the next positionRisk gets HTTP 503
/// faults.rate_limit_next(1, std::time::Duration::from_secs(2)); // HTTP 429, Retry-After: 2
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FuturesFaults {
    /// The stream flags and the REST queue, in the spot mock's own fault state.
    pub(crate) shared: Faults,
    endpoints: Arc<Mutex<Vec<EndpointFault>>>,
}

/// What the REST layer does instead of answering a request normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Planned {
    /// One of the spot mock's REST faults.
    Rest(RestFault),
    /// HTTP 429 with `Retry-After` (whole seconds) and Binance's -1003 body.
    RateLimited(u64),
}

#[derive(Debug)]
struct EndpointFault {
    path: String,
    fault: Planned,
    remaining: u32,
}

impl FuturesFaults {
    pub(crate) fn new() -> Self {
        FuturesFaults {
            shared: Faults::new(),
            endpoints: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Stops (`true`) or resumes (`false`) the depth streams. Sockets stay open; the book keeps
    /// moving, and what it did meanwhile is never sent, so the first event after a stall has a
    /// `pu` that is not the last `u` a client saw.
    pub fn stall_stream(&self, stalled: bool) {
        self.shared.stall_stream(stalled);
    }

    /// Makes every book quiet (`true`) or lively again (`false`), as on spot: a quiet book does
    /// not move by itself, so the depth streams send nothing while the link stays healthy; the
    /// account's orders still move it. Nothing is lost: the next event chains to the last.
    pub fn quiet_market(&self, quiet: bool) {
        self.shared.quiet_market(quiet);
    }

    /// The next book change is applied but the depth event carrying it is never sent: the
    /// following event's `pu` names an event the client never got.
    pub fn drop_next_delta(&self) {
        self.shared.drop_next_delta();
    }

    /// One text frame that is not valid JSON is sent before the next depth event.
    pub fn send_bad_frame(&self) {
        self.shared.send_bad_frame();
    }

    /// Closes every WebSocket open now (with a close frame). New connections are accepted.
    pub fn close_streams(&self) {
        self.shared.close_streams();
    }

    /// Queues `times` copies of a REST fault for any endpoint, as on spot
    /// ([`Faults::push_rest_fault`]).
    pub fn push_rest_fault(&self, fault: RestFault, times: u32) {
        self.shared.push_rest_fault(fault, times);
    }

    /// The next `n` REST requests get HTTP 503 with a plain-text body.
    pub fn fail_next_requests(&self, n: u32) {
        self.shared.fail_next_requests(n);
    }

    /// The next `n` REST requests get `status` with Binance's `{"code":..,"msg":..}` body.
    pub fn error_next_requests(&self, n: u32, status: u16, code: i64, msg: impl Into<String>) {
        self.shared.error_next_requests(n, status, code, msg);
    }

    /// The next `n` REST requests are executed, then answered with a body that is not JSON.
    pub fn malform_next_responses(&self, n: u32) {
        self.shared.malform_next_responses(n);
    }

    /// The next `n` requests to `path` (`"/fapi/v1/order"`, any method) get HTTP `status`
    /// (a 5xx, say) with a plain-text body and are not executed. Other endpoints answer
    /// normally.
    pub fn fail_endpoint(&self, path: impl Into<String>, status: u16, n: u32) {
        self.plan(path.into(), Planned::Rest(RestFault::Status(status)), n);
    }

    /// The next `n` requests to `path` get `fault` (any of the spot mock's REST faults).
    pub fn fault_endpoint(&self, path: impl Into<String>, fault: RestFault, n: u32) {
        self.plan(path.into(), Planned::Rest(fault), n);
    }

    /// The next `n` REST requests get HTTP 429 with `Retry-After` (`retry_after` rounded up to
    /// whole seconds) and `{"code":-1003,..}`, and are not executed.
    pub fn rate_limit_next(&self, n: u32, retry_after: Duration) {
        let secs = retry_after
            .as_secs()
            .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
        self.plan(String::new(), Planned::RateLimited(secs), n);
    }

    /// Drops every queued fault and clears every stream fault, resuming a stalled stream.
    pub fn clear(&self) {
        self.shared.clear();
        self.lock().clear();
    }

    fn plan(&self, path: String, fault: Planned, n: u32) {
        if n > 0 {
            self.lock().push(EndpointFault {
                path,
                fault,
                remaining: n,
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<EndpointFault>> {
        self.endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The fault the next request to `path` takes, if any: one aimed at the path (or at every
    /// path, the rate limit) first, then the shared queue.
    pub(crate) fn next_for(&self, path: &str) -> Option<Planned> {
        let mut planned = self.lock();
        if let Some(i) = planned
            .iter()
            .position(|f| f.path.is_empty() || f.path == path)
        {
            let fault = planned[i].fault.clone();
            planned[i].remaining -= 1;
            if planned[i].remaining == 0 {
                planned.remove(i);
            }
            return Some(fault);
        }
        drop(planned);
        self.shared.inner.next_rest_fault().map(Planned::Rest)
    }
}
