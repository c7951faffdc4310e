//! [`DepthSync`]: Binance's snapshot + buffered `[U;u]` deltas, the documented way.

use super::buffered_sync::{BufferedSync, ChainRule, Fit};
use super::checksum::BookChecksum;
use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook};
use super::sync::{check_ids, next_id, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

/// Keeps an [`OrderBook`] in sync with Binance's diff-depth stream, as its docs say:
///
/// 1. buffer stream events and fetch a depth snapshot;
/// 2. if the snapshot's `lastUpdateId` is older than the first buffered event
///    ([`SyncOutcome::SnapshotTooOld`]), fetch another and keep the buffer;
/// 3. drop buffered events with `u` ≤ `lastUpdateId`; the first applied must contain
///    `lastUpdateId + 1` in `[U;u]`;
/// 4. from then on an event with `u` ≤ the book's id is a duplicate and ignored, and `U` above
///    the book's id + 1 is a gap: the book is discarded, that event is buffered, and a new
///    snapshot is needed.
///
/// The book is served only once an event has been applied on top of the snapshot.
///
/// Nothing a venue sends can panic it or grow it without bound: update ids are checked (a
/// delta whose `U` is above its `u` + 1, or a book at `u64::MAX` that would need one more, is a
/// [`SyncOutcome::Invalid`]), and the buffer, the levels per message and the book are capped by
/// [`BookLimits`]; past a cap the sync starts over from a new snapshot.
///
/// ```
/// use hft_cache::book::{BookDelta, BookSnapshot, BookSync, DepthSync, SyncOutcome};
/// use rust_decimal_macros::dec;
///
/// let event = |first, last| BookDelta {
///     first_update_id: first, last_update_id: last,
///     bids: vec![(dec!(99), dec!(1))], asks: vec![(dec!(101), dec!(1))],
///     ..BookDelta::default()
/// };
/// let snapshot = |id| BookSnapshot {
///     update_id: id, bids: vec![(dec!(98), dec!(2))], asks: vec![(dec!(102), dec!(2))],
///     ..BookSnapshot::default()
/// };
/// let mut sync = DepthSync::new();
/// assert_eq!(sync.on_delta(event(100, 105)), SyncOutcome::Buffered);
/// assert_eq!(sync.on_delta(event(106, 110)), SyncOutcome::Buffered);
/// // Too old for the buffer: fetch another, the buffer stays.
/// assert_eq!(sync.on_snapshot(snapshot(90)), SyncOutcome::SnapshotTooOld { snapshot: 90, first_buffered: 100 });
/// assert_eq!(sync.on_snapshot(snapshot(107)), SyncOutcome::Applied { last_update_id: 110 });
/// assert_eq!(sync.on_delta(event(111, 115)), SyncOutcome::Applied { last_update_id: 115 });
/// assert_eq!(sync.on_delta(event(117, 120)), SyncOutcome::Gap { expected: 116, got: 117 });
/// assert!(sync.book().is_none()); // discarded: fetch a new snapshot
/// ```
#[derive(Default)]
pub struct DepthSync(BufferedSync<Spot>);

/// Spot's chain: each event must contain the id after the book's, `U` ≤ id + 1 ≤ `u`, the
/// snapshot's id being the first.
enum Spot {}

impl ChainRule for Spot {
    const NAME: &'static str = "DepthSync";
    // A duplicate is buffered all the same; the replay skips it.
    const DROPS_OLD_WHILE_BUFFERING: bool = false;

    fn check(delta: &BookDelta) -> Result<(), BookError> {
        check_ids(delta)
    }

    fn first_event(snapshot_id: u64, delta: &BookDelta) -> Result<Fit, BookError> {
        Self::continues(snapshot_id, delta)
    }

    fn continues(prev: u64, delta: &BookDelta) -> Result<Fit, BookError> {
        let needed = next_id(prev)?;
        Ok(if delta.last_update_id < needed {
            Fit::Old
        } else if delta.first_update_id > needed {
            Fit::Missed {
                expected: needed,
                got: delta.first_update_id,
            }
        } else {
            Fit::Next
        })
    }
}

impl DepthSync {
    /// A sync waiting for events and a snapshot, with the default [`BookLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies every checksum a snapshot or delta carries with `checksum`.
    #[must_use]
    pub fn with_checksum(self, checksum: BookChecksum) -> Self {
        DepthSync(self.0.with_checksum(checksum))
    }

    /// Caps what the sync holds (default [`BookLimits::default`]).
    #[must_use]
    pub fn with_limits(self, limits: BookLimits) -> Self {
        DepthSync(self.0.with_limits(limits))
    }
}

impl BookSync for DepthSync {
    /// Seeds the book with a snapshot and replays the buffered deltas on top of it.
    ///
    /// Returns `Applied` if the book is now live, `Buffered` if no buffered delta reaches past
    /// the snapshot yet (the next delta decides), or `SnapshotTooOld` if the buffer starts
    /// after the snapshot (the buffer is kept: fetch another).
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome {
        self.0.on_snapshot(snapshot)
    }

    fn on_delta(&mut self, delta: BookDelta) -> SyncOutcome {
        self.0.on_delta(delta)
    }

    fn reset(&mut self) {
        self.0.reset();
    }

    fn set_limits(&mut self, limits: BookLimits) {
        self.0.set_limits(limits);
    }

    fn buffered(&self) -> BufferStats {
        self.0.buffered()
    }

    fn needs_snapshot(&self) -> bool {
        self.0.needs_snapshot()
    }

    fn book(&self) -> Option<&OrderBook> {
        self.0.book()
    }

    fn last_update_id(&self) -> Option<u64> {
        self.0.last_update_id()
    }
}

impl std::fmt::Debug for DepthSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::class::declare_class!(Streamed for DepthSync);
