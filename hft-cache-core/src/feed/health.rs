//! [`HealthRecorder`] and the [`FeedHealth`] it reports.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::book::BufferStats;
use crate::clock::{SharedClock, SystemClock, Timestamp};
use crate::stream_cache::FeedFault;

/// Where a feed is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum FeedPhase {
    /// Opening the WebSocket.
    Connecting,
    /// Connected, rebuilding its state (buffering events, fetching a snapshot).
    Syncing,
    /// In sync: every applied event is published.
    Live,
    /// Waiting before the next attempt after a failure.
    Backoff,
    /// Stopped.
    Stopped,
}

/// A feed's health at one moment: the link clock (frames), the data clock (events) and the
/// counters of what went wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FeedHealth {
    /// The symbol (depth feed) or the feed's name (typed feed).
    pub symbol: String,
    /// The life-cycle phase.
    pub phase: FeedPhase,
    /// Whether the WebSocket is open.
    pub connected: bool,
    /// How long ago any frame arrived, pongs included (link liveness).
    pub last_frame_age: Option<Duration>,
    /// How long ago a data event arrived (data age).
    pub last_event_age: Option<Duration>,
    /// Data events received.
    pub events: u64,
    /// Times the stream was reconnected.
    pub reconnects: u64,
    /// Sequence gaps (and checksum mismatches) detected.
    pub gaps: u64,
    /// Times the state was rebuilt from a new snapshot.
    pub resyncs: u64,
    /// Snapshot requests that failed.
    pub snapshot_failures: u64,
    /// The last fault, if any.
    pub last_fault: Option<FeedFault>,
    /// The update id the published data is current to, where the venue numbers updates.
    pub last_update_id: Option<u64>,
    /// What a depth feed's sync buffers while it awaits a snapshot, now (capped by
    /// [`BookLimits`](crate::book::BookLimits)).
    pub buffered: BufferStats,
    /// The most the buffer held at once since the feed started.
    pub buffered_peak: BufferStats,
    /// Keys a typed feed has published since it was last healthy again (capped by
    /// [`StreamFeedBuilder::max_keys`](super::StreamFeedBuilder::max_keys)).
    pub keys: usize,
    /// Values a typed feed refused because their key would have passed its cap.
    pub refused_keys: u64,
    /// Times the feed's task panicked and was restarted.
    pub panics: u64,
}

#[derive(Default, Clone)]
struct Counters {
    phase: Option<FeedPhase>,
    connected: bool,
    last_frame: Option<Timestamp>,
    last_event: Option<Timestamp>,
    events: u64,
    reconnects: u64,
    gaps: u64,
    resyncs: u64,
    snapshot_failures: u64,
    last_fault: Option<FeedFault>,
    last_update_id: Option<u64>,
    buffered: BufferStats,
    buffered_peak: BufferStats,
    keys: usize,
    refused_keys: u64,
    panics: u64,
}

/// Records what a feed does (frames, events, reconnects, gaps, resyncs) and reports it as the
/// same [`FeedHealth`] the crate's own feeds report. Clones share one record: the feed task
/// writes, a handle reads.
///
/// For a feed of one's own, record each step as it happens and follow the crate's contract:
/// on any fault, [`fault`](HealthRecorder::fault) here and `mark_unhealthy` on the
/// [`FeedWriter`](crate::stream_cache::FeedWriter); after silence or a gap, call `mark_healthy`
/// only once the state has been rebuilt from a fresh snapshot.
///
/// ```
/// use hft_cache::feed::{FeedPhase, HealthRecorder};
/// use hft_cache::stream_cache::FeedFault;
///
/// let health = HealthRecorder::new("fix:BTCUSD");
/// health.connected(true);
/// health.frame();
/// health.event();
/// health.fault(&FeedFault::SequenceGap { expected: 8, got: 10 });
/// health.gap();
/// health.resync();
/// health.phase(FeedPhase::Live);
/// let report = health.health();
/// assert_eq!((report.events, report.gaps, report.resyncs), (1, 1, 1));
/// assert!(report.last_event_age.is_some());
/// ```
#[derive(Clone)]
pub struct HealthRecorder {
    symbol: Arc<str>,
    clock: SharedClock,
    inner: Arc<Mutex<Counters>>,
}

impl HealthRecorder {
    /// A record for the feed named `symbol`, on the system clock.
    pub fn new(symbol: &str) -> Self {
        Self::on_clock(symbol, SystemClock::shared())
    }

    /// A record on `clock` (a `ManualClock` in tests).
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn with_clock(symbol: &str, clock: SharedClock) -> Self {
        Self::on_clock(symbol, clock)
    }

    pub(crate) fn on_clock(symbol: &str, clock: SharedClock) -> Self {
        HealthRecorder {
            symbol: symbol.into(),
            clock,
            inner: Arc::default(),
        }
    }

