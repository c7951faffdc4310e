//! [`BookSync`]: how a venue's snapshot and deltas become a book, and what each message did.

use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook, Side};
use super::update::{BookDelta, BookSnapshot};

/// What a [`BookSync`] did with a snapshot or a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncOutcome {
    /// Kept until a snapshot arrives.
    Buffered,
    /// Applied: the book is current up to this update id and may be served.
    Applied {
        /// The book's update id now.
        last_update_id: u64,
    },
    /// Older than the book (a duplicate or a leftover from before the snapshot): skipped.
    Ignored,
    /// The snapshot is older than the buffered deltas: fetch another one. The buffer is kept
    /// (Binance's step 4 returns to step 3, not to step 1).
    SnapshotTooOld {
        /// The snapshot's update id.
        snapshot: u64,
        /// The first buffered delta's first update id.
        first_buffered: u64,
    },
    /// Updates were lost: the book is discarded and a new snapshot is needed.
    Gap {
        /// The update id the book needed next.
        expected: u64,
        /// The first update id that arrived.
        got: u64,
    },
    /// The book no longer matches the venue's checksum: it is discarded, as after a gap.
    ChecksumMismatch {
        /// The venue's checksum.
        expected: i32,
        /// The book's.
        computed: i32,
    },
    /// The data broke the book (negative quantity, crossed): it is discarded and a new snapshot
    /// is needed.
    Invalid(BookError),
}

impl SyncOutcome {
    /// Whether the book was discarded and must be rebuilt from a new snapshot.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            SyncOutcome::Gap { .. }
                | SyncOutcome::ChecksumMismatch { .. }
                | SyncOutcome::Invalid(_)
        )
    }
}

/// A venue's book synchronisation procedure: snapshots and deltas in, a book and an
/// [`SyncOutcome`] per message out. The feeds drive one per symbol and serve the book only
/// after an `Applied`; after a fault outcome the sync is back to waiting for a snapshot.
///
/// Three procedures ship: [`DepthSync`](super::DepthSync) (Binance spot: REST snapshot plus
/// buffered `[U;u]` deltas, each starting right after the last), its USD-M futures twin
/// [`FuturesDepthSync`](super::FuturesDepthSync) (the same, chained by `pu`), and
/// [`SnapshotDeltaSync`](super::SnapshotDeltaSync) (Bybit v5, OKX: a
/// snapshot on the stream, then an unbroken chain of deltas: each starts right after the
/// book's id, whether ids grow by one as on Bybit or jump as OKX's `seqId` does).
pub trait BookSync {
    /// Seeds the book from a snapshot.
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome;

    /// Applies (or buffers, or refuses) one delta.
    fn on_delta(&mut self, delta: BookDelta) -> SyncOutcome;

    /// Discards the book and any buffer (after a reconnect).
    fn reset(&mut self);

    /// Whether the procedure waits for a snapshot.
    fn needs_snapshot(&self) -> bool;

    /// The book, once it may be served.
    fn book(&self) -> Option<&OrderBook>;

    /// The update id the servable book is current to.
    fn last_update_id(&self) -> Option<u64>;

    /// The venue's cross-sequence number of the last message applied, where it sends one.
    fn seq(&self) -> Option<u64> {
        None
    }

    /// Sets the caps on what the sync holds (a feed passes its own). The crate's syncs apply
    /// them; a procedure of one's own may ignore them, as this default does, though a
    /// [`DepthFeed`](crate::feed::DepthFeed) still refuses any message past its
    /// [`levels_per_message`](BookLimits::levels_per_message).
    fn set_limits(&mut self, limits: BookLimits) {
        let _ = limits;
    }

    /// What the sync buffers while it waits for a snapshot (none, by default).
    fn buffered(&self) -> BufferStats {
        BufferStats::default()
    }
}

/// Refuses a message with more levels than `limits` allow, before any of it is applied.
pub(super) fn check_message(
    bids: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
    asks: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
    limits: &BookLimits,
) -> Result<(), BookError> {
    let levels = bids.len().saturating_add(asks.len());
    if levels > limits.levels_per_message() {
        return Err(BookError::TooManyLevels {
            levels,
            cap: limits.levels_per_message(),
        });
    }
    Ok(())
}

/// Refuses a delta whose ids run backwards. An empty range, the first id one past the last,
/// is no update at all (OKX's heartbeat: `prevSeqId` equal to `seqId`) and is let through.
pub(super) fn check_ids(delta: &BookDelta) -> Result<(), BookError> {
    if delta.first_update_id > delta.last_update_id.saturating_add(1) {
        return Err(BookError::UpdateIdsBackwards {
            first: delta.first_update_id,
            last: delta.last_update_id,
        });
    }
    Ok(())
}

/// The update id after `id`; at `u64::MAX` there is none, and the book must be rebuilt.
pub(super) fn next_id(id: u64) -> Result<u64, BookError> {
    id.checked_add(1).ok_or(BookError::UpdateIdOverflow { id })
}

/// Applies a message's levels within `limits` (sorted and merged in one pass when there are
/// many), then checks the book is not crossed.
pub(super) fn apply_levels(
    book: &mut OrderBook,
    bids: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
    asks: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
    limits: &BookLimits,
) -> Result<(), BookError> {
    check_message(bids, asks, limits)?;
    book.apply_all(Side::Bid, bids)?;
    book.apply_all(Side::Ask, asks)?;
    for side in [Side::Bid, Side::Ask] {
        let levels = book.depth(side);
        if levels > limits.book_levels() {
            return Err(BookError::TooManyLevels {
                levels,
                cap: limits.book_levels(),
            });
        }
    }
    book.validate()
}

/// A book built from a snapshot's levels.
pub(super) fn book_of(
    snapshot: &BookSnapshot,
    limits: &BookLimits,
) -> Result<OrderBook, BookError> {
    let mut book = OrderBook::new();
    apply_levels(&mut book, &snapshot.bids, &snapshot.asks, limits)?;
    Ok(book)
}

crate::class::declare_class!(owned Plain for SyncOutcome);
