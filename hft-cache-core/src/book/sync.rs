//! [`DepthSync`]: snapshot + buffered events, the documented way.

use super::order_book::{BookError, OrderBook, Side};
use super::wire::{DepthSnapshot, DepthUpdate};

/// What [`DepthSync`] did with an event or a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Kept until a snapshot arrives.
    Buffered,
    /// Applied: the book is current up to this update id.
    Applied {
        /// The book's update id now.
        last_update_id: u64,
    },
    /// Older than the book (a duplicate or a leftover from before the snapshot): skipped.
    Ignored,
    /// Updates were lost: the book is discarded and a new snapshot is needed.
    Gap {
        /// The update id the book needed next.
        expected: u64,
        /// The first update id that arrived.
        got: u64,
    },
    /// The data broke the book (negative quantity, crossed): it is discarded and a new snapshot
    /// is needed.
    Invalid(BookError),
}

enum State {
    /// Waiting for a snapshot; events are kept.
    Buffering(Vec<DepthUpdate>),
    /// A snapshot is applied, but no event has yet been applied on top of it.
    Seeded { book: OrderBook, snapshot_id: u64 },
    /// In sync: `last_update_id` is the last applied event's `u`.
    Live {
        book: OrderBook,
        last_update_id: u64,
    },
}

/// Keeps an [`OrderBook`] in sync with a diff-depth stream (Binance's documented procedure):
///
/// 1. buffer stream events and fetch a depth snapshot;
/// 2. drop buffered events with `u` ≤ the snapshot's `lastUpdateId`;
/// 3. the first event applied must straddle `lastUpdateId + 1` (`U` ≤ it ≤ `u`);
/// 4. from then on each event's `U` must be the previous `u + 1`: an event with `u` ≤ the book's
///    id is a duplicate and ignored, and `U` above the book's id + 1 is a gap.
///
/// A gap or an update that breaks the book resets it to buffering: the caller fetches a new
/// snapshot. The book is [`book`](DepthSync::book)-readable only in the live state, i.e. after
/// an event has been applied on top of the snapshot.
///
/// ```
/// use hft_cache::book::{DepthSnapshot, DepthSync, DepthUpdate, SyncOutcome};
/// use rust_decimal_macros::dec;
///
/// let event = |first, last| DepthUpdate {
///     event: "depthUpdate".into(), event_time: 0, symbol: "BTCUSDT".into(),
///     first_update_id: first, last_update_id: last,
///     bids: vec![(dec!(99), dec!(1))], asks: vec![(dec!(101), dec!(1))],
/// };
/// let mut sync = DepthSync::new();
/// assert_eq!(sync.on_event(event(95, 99)), SyncOutcome::Buffered);
/// assert_eq!(sync.on_event(event(100, 103)), SyncOutcome::Buffered);
/// let snapshot = DepthSnapshot { last_update_id: 101, bids: vec![(dec!(98), dec!(2))], asks: vec![(dec!(102), dec!(2))] };
/// assert_eq!(sync.on_snapshot(snapshot), SyncOutcome::Applied { last_update_id: 103 });
/// assert_eq!(sync.on_event(event(104, 104)), SyncOutcome::Applied { last_update_id: 104 });
/// assert_eq!(sync.on_event(event(106, 107)), SyncOutcome::Gap { expected: 105, got: 106 });
/// assert!(sync.book().is_none()); // discarded: fetch a new snapshot
/// ```
pub struct DepthSync {
    state: State,
}

impl Default for DepthSync {
    fn default() -> Self {
        Self::new()
    }
}

/// Events kept while waiting for a snapshot, at most; older ones are dropped (a snapshot that
/// slow will be older than the buffer anyway, and the resulting gap triggers a new one).
const MAX_BUFFERED: usize = 10_000;

impl DepthSync {
    /// A sync waiting for events and a snapshot.
    pub fn new() -> Self {
        DepthSync {
            state: State::Buffering(Vec::new()),
        }
    }

    /// Discards the book and buffers again (after a reconnect, or to force a new snapshot).
    pub fn reset(&mut self) {
        self.state = State::Buffering(Vec::new());
    }

