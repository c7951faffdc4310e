//! [`BufferedSync`]: a REST snapshot plus buffered deltas, chained by a venue's [`ChainRule`].
//!
//! Binance spot's [`DepthSync`](super::DepthSync) and USD-M futures'
//! [`FuturesDepthSync`](super::FuturesDepthSync) buffer, seed, replay and serve a book the same
//! way; they differ only in how a delta must follow the snapshot and the delta before it.

use std::collections::VecDeque;
use std::marker::PhantomData;

use super::checksum::BookChecksum;
use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook};
use super::sync::{apply_levels, book_of, check_message, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

/// Where a delta falls against the id the book is at.
pub(super) enum Fit {
    /// Already in the book (a duplicate, or older than the snapshot): skipped.
    Old,
    /// Applies next.
    Next,
    /// Updates between the book and the delta are missing: `expected` is the id the rule
    /// needed, `got` the one that came.
    Missed { expected: u64, got: u64 },
}

/// How a venue's deltas follow a snapshot and each other: the one thing its procedure adds to
/// [`BufferedSync`].
pub(super) trait ChainRule {
    /// The public type's name, for `Debug`.
    const NAME: &'static str;

    /// Whether, while buffering, a delta already covered by the last one buffered is dropped
    /// ([`SyncOutcome::Ignored`]) rather than buffered.
    const DROPS_OLD_WHILE_BUFFERING: bool;

    /// Refuses a delta that cannot take part in the chain, whatever the book's id.
    fn check(delta: &BookDelta) -> Result<(), BookError>;

    /// Where `delta`, the first applied on top of the snapshot `snapshot_id`, falls.
    fn first_event(snapshot_id: u64, delta: &BookDelta) -> Result<Fit, BookError>;

    /// Where `delta` falls after a delta whose last id was `prev`.
    fn continues(prev: u64, delta: &BookDelta) -> Result<Fit, BookError>;
}

/// Deltas kept while a snapshot is awaited, contiguous, oldest first, with what they hold.
#[derive(Default)]
struct Buffer {
    deltas: VecDeque<BookDelta>,
    levels: usize,
    bytes: usize,
}

impl Buffer {
    fn of(delta: BookDelta) -> Self {
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

    fn push(&mut self, delta: BookDelta) {
        self.levels = self
            .levels
            .saturating_add(delta.bids.len() + delta.asks.len());
        self.bytes = self.bytes.saturating_add(Self::bytes_of(&delta));
        self.deltas.push_back(delta);
    }

    fn clear(&mut self) {
        *self = Buffer::default();
    }

    fn stats(&self) -> BufferStats {
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

/// The procedure behind the public syncs, which document it for their venue: buffer deltas
/// until a snapshot comes, drop what the snapshot already holds, apply the rest in order, and
/// start over from a new snapshot at the first delta that does not follow.
pub(super) struct BufferedSync<R> {
    state: State,
    checksum: Option<BookChecksum>,
    limits: BookLimits,
    rule: PhantomData<R>,
}

impl<R: ChainRule> Default for BufferedSync<R> {
    fn default() -> Self {
        BufferedSync {
            state: State::Buffering(Buffer::default()),
            checksum: None,
            limits: BookLimits::default(),
            rule: PhantomData,
        }
    }
}

impl<R: ChainRule> BufferedSync<R> {
    pub(super) fn with_checksum(mut self, checksum: BookChecksum) -> Self {
        self.checksum = Some(checksum);
        self
    }

    pub(super) fn with_limits(mut self, limits: BookLimits) -> Self {
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
            R::check(&delta).and_then(|()| check_message(&delta.bids, &delta.asks, &limits))
        {
            buffer.clear();
            return SyncOutcome::Invalid(e);
        }
        if let Some(last) = buffer.deltas.back() {
            match R::continues(last.last_update_id, &delta) {
                Ok(Fit::Next) => {}
                Ok(Fit::Old) if R::DROPS_OLD_WHILE_BUFFERING => return SyncOutcome::Ignored,
                Ok(Fit::Old) => {}
                // A hole inside the buffer makes everything before it useless.
                Ok(Fit::Missed { .. }) => buffer.clear(),
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
        if let Err(e) = R::check(delta) {
            self.reset();
            return SyncOutcome::Invalid(e);
        }
        let (book, fit, seeded) = match &mut self.state {
            State::Buffering(_) => return self.buffer(delta.clone()),
            State::Seeded { book, snapshot_id } => (
                book,
                R::first_event(*snapshot_id, delta),
                Some(*snapshot_id),
            ),
            State::Live {
                book,
                last_update_id,
            } => (book, R::continues(*last_update_id, delta), None),
        };
        match fit {
            Ok(Fit::Next) => {}
            Ok(Fit::Old) => return SyncOutcome::Ignored,
            Ok(Fit::Missed { expected, got }) => {
                // Start over with this delta as the first one buffered: it is as good a start
                // for the next snapshot as any later one.
                let kept = match check_message(&delta.bids, &delta.asks, &self.limits) {
                    Ok(()) => Buffer::of(delta.clone()),
                    Err(_) => Buffer::default(),
                };
                self.state = State::Buffering(kept);
                return match seeded {
                    // The snapshot is older than the stream: another one, this delta kept.
                    Some(snapshot) => SyncOutcome::SnapshotTooOld {
                        snapshot,
                        first_buffered: delta.first_update_id,
                    },
                    None => SyncOutcome::Gap { expected, got },
                };
            }
            Err(e) => {
                self.reset();
                return SyncOutcome::Invalid(e);
            }
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

impl<R: ChainRule> BookSync for BufferedSync<R> {
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome {
        let buffer = match std::mem::replace(&mut self.state, State::Buffering(Buffer::default())) {
            State::Buffering(buffer) => buffer,
            // A snapshot while in sync replaces the book from scratch.
            State::Seeded { .. } | State::Live { .. } => Buffer::default(),
        };
        // The first buffered delta the snapshot does not already hold must follow it.
        let first = buffer.deltas.iter().find_map(|delta| {
            match R::first_event(snapshot.update_id, delta) {
                Ok(Fit::Old) => None,
                fit => Some((fit, delta.first_update_id)),
            }
        });
        if let Some((Ok(Fit::Missed { .. }), first_buffered)) = first {
            self.state = State::Buffering(buffer);
            return SyncOutcome::SnapshotTooOld {
                snapshot: snapshot.update_id,
                first_buffered,
            };
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

impl<R: ChainRule> std::fmt::Debug for BufferedSync<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Buffering(buffer) => format!("buffering {} deltas", buffer.deltas.len()),
            State::Seeded { snapshot_id, .. } => format!("seeded at {snapshot_id}"),
            State::Live { last_update_id, .. } => format!("live at {last_update_id}"),
        };
        f.debug_struct(R::NAME)
            .field("state", &state)
            .field("checksum", &self.checksum)
            .field("limits", &self.limits)
            .finish()
    }
}
