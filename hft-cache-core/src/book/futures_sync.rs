//! [`FuturesDepthSync`]: Binance USD-M futures' snapshot + buffered deltas chained by `pu`.

use super::binance_sync::Buffer;
use super::limits::{BookLimits, BufferStats};
use super::order_book::{BookError, OrderBook};
use super::sync::{apply_levels, book_of, check_ids, check_message, BookSync, SyncOutcome};
use super::update::{BookDelta, BookSnapshot};

enum State {
    /// Waiting for a snapshot; deltas are kept, each chained to the one before by `pu`.
    Buffering(Buffer),
    /// A snapshot is applied, but no delta yet on top of it.
    Seeded { book: OrderBook, snapshot_id: u64 },
    /// In sync: `last_update_id` is the last applied delta's `u`.
    Live {
        book: OrderBook,
        last_update_id: u64,
    },
}

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
pub struct FuturesDepthSync {
    state: State,
    limits: BookLimits,
}

impl Default for FuturesDepthSync {
    fn default() -> Self {
        Self::new()
    }
}

impl FuturesDepthSync {
    /// A sync waiting for events and a snapshot, with the default [`BookLimits`].
    pub fn new() -> Self {
        FuturesDepthSync {
            state: State::Buffering(Buffer::default()),
            limits: BookLimits::default(),
        }
    }

    /// Caps what the sync holds (default [`BookLimits::default`]).
    #[must_use]
    pub fn with_limits(mut self, limits: BookLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Refuses a delta that cannot take part in the chain: ids backwards, no `pu`.
    fn check(delta: &BookDelta) -> Result<u64, BookError> {
        check_ids(delta)?;
        delta.prev_update_id.ok_or(BookError::MissingPrevUpdateId {
            last: delta.last_update_id,
        })
    }

    fn buffer(&mut self, delta: BookDelta) -> SyncOutcome {
        let limits = self.limits;
        let State::Buffering(buffer) = &mut self.state else {
            self.reset();
            return SyncOutcome::Buffered;
        };
        let pu = match Self::check(&delta)
            .and_then(|pu| check_message(&delta.bids, &delta.asks, &limits).map(|()| pu))
        {
            Ok(pu) => pu,
            Err(e) => {
                buffer.clear();
                return SyncOutcome::Invalid(e);
            }
        };
        if let Some(last) = buffer.deltas.back() {
            if delta.last_update_id <= last.last_update_id {
                // A duplicate of what is buffered, or older.
                return SyncOutcome::Ignored;
            }
            if pu != last.last_update_id {
                // A break in the chain makes everything before it useless.
                buffer.clear();
            }
        }
        let deltas = buffer.deltas.len().saturating_add(1);
        let levels = buffer
            .levels
            .saturating_add(delta.bids.len() + delta.asks.len());
        if deltas > limits.buffered_deltas() || levels > limits.buffered_levels() {
            buffer.clear();
            return SyncOutcome::Invalid(BookError::BufferFull { deltas, levels });
        }
        buffer.push(delta);
        SyncOutcome::Buffered
    }

    /// Starts buffering again from `delta` (the first of a new chain).
    fn restart_from(&mut self, delta: &BookDelta) {
        let kept = match check_message(&delta.bids, &delta.asks, &self.limits) {
            Ok(()) => Buffer::of(delta.clone()),
            Err(_) => Buffer::default(),
        };
        self.state = State::Buffering(kept);
    }

    fn apply(&mut self, delta: &BookDelta) -> SyncOutcome {
        let pu = match Self::check(delta) {
            Ok(pu) => pu,
            Err(e) => {
                self.reset();
                return SyncOutcome::Invalid(e);
            }
        };
        let (book, current, seeded) = match &mut self.state {
            State::Buffering(_) => return self.buffer(delta.clone()),
            State::Seeded { book, snapshot_id } => (book, *snapshot_id, true),
            State::Live {
                book,
                last_update_id,
            } => (book, *last_update_id, false),
        };
        if seeded {
            // Step 2: older than the snapshot.
            if delta.last_update_id < current {
                return SyncOutcome::Ignored;
            }
            // Step 3: the first event must straddle the snapshot's id.
            if delta.first_update_id > current {
                let first = delta.first_update_id;
                self.restart_from(delta);
                return SyncOutcome::SnapshotTooOld {
                    snapshot: current,
                    first_buffered: first,
                };
            }
        } else {
            if delta.last_update_id <= current {
                return SyncOutcome::Ignored;
            }
            // Step 4: the chain.
            if pu != current {
                self.restart_from(delta);
                return SyncOutcome::Gap {
                    expected: current,
                    got: pu,
                };
            }
        }
        if let Err(e) = apply_levels(book, &delta.bids, &delta.asks, &self.limits) {
            self.reset();
            return SyncOutcome::Invalid(e);
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

impl BookSync for FuturesDepthSync {
    /// Seeds the book with a snapshot and replays the buffered deltas on top of it.
    ///
    /// Returns `Applied` if the book is now live, `Buffered` if no buffered delta reaches the
    /// snapshot yet (the next delta decides), or `SnapshotTooOld` if the buffer starts after
    /// the snapshot (the buffer is kept: fetch another).
    fn on_snapshot(&mut self, snapshot: BookSnapshot) -> SyncOutcome {
        let buffer = match std::mem::replace(&mut self.state, State::Buffering(Buffer::default())) {
            State::Buffering(buffer) => buffer,
            State::Seeded { .. } | State::Live { .. } => Buffer::default(),
        };
        // The first buffered event that reaches the snapshot must also start at or before it.
        let reaching = buffer
            .deltas
            .iter()
            .find(|d| d.last_update_id >= snapshot.update_id);
        if let Some(first) = reaching {
            if first.first_update_id > snapshot.update_id {
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

impl std::fmt::Debug for FuturesDepthSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Buffering(buffer) => format!("buffering {} deltas", buffer.deltas.len()),
            State::Seeded { snapshot_id, .. } => format!("seeded at {snapshot_id}"),
            State::Live { last_update_id, .. } => format!("live at {last_update_id}"),
        };
        f.debug_struct("FuturesDepthSync")
            .field("state", &state)
            .field("limits", &self.limits)
            .finish()
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
