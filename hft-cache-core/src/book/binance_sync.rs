//! [`DepthSync`]: Binance's snapshot + buffered `[U;u]` deltas, the documented way.

use std::collections::VecDeque;

use super::checksum::BookChecksum;
use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook};
use super::sync::{
    apply_levels, book_of, check_ids, check_message, next_id, BookSync, SyncOutcome,
};
use super::update::{BookDelta, BookSnapshot};

/// Deltas kept while a snapshot is awaited, contiguous, oldest first, with what they hold
/// (shared with [`FuturesDepthSync`](super::FuturesDepthSync)).
#[derive(Default)]
pub(super) struct Buffer {
    pub(super) deltas: VecDeque<BookDelta>,
    pub(super) levels: usize,
    bytes: usize,
}

impl Buffer {
    pub(super) fn of(delta: BookDelta) -> Self {
        let mut buffer = Buffer::default();
        buffer.push(delta);
        buffer
    }

    /// The heap a delta holds, its own slot in the buffer included.
    fn bytes_of(delta: &BookDelta) -> usize {
        let level = std::mem::size_of::<(rust_decimal::Decimal, rust_decimal::Decimal)>();
        std::mem::size_of::<BookDelta>().saturating_add(
            delta
                .bids
                .capacity()
                .saturating_add(delta.asks.capacity())
                .saturating_mul(level),
        )
    }

    pub(super) fn push(&mut self, delta: BookDelta) {
        self.levels = self
            .levels
            .saturating_add(delta.bids.len() + delta.asks.len());
        self.bytes = self.bytes.saturating_add(Self::bytes_of(&delta));
        self.deltas.push_back(delta);
    }

    pub(super) fn clear(&mut self) {
        *self = Buffer::default();
    }

    pub(super) fn stats(&self) -> BufferStats {
        BufferStats {
            deltas: self.deltas.len(),
            levels: self.levels,
            bytes: self.bytes,
        }
    }
}

enum State {
    /// Waiting for a snapshot; deltas are kept.
    Buffering(Buffer),
    /// A snapshot is applied, but no delta yet on top of it.
    Seeded { book: OrderBook, snapshot_id: u64 },
    /// In sync: `last_update_id` is the last applied delta's `u`.
    Live {
        book: OrderBook,
        last_update_id: u64,
    },
}

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
pub struct DepthSync {
    state: State,
    checksum: Option<BookChecksum>,
    limits: BookLimits,
}

impl Default for DepthSync {
    fn default() -> Self {
        Self::new()
    }
}

impl DepthSync {
    /// A sync waiting for events and a snapshot, with the default [`BookLimits`].
    pub fn new() -> Self {
        DepthSync {
            state: State::Buffering(Buffer::default()),
            checksum: None,
            limits: BookLimits::default(),
        }
    }

    /// Verifies every checksum a snapshot or delta carries with `checksum`.
    #[must_use]
    pub fn with_checksum(mut self, checksum: BookChecksum) -> Self {
        self.checksum = Some(checksum);
        self
    }

    /// Caps what the sync holds (default [`BookLimits::default`]).
    #[must_use]
    pub fn with_limits(mut self, limits: BookLimits) -> Self {
        self.limits = limits;
        self
    }

    fn buffer(&mut self, delta: BookDelta) -> SyncOutcome {
        let limits = self.limits;
        let State::Buffering(buffer) = &mut self.state else {
            // Only called while buffering; anything else is a bug best answered by a resync.
            self.reset();
            return SyncOutcome::Buffered;
        };
        if let Err(e) =
            check_ids(&delta).and_then(|()| check_message(&delta.bids, &delta.asks, &limits))
        {
            buffer.clear();
            return SyncOutcome::Invalid(e);
        }
        // A hole inside the buffer makes everything before it useless.
        if let Some(last) = buffer.deltas.back() {
            match next_id(last.last_update_id) {
                Ok(next) if delta.first_update_id > next => buffer.clear(),
                Ok(_) => {}
                Err(e) => {
                    buffer.clear();
                    return SyncOutcome::Invalid(e);
                }
            }
        }
        let deltas = buffer.deltas.len().saturating_add(1);
        let levels = buffer
            .levels
            .saturating_add(delta.bids.len() + delta.asks.len());
        if deltas > limits.buffered_deltas() || levels > limits.buffered_levels() {
            // Past the cap: start over, never grow.
            buffer.clear();
            return SyncOutcome::Invalid(BookError::BufferFull { deltas, levels });
        }
        buffer.push(delta);
        SyncOutcome::Buffered
    }

