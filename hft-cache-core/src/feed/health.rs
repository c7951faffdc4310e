//! What a feed reports about itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::clock::{SharedClock, Timestamp};
use crate::stream_cache::FeedFault;

/// Where a symbol's feed is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FeedPhase {
    /// Opening the WebSocket.
    Connecting,
    /// Connected, buffering events and fetching a snapshot.
    Syncing,
    /// In sync: every applied event is published.
    Live,
    /// Waiting before the next attempt after a failure.
    Backoff,
    /// Stopped.
    Stopped,
}

/// A symbol feed's health at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedHealth {
    /// The symbol.
    pub symbol: String,
    /// The life-cycle phase.
    pub phase: FeedPhase,
    /// Whether the WebSocket is open.
    pub connected: bool,
    /// How long ago any frame arrived (link liveness).
    pub last_frame_age: Option<Duration>,
    /// How long ago a depth event arrived (data age).
    pub last_event_age: Option<Duration>,
    /// Depth events received.
    pub events: u64,
    /// Times the stream was reconnected.
    pub reconnects: u64,
    /// Sequence gaps detected.
    pub gaps: u64,
    /// Times the book was rebuilt from a new snapshot.
    pub resyncs: u64,
    /// Snapshot requests that failed.
    pub snapshot_failures: u64,
    /// The last fault, if any.
    pub last_fault: Option<FeedFault>,
    /// The update id the published book is current to.
    pub last_update_id: Option<u64>,
}

#[derive(Default, Clone)]
pub(crate) struct Counters {
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
}

/// Shared between a symbol's task (writer) and the handle (reader).
#[derive(Clone)]
pub(crate) struct HealthCell {
    symbol: Arc<str>,
    clock: SharedClock,
    inner: Arc<Mutex<Counters>>,
}

impl HealthCell {
    pub(crate) fn new(symbol: &str, clock: SharedClock) -> Self {
        HealthCell {
            symbol: symbol.into(),
            clock,
            inner: Arc::default(),
        }
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.inner.lock() {
            f(&mut c);
        }
    }

    pub(crate) fn phase(&self, phase: FeedPhase) {
        self.update(|c| c.phase = Some(phase));
    }

    pub(crate) fn frame(&self) {
        let now = self.clock.now();
        self.update(|c| c.last_frame = Some(now));
    }

    pub(crate) fn event(&self) {
        let now = self.clock.now();
        self.update(|c| {
            c.last_frame = Some(now);
            c.last_event = Some(now);
            c.events += 1;
        });
    }

    pub(crate) fn fault(&self, fault: &FeedFault) {
        self.update(|c| {
            if matches!(fault, FeedFault::SequenceGap { .. }) {
                c.gaps += 1;
            }
            c.last_fault = Some(fault.clone());
        });
    }

    pub(crate) fn snapshot(&self) -> FeedHealth {
        let now = self.clock.now();
        let c = self.inner.lock().map(|c| c.clone()).unwrap_or_default();
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
        }
    }
}

impl Counters {
    pub(crate) fn set_connected(&mut self, connected: bool) {
        self.connected = connected;
    }
    pub(crate) fn add_reconnect(&mut self) {
        self.reconnects += 1;
    }
    pub(crate) fn add_resync(&mut self) {
        self.resyncs += 1;
    }
    pub(crate) fn add_snapshot_failure(&mut self) {
        self.snapshot_failures += 1;
    }
    pub(crate) fn set_last_update_id(&mut self, id: u64) {
        self.last_update_id = Some(id);
    }
}
