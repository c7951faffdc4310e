//! [`FuturesDepthSync`]: Binance USD-M futures' snapshot + buffered deltas chained by `pu`.

use super::buffered_sync::{BufferedSync, ChainRule, Fit};
use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook};
use super::sync::{check_ids, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

/// Keeps an [`OrderBook`] in sync with Binance USD-M futures' diff-depth stream
/// (`<symbol>@depth@100ms`), as its docs ("How to manage a local order book correctly") say.
/// Futures' ids are not consecutive from one event to the next: each event names the last id
/// of the one before it (`pu`), and that chain, not `U` = previous `u` + 1, proves that
/// nothing was lost.
///
/// 1. buffer stream events and fetch a depth snapshot (`GET /fapi/v1/depth`);
/// 2. drop events with `u` < the snapshot's `lastUpdateId`;
/// 3. the first event applied must straddle the snapshot: `U` ≤ `lastUpdateId` ≤ `u`; one that
///    starts after it means the snapshot is older than the stream
///    ([`SyncOutcome::SnapshotTooOld`]: fetch another, the buffer is kept);
/// 4. each later event's `pu` must equal the previous event's `u`; otherwise the book is
///    discarded ([`SyncOutcome::Gap`], `expected` the `u` the chain needed as `pu`, `got` the
///    `pu` that came), that event is buffered, and a new snapshot is needed (the docs: "start
///    again from step 3"). An event at or below the book's id is a duplicate and ignored.
///
/// A delta without `pu` cannot be chained: it is [`SyncOutcome::Invalid`]
/// ([`BookError::MissingPrevUpdateId`]), as is one whose ids run backwards. While buffering,
/// a break in the `pu` chain empties what came before it. The buffer, the levels per message
/// and the book are capped by [`BookLimits`], as in [`DepthSync`](super::DepthSync). The book
/// is served only once an event has been applied on top of the snapshot.
///
/// ```
/// use hft_cache::book::{BookDelta, BookSnapshot, BookSync, FuturesDepthSync, SyncOutcome};
/// use rust_decimal_macros::dec;
///
/// let event = |first, last, pu| BookDelta {
///     first_update_id: first, last_update_id: last, prev_update_id: Some(pu),
///     bids: vec![(dec!(99), dec!(1))], asks: vec![(dec!(101), dec!(1))],
///     ..BookDelta::default()
/// };
/// let snapshot = |id| BookSnapshot {
///     update_id: id, bids: vec![(dec!(98), dec!(2))], asks: vec![(dec!(102), dec!(2))],
///     ..BookSnapshot::default()
/// };
/// let mut sync = FuturesDepthSync::new();
/// assert_eq!(sync.on_delta(event(150, 157, 149)), SyncOutcome::Buffered);
/// assert_eq!(sync.on_delta(event(160, 170, 157)), SyncOutcome::Buffered); // U jumps, pu chains
/// assert_eq!(sync.on_snapshot(snapshot(165)), SyncOutcome::Applied { last_update_id: 170 });
/// assert_eq!(sync.on_delta(event(173, 180, 170)), SyncOutcome::Applied { last_update_id: 180 });
/// // An event lost: the next one's `pu` names an event the book never saw.
/// assert_eq!(sync.on_delta(event(190, 200, 185)), SyncOutcome::Gap { expected: 180, got: 185 });
/// assert!(sync.book().is_none() && sync.needs_snapshot());
/// ```
#[derive(Default)]
pub struct FuturesDepthSync(BufferedSync<UsdM>);

/// USD-M's chain: the first event straddles the snapshot, `U` ≤ `lastUpdateId` ≤ `u`; each
/// later one names the previous event's `u` as its `pu`.
enum UsdM {}

impl UsdM {
    /// A delta's `pu`, without which it cannot be chained.
    fn pu(delta: &BookDelta) -> Result<u64, BookError> {
        delta.prev_update_id.ok_or(BookError::MissingPrevUpdateId {
            last: delta.last_update_id,
        })
    }
}

impl ChainRule for UsdM {
    const NAME: &'static str = "FuturesDepthSync";
    const DROPS_OLD_WHILE_BUFFERING: bool = true;

    fn check(delta: &BookDelta) -> Result<(), BookError> {
        check_ids(delta)?;
        Self::pu(delta).map(|_| ())
    }

    fn first_event(snapshot_id: u64, delta: &BookDelta) -> Result<Fit, BookError> {
        // Step 2: older than the snapshot; step 3: the first event must straddle its id.
        Ok(if delta.last_update_id < snapshot_id {
            Fit::Old
        } else if delta.first_update_id > snapshot_id {
            Fit::Missed {
                expected: snapshot_id,
                got: delta.first_update_id,
            }
        } else {
            Fit::Next
        })
    }

    fn continues(prev: u64, delta: &BookDelta) -> Result<Fit, BookError> {
        // Step 4: the chain.
        let pu = Self::pu(delta)?;
        Ok(if delta.last_update_id <= prev {
            Fit::Old
        } else if pu != prev {
            Fit::Missed {
                expected: prev,
                got: pu,
            }
        } else {
            Fit::Next
        })
    }
}

impl FuturesDepthSync {
    /// A sync waiting for events and a snapshot, with the default [`BookLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Caps what the sync holds (default [`BookLimits::default`]).
    #[must_use]
    pub fn with_limits(self, limits: BookLimits) -> Self {
        FuturesDepthSync(self.0.with_limits(limits))
    }
}

impl BookSync for FuturesDepthSync {
    /// Seeds the book with a snapshot and replays the buffered deltas on top of it.
    ///
    /// Returns `Applied` if the book is now live, `Buffered` if no buffered delta reaches the
    /// snapshot yet (the next delta decides), or `SnapshotTooOld` if the buffer starts after
    /// the snapshot (the buffer is kept: fetch another).
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

impl std::fmt::Debug for FuturesDepthSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::class::declare_class!(Streamed for FuturesDepthSync);

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn event(first: u64, last: u64, pu: u64) -> BookDelta {
        BookDelta {
            first_update_id: first,
            last_update_id: last,
            prev_update_id: Some(pu),
            bids: vec![(dec!(99), dec!(1))],
            asks: vec![(dec!(101), dec!(1))],
            ..BookDelta::default()
        }
    }

    fn snapshot(id: u64) -> BookSnapshot {
        BookSnapshot {
            update_id: id,
            bids: vec![(dec!(98), dec!(2))],
            asks: vec![(dec!(102), dec!(2))],
            ..BookSnapshot::default()
        }
    }

    #[test]
    fn drops_events_before_the_snapshot_and_needs_one_that_straddles_it() {
        let mut sync = FuturesDepthSync::new();
        sync.on_delta(event(100, 110, 99));
        sync.on_delta(event(112, 120, 110));
        sync.on_delta(event(125, 130, 120));
        // lastUpdateId 120: the first event kept is [112;120] (u = 120 is not below it).
        assert_eq!(
            sync.on_snapshot(snapshot(120)),
            SyncOutcome::Applied {
                last_update_id: 130
            }
        );
        assert_eq!(sync.book().unwrap().best_bid().map(|l| l.0), Some(dec!(99)));
    }

    #[test]
    fn a_snapshot_in_a_hole_between_events_is_too_old_and_keeps_the_buffer() {
        let mut sync = FuturesDepthSync::new();
        sync.on_delta(event(100, 110, 99));
        sync.on_delta(event(115, 120, 110));
        // 112 lies between 110 and 115: no event straddles it.
        assert_eq!(
            sync.on_snapshot(snapshot(112)),
            SyncOutcome::SnapshotTooOld {
                snapshot: 112,
                first_buffered: 115
            }
        );
        assert_eq!(sync.buffered().deltas, 2);
        assert_eq!(
            sync.on_snapshot(snapshot(116)),
            SyncOutcome::Applied {
                last_update_id: 120
            }
        );
    }

    #[test]
    fn a_snapshot_ahead_of_the_buffer_waits_for_the_next_event() {
        let mut sync = FuturesDepthSync::new();
        sync.on_delta(event(100, 110, 99));
        assert_eq!(sync.on_snapshot(snapshot(115)), SyncOutcome::Buffered);
        assert!(sync.book().is_none());
        assert_eq!(sync.on_delta(event(111, 114, 110)), SyncOutcome::Ignored);
        assert_eq!(
            sync.on_delta(event(114, 118, 114)),
            SyncOutcome::Applied {
                last_update_id: 118
            }
        );
    }

    #[test]
    fn a_broken_chain_is_a_gap_and_its_event_starts_the_next_buffer() {
        let mut sync = FuturesDepthSync::new();
        sync.on_snapshot(snapshot(100));
        assert_eq!(
            sync.on_delta(event(95, 105, 90)),
            SyncOutcome::Applied {
                last_update_id: 105
            }
        );
        // A duplicate: ignored, the book stays.
        assert_eq!(sync.on_delta(event(95, 105, 90)), SyncOutcome::Ignored);
        assert!(sync.book().is_some());
        assert_eq!(
            sync.on_delta(event(107, 109, 106)),
            SyncOutcome::Gap {
                expected: 105,
                got: 106
            }
        );
        assert_eq!(sync.buffered().deltas, 1);
        assert_eq!(sync.on_delta(event(110, 112, 109)), SyncOutcome::Buffered);
        assert_eq!(
            sync.on_snapshot(snapshot(111)),
            SyncOutcome::Applied {
                last_update_id: 112
            }
        );
    }

    #[test]
    fn a_break_while_buffering_empties_what_came_before() {
        let mut sync = FuturesDepthSync::new();
        sync.on_delta(event(100, 110, 99));
        sync.on_delta(event(120, 130, 115)); // pu 115, not 110
        assert_eq!(sync.buffered().deltas, 1);
        assert_eq!(
            sync.on_snapshot(snapshot(105)),
            SyncOutcome::SnapshotTooOld {
                snapshot: 105,
                first_buffered: 120
            }
        );
    }

    #[test]
    fn deltas_without_pu_or_with_backward_ids_are_invalid() {
        let mut sync = FuturesDepthSync::new();
        let no_pu = BookDelta {
            prev_update_id: None,
            ..event(1, 2, 0)
        };
        assert_eq!(
            sync.on_delta(no_pu),
            SyncOutcome::Invalid(BookError::MissingPrevUpdateId { last: 2 })
        );
        sync.on_snapshot(snapshot(10));
        sync.on_delta(event(9, 12, 8));
        assert!(matches!(
            sync.on_delta(event(20, 13, 12)),
            SyncOutcome::Invalid(BookError::UpdateIdsBackwards { .. })
        ));
        assert!(sync.needs_snapshot());
    }

    #[test]
    fn the_buffer_is_capped() {
        let mut sync =
            FuturesDepthSync::new().with_limits(BookLimits::default().max_buffered_deltas(3));
        let mut last = 0;
        let mut outcomes = Vec::new();
        for n in 1..=4u64 {
            outcomes.push(sync.on_delta(event(n * 10, n * 10 + 5, last)));
            last = n * 10 + 5;
        }
        assert!(matches!(
            outcomes[3],
            SyncOutcome::Invalid(BookError::BufferFull { .. })
        ));
        assert_eq!(sync.buffered().deltas, 0);
    }
}