    fn apply(&mut self, delta: &BookDelta) -> SyncOutcome {
        if let Err(e) = check_ids(delta) {
            self.reset();
            return SyncOutcome::Invalid(e);
        }
        // The update id the book needs next: the snapshot's + 1 until a delta has been applied
        // (the first must contain it), then the last applied delta's + 1.
        let (book, current, seeded) = match &mut self.state {
            State::Buffering(_) => return self.buffer(delta.clone()),
            State::Seeded { book, snapshot_id } => (book, *snapshot_id, true),
            State::Live {
                book,
                last_update_id,
            } => (book, *last_update_id, false),
        };
        let needed = match next_id(current) {
            Ok(needed) => needed,
            Err(e) => {
                self.reset();
                return SyncOutcome::Invalid(e);
            }
        };
        if delta.last_update_id < needed {
            return SyncOutcome::Ignored;
        }
        if delta.first_update_id > needed {
            let kept = match check_message(&delta.bids, &delta.asks, &self.limits) {
                Ok(()) => Buffer::of(delta.clone()),
                Err(_) => Buffer::default(),
            };
            self.state = State::Buffering(kept);
            if seeded {
                // The snapshot is older than the stream: step 4, another snapshot, this delta
                // kept.
                return SyncOutcome::SnapshotTooOld {
                    snapshot: current,
                    first_buffered: delta.first_update_id,
                };
            }
            // Start over (step 1), with this delta as the first one buffered: it is as good a
            // start for the next snapshot as any later one.
            return SyncOutcome::Gap {
                expected: needed,
                got: delta.first_update_id,
            };
        }
        if let Err(e) = apply_levels(book, &delta.bids, &delta.asks, &self.limits) {
            self.reset();
            return SyncOutcome::Invalid(e);
        }
        if let (Some(checksum), Some(expected)) = (self.checksum, delta.checksum) {
            if let Err((expected, computed)) = checksum.verify(book, expected) {
                self.reset();
                return SyncOutcome::ChecksumMismatch { expected, computed };
            }
        }
        let book = std::mem::take(book);
        self.state = State::Live {
            book,
            last_update_id: delta.last_update_id,
        };
        SyncOutcome::Applied {
            last_update_id: delta.last_update_id,
        }
    }
}

impl BookSync for DepthSync {
    /// Seeds the book with a snapshot and replays the buffered deltas on top of it.
    ///
    /// Returns `Applied` if the book is now live, `Buffered` if no buffered delta reaches past
    /// the snapshot yet (the next delta decides), or `SnapshotTooOld` if the buffer starts
    /// after the snapshot (the buffer is kept: fetch another).
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome {
        let buffer = match std::mem::replace(&mut self.state, State::Buffering(Buffer::default())) {
            State::Buffering(buffer) => buffer,
            // A snapshot while in sync replaces the book from scratch.
            State::Seeded { .. } | State::Live { .. } => Buffer::default(),
        };
        if let Some(first) = buffer.deltas.front() {
            if snapshot.update_id.saturating_add(1) < first.first_update_id {
                let outcome = SyncOutcome::SnapshotTooOld {
                    snapshot: snapshot.update_id,
                    first_buffered: first.first_update_id,
                };
                self.state = State::Buffering(buffer);
                return outcome;
            }
        }
        let book = match book_of(&snapshot, &self.limits) {
            Ok(book) => book,
            Err(e) => return SyncOutcome::Invalid(e),
        };
        if let (Some(checksum), Some(expected)) = (self.checksum, snapshot.checksum) {
            if let Err((expected, computed)) = checksum.verify(&book, expected) {
                return SyncOutcome::ChecksumMismatch { expected, computed };
            }
        }
        self.state = State::Seeded {
            book,
            snapshot_id: snapshot.update_id,
        };
        let mut outcome = SyncOutcome::Buffered;
        for delta in buffer.deltas {
            match self.apply(&delta) {
                SyncOutcome::Ignored => {}
                applied @ SyncOutcome::Applied { .. } => outcome = applied,
                failed => return failed,
            }
        }
        outcome
    }

    fn on_delta(&mut self, delta: BookDelta) -> SyncOutcome {
        match &self.state {
            State::Buffering(_) => self.buffer(delta),
            State::Seeded { .. } | State::Live { .. } => self.apply(&delta),
        }
    }

    fn reset(&mut self) {
        self.state = State::Buffering(Buffer::default());
    }

    fn set_limits(&mut self, limits: BookLimits) {
        self.limits = limits;
    }

    fn buffered(&self) -> BufferStats {
        match &self.state {
            State::Buffering(buffer) => buffer.stats(),
            _ => BufferStats::default(),
        }
    }

    fn needs_snapshot(&self) -> bool {
        matches!(self.state, State::Buffering(_))
    }

    fn book(&self) -> Option<&OrderBook> {
        match &self.state {
            State::Live { book, .. } => Some(book),
            _ => None,
        }
    }

    fn last_update_id(&self) -> Option<u64> {
        match &self.state {
            State::Live { last_update_id, .. } => Some(*last_update_id),
            _ => None,
        }
    }
}

impl std::fmt::Debug for DepthSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Buffering(buffer) => format!("buffering {} deltas", buffer.deltas.len()),
            State::Seeded { snapshot_id, .. } => format!("seeded at {snapshot_id}"),
            State::Live { last_update_id, .. } => format!("live at {last_update_id}"),
        };
        f.debug_struct("DepthSync")
            .field("state", &state)
            .field("checksum", &self.checksum)
            .field("limits", &self.limits)
            .finish()
    }
}

crate::class::declare_class!(Streamed for DepthSync);
