//! [`DepthSync`]: Binance's snapshot + buffered `[U;u]` deltas, the documented way.

use std::collections::VecDeque;

use super::checksum::BookChecksum;
use super::order_book::OrderBook;
use super::sync::{apply_levels, book_of, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

enum State {
    /// Waiting for a snapshot; deltas are kept, contiguous, oldest first.
    Buffering(VecDeque<BookDelta>),
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
}

impl Default for DepthSync {
    fn default() -> Self {
        Self::new()
    }
}

/// Events kept while waiting for a snapshot, at most; older ones are dropped (a snapshot that
/// slow will be older than the buffer anyway, and says so).
const MAX_BUFFERED: usize = 10_000;

impl DepthSync {
    /// A sync waiting for events and a snapshot.
    pub fn new() -> Self {
        DepthSync {
            state: State::Buffering(VecDeque::new()),
            checksum: None,
        }
    }

    /// Verifies every checksum a snapshot or delta carries with `checksum`.
    #[must_use]
    pub fn with_checksum(mut self, checksum: BookChecksum) -> Self {
        self.checksum = Some(checksum);
        self
    }

    fn buffer(&mut self, delta: BookDelta) -> SyncOutcome {
        let State::Buffering(buffer) = &mut self.state else {
            unreachable!("only called while buffering");
        };
        // A hole inside the buffer makes everything before it useless.
        if buffer
            .back()
            .is_some_and(|last| delta.first_update_id > last.last_update_id + 1)
        {
            buffer.clear();
        }
        if buffer.len() == MAX_BUFFERED {
            buffer.pop_front();
        }
        buffer.push_back(delta);
        SyncOutcome::Buffered
    }

    fn apply(&mut self, delta: &BookDelta) -> SyncOutcome {
        // The update id the book needs next: the snapshot's + 1 until a delta has been applied
        // (the first must contain it), then the last applied delta's + 1.
        let (book, needed, seeded) = match &mut self.state {
            State::Buffering(_) => unreachable!("buffering is handled by the callers"),
            State::Seeded { book, snapshot_id } => (book, *snapshot_id + 1, true),
            State::Live {
                book,
                last_update_id,
            } => (book, *last_update_id + 1, false),
        };
        if delta.last_update_id < needed {
            return SyncOutcome::Ignored;
        }
        if delta.first_update_id > needed {
            if seeded {
                // The snapshot is older than the stream: step 4, another snapshot, this delta
                // kept.
                let outcome = SyncOutcome::SnapshotTooOld {
                    snapshot: needed - 1,
                    first_buffered: delta.first_update_id,
                };
                self.state = State::Buffering(VecDeque::from([delta.clone()]));
                return outcome;
            }
            // Start over (step 1), with this delta as the first one buffered: it is as good a
            // start for the next snapshot as any later one.
            self.state = State::Buffering(VecDeque::from([delta.clone()]));
            return SyncOutcome::Gap {
                expected: needed,
                got: delta.first_update_id,
            };
        }
        if let Err(e) = apply_levels(book, &delta.bids, &delta.asks) {
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
        let buffer = match std::mem::replace(&mut self.state, State::Buffering(VecDeque::new())) {
            State::Buffering(buffer) => buffer,
            // A snapshot while in sync replaces the book from scratch.
            State::Seeded { .. } | State::Live { .. } => VecDeque::new(),
        };
        if let Some(first) = buffer.front() {
            if snapshot.update_id + 1 < first.first_update_id {
                let outcome = SyncOutcome::SnapshotTooOld {
                    snapshot: snapshot.update_id,
                    first_buffered: first.first_update_id,
                };
                self.state = State::Buffering(buffer);
                return outcome;
            }
        }
        let book = match book_of(&snapshot) {
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
        for delta in buffer {
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
        self.state = State::Buffering(VecDeque::new());
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
            State::Buffering(buffer) => format!("buffering {} deltas", buffer.len()),
            State::Seeded { snapshot_id, .. } => format!("seeded at {snapshot_id}"),
            State::Live { last_update_id, .. } => format!("live at {last_update_id}"),
        };
        f.debug_struct("DepthSync")
            .field("state", &state)
            .field("checksum", &self.checksum)
            .finish()
    }
}

crate::class::declare_class!(Streamed for DepthSync);
