//! [`SnapshotDeltaSync`]: a snapshot on the stream, then deltas that each continue the book
//! from its id.

use super::checksum::BookChecksum;
use super::limits::BookLimits;
use super::order_book::OrderBook;
use super::sync::{apply_levels, book_of, check_ids, next_id, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

/// The procedure of venues that send the book on the stream (Bybit v5's `orderbook.N.SYMBOL`,
/// OKX's `books`):
///
/// - a snapshot replaces the book and may be served at once (there is nothing to straddle);
/// - a delta covers the update ids `first_update_id..=last_update_id` and must start right
///   after the book's id (`first_update_id` = the book's id + 1), else it is a gap; the ids
///   need not be consecutive, only the chain unbroken. Bybit's `u` grows by one, so its delta
///   is `u..=u`; OKX's `seqId` jumps, and each update names the one before it, so its delta is
///   `prevSeqId + 1 ..= seqId` (the shipped `feed::okx::OkxBooks` maps it so);
/// - a delta wholly at or below the book's id is a duplicate and ignored;
/// - an empty delta right after the book (`first_update_id` = the book's id + 1,
///   `last_update_id` = the book's id: OKX's heartbeat, `prevSeqId` = `seqId` = the book's) says
///   the book is unchanged as of now: it is applied like any delta (its levels, normally none;
///   its checksum, if any, verified), and the book is served again as current
///   ([`SyncOutcome::Applied`] at the same id);
/// - a delta whose ids run backwards (`first_update_id` > `last_update_id` + 1: OKX's
///   sequence reset, `seqId` < `prevSeqId`) means the venue renumbered its stream; the book
///   cannot be proven continuous across it, so it is discarded as after a gap
///   ([`SyncOutcome::Gap`], `got` the delta's last id) and a new snapshot is needed;
/// - deltas before the first snapshot are ignored (the snapshot supersedes them);
/// - the venue's cross sequence (`seq`) of the last message is kept;
/// - with a [`BookChecksum`], every checksum a message carries is verified, and a mismatch
///   discards the book as a gap does;
/// - a book at `u64::MAX` that would need one more id is [`SyncOutcome::Invalid`], and levels
///   are capped by [`BookLimits`]: nothing a venue sends can panic it or grow it without bound.
///
/// ```
/// use hft_cache::book::{BookDelta, BookSnapshot, BookSync, SnapshotDeltaSync, SyncOutcome};
/// use rust_decimal_macros::dec;
///
/// let mut sync = SnapshotDeltaSync::new();
/// let snapshot = BookSnapshot {
///     update_id: 18521288, seq: Some(7961638724),
///     bids: vec![(dec!(16493.50), dec!(0.006))], asks: vec![(dec!(16611.00), dec!(0.029))],
///     checksum: None,
/// };
/// assert_eq!(sync.on_snapshot(snapshot), SyncOutcome::Applied { last_update_id: 18521288 });
/// assert!(sync.book().is_some()); // servable at once
/// let delta = |u, seq| BookDelta {
///     first_update_id: u, last_update_id: u, seq: Some(seq),
///     bids: vec![(dec!(16493.50), dec!(0))], asks: vec![],
///     checksum: None,
///     prev_update_id: None,
/// };
/// assert_eq!(sync.on_delta(delta(18521289, 7961638800)), SyncOutcome::Applied { last_update_id: 18521289 });
/// assert_eq!(sync.seq(), Some(7961638800));
/// assert_eq!(sync.on_delta(delta(18521291, 7961638900)), SyncOutcome::Gap { expected: 18521290, got: 18521291 });
/// assert!(sync.needs_snapshot());
///
/// // OKX: `prevSeqId + 1 ..= seqId`, ids that jump, a heartbeat, a reset.
/// let okx = |prev: u64, seq: u64| BookDelta {
///     first_update_id: prev + 1, last_update_id: seq, seq: Some(seq),
///     bids: vec![], asks: vec![(dec!(16611.00), dec!(0.5))],
///     checksum: None,
///     prev_update_id: None,
/// };
/// let mut sync = SnapshotDeltaSync::new();
/// let okx_snapshot = BookSnapshot {
///     update_id: 10, seq: Some(10),
///     bids: vec![(dec!(16493.50), dec!(0.006))], asks: vec![(dec!(16611.00), dec!(0.029))],
///     checksum: None,
/// };
/// sync.on_snapshot(okx_snapshot);
/// assert_eq!(sync.on_delta(okx(10, 15)), SyncOutcome::Applied { last_update_id: 15 });
/// assert_eq!(sync.on_delta(BookDelta { asks: vec![], ..okx(15, 15) }), SyncOutcome::Applied { last_update_id: 15 });
/// assert_eq!(sync.on_delta(okx(15, 3)), SyncOutcome::Gap { expected: 16, got: 3 });
/// assert!(sync.needs_snapshot());
/// ```
#[derive(Default)]
pub struct SnapshotDeltaSync {
    live: Option<Live>,
    checksum: Option<BookChecksum>,
    limits: BookLimits,
}

struct Live {
    book: OrderBook,
    update_id: u64,
    seq: Option<u64>,
}

impl SnapshotDeltaSync {
    /// A sync waiting for its first snapshot.
    pub fn new() -> Self {
        Self::default()
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

    fn verify(&self, book: &OrderBook, expected: Option<i32>) -> Result<(), SyncOutcome> {
        match (self.checksum, expected) {
            (Some(checksum), Some(expected)) => {
                checksum
                    .verify(book, expected)
                    .map_err(|(expected, computed)| SyncOutcome::ChecksumMismatch {
                        expected,
                        computed,
                    })
            }
            _ => Ok(()),
        }
    }
}

impl BookSync for SnapshotDeltaSync {
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome {
        self.live = None;
        let book = match book_of(&snapshot, &self.limits) {
            Ok(book) => book,
            Err(e) => return SyncOutcome::Invalid(e),
        };
        if let Err(outcome) = self.verify(&book, snapshot.checksum) {
            return outcome;
        }
        self.live = Some(Live {
            book,
            update_id: snapshot.update_id,
            seq: snapshot.seq,
        });
        SyncOutcome::Applied {
            last_update_id: snapshot.update_id,
        }
    }

    fn on_delta(&mut self, delta: BookDelta) -> SyncOutcome {
        let Some(live) = &mut self.live else {
            return SyncOutcome::Ignored;
        };
        let expected = match next_id(live.update_id) {
            Ok(expected) => expected,
            Err(e) => {
                self.live = None;
                return SyncOutcome::Invalid(e);
            }
        };
        if check_ids(&delta).is_err() {
            // The venue renumbered its stream (OKX's sequence reset): resync.
            self.live = None;
            return SyncOutcome::Gap {
                expected,
                got: delta.last_update_id,
            };
        }
        // An empty delta right after the book (OKX's heartbeat) is applied: it changes
        // nothing, and its checksum confirms the book.
        if delta.last_update_id < expected && delta.first_update_id != expected {
            return SyncOutcome::Ignored;
        }
        if delta.first_update_id != expected {
            self.live = None;
            return SyncOutcome::Gap {
                expected,
                got: delta.first_update_id,
            };
        }
        if let Err(e) = apply_levels(&mut live.book, &delta.bids, &delta.asks, &self.limits) {
            self.live = None;
            return SyncOutcome::Invalid(e);
        }
        live.update_id = delta.last_update_id;
        live.seq = delta.seq.or(live.seq);
        let checked = match &self.live {
            Some(live) => self.verify(&live.book, delta.checksum),
            None => Ok(()),
        };
        if let Err(outcome) = checked {
            self.live = None;
            return outcome;
        }
        SyncOutcome::Applied {
            last_update_id: delta.last_update_id,
        }
    }

    fn reset(&mut self) {
        self.live = None;
    }

    fn set_limits(&mut self, limits: BookLimits) {
        self.limits = limits;
    }

    fn needs_snapshot(&self) -> bool {
        self.live.is_none()
    }

    fn book(&self) -> Option<&OrderBook> {
        self.live.as_ref().map(|l| &l.book)
    }

    fn last_update_id(&self) -> Option<u64> {
        self.live.as_ref().map(|l| l.update_id)
    }

    fn seq(&self) -> Option<u64> {
        self.live.as_ref().and_then(|l| l.seq)
    }
}

impl std::fmt::Debug for SnapshotDeltaSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotDeltaSync")
            .field("update_id", &self.last_update_id())
            .field("seq", &self.seq())
            .field("checksum", &self.checksum)
            .field("limits", &self.limits)
            .finish()
    }
}

crate::class::declare_class!(Streamed for SnapshotDeltaSync);