    fn update(&self, f: impl FnOnce(&mut Counters)) {
        // A task that panicked holding the lock left plain counters: keep recording.
        let mut c = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut c);
    }

    /// The feed entered `phase`.
    pub fn phase(&self, phase: FeedPhase) {
        self.update(|c| c.phase = Some(phase));
    }

    /// The link opened (`true`) or closed.
    pub fn connected(&self, connected: bool) {
        self.update(|c| c.connected = connected);
    }

    /// A frame of any kind arrived (the link clock).
    pub fn frame(&self) {
        let now = self.clock.now();
        self.update(|c| c.last_frame = Some(now));
    }

    /// A data event arrived (the data clock; also a frame).
    pub fn event(&self) {
        let now = self.clock.now();
        self.update(|c| {
            c.last_frame = Some(now);
            c.last_event = Some(now);
            c.events += 1;
        });
    }

    /// The link was reopened.
    pub fn reconnect(&self) {
        self.update(|c| c.reconnects += 1);
    }

    /// Updates were lost (a sequence gap or a checksum mismatch).
    pub fn gap(&self) {
        self.update(|c| c.gaps += 1);
    }

    /// The state is being rebuilt from a new snapshot.
    pub fn resync(&self) {
        self.update(|c| c.resyncs += 1);
    }

    /// A snapshot request failed.
    pub fn snapshot_failure(&self) {
        self.update(|c| c.snapshot_failures += 1);
    }

    /// The feed went unhealthy for `fault`.
    pub fn fault(&self, fault: &FeedFault) {
        self.update(|c| c.last_fault = Some(fault.clone()));
    }

    /// The published data is current to update `id`.
    pub fn update_id(&self, id: u64) {
        self.update(|c| c.last_update_id = Some(id));
    }

    /// What the feed buffers now; the peak of each figure is kept too.
    pub fn buffered(&self, now: BufferStats) {
        self.update(|c| {
            c.buffered = now;
            let peak = &mut c.buffered_peak;
            peak.deltas = peak.deltas.max(now.deltas);
            peak.levels = peak.levels.max(now.levels);
            peak.bytes = peak.bytes.max(now.bytes);
        });
    }

    /// How many keys the feed has published since it was last healthy again.
    pub fn keys(&self, keys: usize) {
        self.update(|c| c.keys = keys);
    }

    /// A value was refused: its key would have passed the feed's cap.
    pub fn refused_key(&self) {
        self.update(|c| c.refused_keys += 1);
    }

    /// The feed's task panicked; it is restarted.
    pub fn panicked(&self) {
        self.update(|c| c.panics += 1);
    }

    /// The health now.
    pub fn health(&self) -> FeedHealth {
        let now = self.clock.now();
        let c = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        FeedHealth {
            symbol: self.symbol.to_string(),
            phase: c.phase.unwrap_or(FeedPhase::Connecting),
            connected: c.connected,
            last_frame_age: c.last_frame.map(|t| now.saturating_since(t)),
            last_event_age: c.last_event.map(|t| now.saturating_since(t)),
            events: c.events,
            reconnects: c.reconnects,
            gaps: c.gaps,
            resyncs: c.resyncs,
            snapshot_failures: c.snapshot_failures,
            last_fault: c.last_fault,
            last_update_id: c.last_update_id,
            buffered: c.buffered,
            buffered_peak: c.buffered_peak,
            keys: c.keys,
            refused_keys: c.refused_keys,
            panics: c.panics,
        }
    }
}

impl std::fmt::Debug for HealthRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthRecorder")
            .field("symbol", &self.symbol)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(owned Plain for FeedPhase);
crate::class::declare_class!(Plain for FeedHealth);
crate::class::declare_class!(Plain for HealthRecorder);

#[cfg(all(test, feature = "test-util"))]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn the_link_clock_and_the_data_clock_age_apart() {
        let clock = ManualClock::new();
        let health = HealthRecorder::with_clock("BTCUSDT", clock.shared());
        assert_eq!(health.health().last_frame_age, None);
        health.event();
        clock.advance(Duration::from_secs(3));
        health.frame(); // a pong: the link is alive, the data is not newer
        clock.advance(Duration::from_secs(1));
        let report = health.health();
        assert_eq!(report.last_frame_age, Some(Duration::from_secs(1)));
        assert_eq!(report.last_event_age, Some(Duration::from_secs(4)));
        assert_eq!(report.events, 1);
        health.fault(&FeedFault::Silent {
            for_: Duration::from_secs(30),
        });
        health.reconnect();
        let report = health.clone().health();
        assert_eq!(report.reconnects, 1);
        assert!(matches!(report.last_fault, Some(FeedFault::Silent { .. })));
        assert_eq!(report.phase, FeedPhase::Connecting);
    }
}