    /// Whether a snapshot is needed (the sync is buffering).
    pub fn needs_snapshot(&self) -> bool {
        matches!(self.state, State::Buffering(_))
    }

    /// The synchronised book, once an event has been applied on top of the snapshot.
    pub fn book(&self) -> Option<&OrderBook> {
        match &self.state {
            State::Live { book, .. } => Some(book),
            _ => None,
        }
    }

    /// The update id the book is current to, when live.
    pub fn last_update_id(&self) -> Option<u64> {
        match &self.state {
            State::Live { last_update_id, .. } => Some(*last_update_id),
            _ => None,
        }
    }

    /// Feeds one stream event.
    pub fn on_event(&mut self, event: DepthUpdate) -> SyncOutcome {
        match &mut self.state {
            State::Buffering(buffer) => {
                if buffer.len() == MAX_BUFFERED {
                    buffer.remove(0);
                }
                buffer.push(event);
                SyncOutcome::Buffered
            }
            State::Seeded { .. } | State::Live { .. } => self.apply(&event),
        }
    }

    /// Seeds the book with a snapshot and replays the buffered events on top of it.
    ///
    /// Returns the outcome of the replay: `Applied` if the book is now live, `Buffered` if no
    /// buffered event reaches past the snapshot yet (the next event decides), or `Gap` if the
    /// buffered events start after the snapshot (it is too old: fetch another).
    pub fn on_snapshot(&mut self, snapshot: DepthSnapshot) -> SyncOutcome {
        let buffer = match std::mem::replace(&mut self.state, State::Buffering(Vec::new())) {
            State::Buffering(buffer) => buffer,
            // A snapshot while in sync replaces the book from scratch.
            State::Seeded { .. } | State::Live { .. } => Vec::new(),
        };
        let mut book = OrderBook::new();
        for (side, levels) in [(Side::Bid, &snapshot.bids), (Side::Ask, &snapshot.asks)] {
            for &(price, qty) in levels {
                if let Err(e) = book.apply(side, price, qty) {
                    return SyncOutcome::Invalid(e);
                }
            }
        }
        if let Err(e) = book.validate() {
            return SyncOutcome::Invalid(e);
        }
        self.state = State::Seeded {
            book,
            snapshot_id: snapshot.last_update_id,
        };
        let mut outcome = SyncOutcome::Buffered;
        for event in buffer {
            match self.apply(&event) {
                SyncOutcome::Ignored => {}
                applied @ SyncOutcome::Applied { .. } => outcome = applied,
                failed => return failed,
            }
        }
        outcome
    }

    fn apply(&mut self, event: &DepthUpdate) -> SyncOutcome {
        // The update id the book needs next: the snapshot's + 1 until an event has been applied
        // (the first must straddle it), then the last applied event's + 1.
        let (book, needed) = match &mut self.state {
            State::Buffering(_) => unreachable!("buffering is handled by the callers"),
            State::Seeded { book, snapshot_id } => (book, *snapshot_id + 1),
            State::Live {
                book,
                last_update_id,
            } => (book, *last_update_id + 1),
        };
        if event.last_update_id < needed {
            return SyncOutcome::Ignored;
        }
        if event.first_update_id > needed {
            let got = event.first_update_id;
            self.reset();
            return SyncOutcome::Gap {
                expected: needed,
                got,
            };
        }
        let applied = apply_levels(book, event).and_then(|()| book.validate());
        match applied {
            Ok(()) => {
                let book = std::mem::take(book);
                self.state = State::Live {
                    book,
                    last_update_id: event.last_update_id,
                };
                SyncOutcome::Applied {
                    last_update_id: event.last_update_id,
                }
            }
            Err(e) => {
                self.reset();
                SyncOutcome::Invalid(e)
            }
        }
    }
}

fn apply_levels(book: &mut OrderBook, event: &DepthUpdate) -> Result<(), BookError> {
    for &(price, qty) in &event.bids {
        book.apply(Side::Bid, price, qty)?;
    }
    for &(price, qty) in &event.asks {
        book.apply(Side::Ask, price, qty)?;
    }
    Ok(())
}
