//! Property tests of every `BookSync` against a reference book.
//!
//! A venue's true history is a run of update ids, each setting a few levels; its messages cover
//! ranges of it (Binance: consecutive `[U;u]` of one to three ids; Binance USD-M futures: the
//! same with ids skipped between events, each event naming the previous one's `u` as `pu`;
//! Bybit: one id each; OKX: `prevSeqId + 1 ..= seqId`, with ids that jump). The reference book at an id is a pair of
//! `BTreeMap`s with every change up to that id applied. The stream the sync gets is that history
//! mangled: messages skipped (gaps), repeated (duplicates), swapped (reorders), snapshots taken
//! at any point of the history, reconnects (`reset`), and for OKX heartbeats and sequence resets.
//!
//! After every message: whenever the sync serves a book, it is the reference book at the id the
//! sync says it is current to; after a fault or a reconnect it serves nothing until a new
//! snapshot; nothing panics. At the end, a reconnect, a snapshot and the rest of the history in
//! order make it serve the newest book. A second property feeds garbage (ids anywhere, prices
//! and quantities of any sign and scale, crossed levels) and checks that nothing panics and a
//! served book is never crossed.

use std::collections::BTreeMap;

use hft_cache::book::{
    BookDelta, BookLimits, BookSnapshot, BookSync, DepthSync, FuturesDepthSync, OrderBook, Side,
    SnapshotDeltaSync, SyncOutcome,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

/// Cases per property: enough to reach every branch of the syncs, few enough for seconds.
const CASES: u32 = 192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Venue {
    /// `DepthSync`: REST snapshot plus buffered `[U;u]` events.
    Binance,
    /// `FuturesDepthSync`: REST snapshot plus buffered `[U;u]` events chained by `pu`, ids
    /// skipped between events.
    BinanceFutures,
    /// `SnapshotDeltaSync`, `u` growing by one.
    Bybit,
    /// `SnapshotDeltaSync`, `prevSeqId + 1 ..= seqId`, ids that jump, heartbeats, resets.
    Okx,
}

/// One level set at one update id: bids are priced 1..=20 and asks 21..=40, so no history
/// ever crosses the book; quantity 0 removes the level.
#[derive(Debug, Clone, Copy)]
struct Change {
    side: Side,
    price: u32,
    qty: u32,
}

fn change() -> impl Strategy<Value = Change> {
    (any::<bool>(), 1u32..=20, 0u32..=3).prop_map(|(bid, price, qty)| Change {
        side: if bid { Side::Bid } else { Side::Ask },
        price: if bid { price } else { price + 20 },
        qty,
    })
}

/// A message of the venue: the ids it covers and the changes it carries, each at its id.
#[derive(Debug, Clone)]
struct Message {
    first: u64,
    last: u64,
    /// The previous message's `last` (the base for the first): futures' `pu`.
    pu: u64,
    changes: Vec<(u64, Change)>,
}

impl Message {
    fn delta(&self) -> BookDelta {
        let mut delta = BookDelta {
            first_update_id: self.first,
            last_update_id: self.last,
            seq: Some(self.last),
            prev_update_id: Some(self.pu),
            ..BookDelta::default()
        };
        for (_, change) in &self.changes {
            let level = (Decimal::from(change.price), Decimal::from(change.qty));
            match change.side {
                Side::Bid => delta.bids.push(level),
                Side::Ask => delta.asks.push(level),
            }
        }
        delta
    }
}

/// The venue's true history: the book at `base`, then the messages, back to back.
#[derive(Debug, Clone)]
struct History {
    base: u64,
    initial: Vec<Change>,
    messages: Vec<Message>,
}

/// What one side holds: price → quantity, no empty levels.
type Levels = BTreeMap<Decimal, Decimal>;

impl History {
    /// The reference book once every change up to `id` is applied.
    fn book_at(&self, id: u64) -> (Levels, Levels) {
        let (mut bids, mut asks) = (Levels::new(), Levels::new());
        let at_base = self.initial.iter().map(|c| (self.base, c));
        let later = self
            .messages
            .iter()
            .flat_map(|m| m.changes.iter().map(|(i, c)| (*i, c)));
        for (_, change) in at_base.chain(later).filter(|(i, _)| *i <= id) {
            let side = match change.side {
                Side::Bid => &mut bids,
                Side::Ask => &mut asks,
            };
            let price = Decimal::from(change.price);
            if change.qty == 0 {
                side.remove(&price);
            } else {
                side.insert(price, Decimal::from(change.qty));
            }
        }
        (bids, asks)
    }

    fn snapshot_at(&self, id: u64) -> BookSnapshot {
        let (bids, asks) = self.book_at(id);
        BookSnapshot {
            update_id: id,
            seq: Some(id),
            // Best first, as venues send them.
            bids: bids.into_iter().rev().collect(),
            asks: asks.into_iter().collect(),
            checksum: None,
        }
    }

    /// The ids a snapshot may be taken at: any id for Binance (a snapshot may fall inside an
    /// event's range), a message boundary for the venues whose snapshots come on the stream.
    fn snapshot_ids(&self, venue: Venue) -> Vec<u64> {
        let end = self.messages.last().map_or(self.base, |m| m.last);
        match venue {
            Venue::Binance | Venue::BinanceFutures => (self.base..=end).collect(),
            Venue::Bybit | Venue::Okx => std::iter::once(self.base)
                .chain(self.messages.iter().map(|m| m.last))
                .collect(),
        }
    }

    /// The last id of the history.
    fn end(&self) -> u64 {
        self.messages.last().map_or(self.base, |m| m.last)
    }
}

/// A venue's history: per message, the ids it spans (or the jump of its `seqId`) and the
/// changes of each id.
fn history(venue: Venue) -> impl Strategy<Value = History> {
    let per_id = prop::collection::vec(change(), 0..=2);
    let message = match venue {
        Venue::Binance => (1u64..=1, prop::collection::vec(per_id, 1..=3)).boxed(),
        // The ids skipped before an event (other symbols' updates).
        Venue::BinanceFutures => (0u64..=3, prop::collection::vec(per_id, 1..=3)).boxed(),
        Venue::Bybit => (1u64..=1, prop::collection::vec(per_id, 1..=1)).boxed(),
        Venue::Okx => (1u64..=5, prop::collection::vec(per_id, 1..=1)).boxed(),
    };
    // Near the top of the id space too: the syncs' arithmetic must not overflow on the way.
    let base = prop_oneof![Just(100u64), Just(u64::MAX - 64)];
    (
        base,
        prop::collection::vec(change(), 0..6),
        prop::collection::vec(message, 0..12),
    )
        .prop_map(move |(base, initial, shapes)| {
            let mut next = base + 1;
            let mut pu = base;
            let messages = shapes
                .into_iter()
                .map(|(jump, ids)| {
                    // Futures: `jump` ids skipped before the event.
                    let first = match venue {
                        Venue::BinanceFutures => next + jump,
                        _ => next,
                    };
                    // Binance: one id per inner list; Bybit: one id; OKX: `jump` ids, all its
                    // changes at its `seqId`.
                    let span = match venue {
                        Venue::Binance | Venue::BinanceFutures => ids.len() as u64,
                        Venue::Bybit => 1,
                        Venue::Okx => jump,
                    };
                    let last = first + span - 1;
                    let changes = ids
                        .into_iter()
                        .enumerate()
                        .flat_map(|(i, changes)| {
                            let id = match venue {
                                Venue::Binance | Venue::BinanceFutures => first + i as u64,
                                Venue::Bybit | Venue::Okx => last,
                            };
                            changes.into_iter().map(move |c| (id, c))
                        })
                        .collect();
                    next = last + 1;
                    let message = Message {
                        first,
                        last,
                        pu,
                        changes,
                    };
                    pu = last;
                    message
                })
                .collect();
            History {
                base,
                initial,
                messages,
            }
        })
}

/// What the stream does next.
#[derive(Debug, Clone)]
enum Action {
    /// The next message in order.
    Next,
    /// Skips `n` messages: a gap.
    Skip(usize),
    /// Sends again the message `n` back from the next: a duplicate or a late arrival.
    Repeat(usize),
    /// The next two, swapped.
    Swap,
    /// A snapshot at one of the history's snapshot ids (an index into them).
    Snapshot(prop::sample::Index),
    /// A reconnect.
    Reset,
    /// OKX: a heartbeat (`prevSeqId` = `seqId` = the last id sent).
    Heartbeat,
    /// OKX: a sequence reset (`seqId` below `prevSeqId`).
    Renumber,
}

fn action(venue: Venue) -> impl Strategy<Value = Action> {
    let common = prop_oneof![
        8 => Just(Action::Next),
        1 => (1usize..=3).prop_map(Action::Skip),
        2 => (1usize..=3).prop_map(Action::Repeat),
        1 => Just(Action::Swap),
        3 => any::<prop::sample::Index>().prop_map(Action::Snapshot),
        1 => Just(Action::Reset),
    ];
    if venue == Venue::Okx {
        prop_oneof![
            12 => common,
            1 => Just(Action::Heartbeat),
            1 => Just(Action::Renumber),
        ]
        .boxed()
    } else {
        common.boxed()
    }
}

fn sides_of(book: &OrderBook) -> (Levels, Levels) {
    let side = |s| book.levels(s).collect::<Levels>();
    (side(Side::Bid), side(Side::Ask))
}

/// Drives one sync through a mangled history, checking it after every message.
struct Driver<'h> {
    venue: Venue,
    history: &'h History,
    sync: Box<dyn BookSync>,
    /// The next message in order.
    cursor: usize,
    /// A fault or a reconnect happened, and no snapshot has been given since.
    needs_snapshot: bool,
}

impl Driver<'_> {
    fn deliver(&mut self, index: usize) -> Result<(), TestCaseError> {
        if let Some(message) = self.history.messages.get(index) {
            let outcome = self.sync.on_delta(message.delta());
            self.check(&outcome)?;
        }
        Ok(())
    }

    fn check(&mut self, outcome: &SyncOutcome) -> Result<(), TestCaseError> {
        if outcome.is_fault() {
            self.needs_snapshot = true;
        }
        if self.needs_snapshot {
            prop_assert!(
                self.sync.book().is_none(),
                "served after a fault or a reconnect, before a snapshot ({outcome:?})"
            );
            prop_assert!(
                !matches!(outcome, SyncOutcome::Applied { .. }),
                "applied after a fault or a reconnect, before a snapshot"
            );
        }
        if let SyncOutcome::Applied { last_update_id } = outcome {
            prop_assert_eq!(self.sync.last_update_id(), Some(*last_update_id));
        }
        match (self.sync.book(), self.sync.last_update_id()) {
            (Some(book), Some(id)) => {
                prop_assert!(
                    id <= self.history.end(),
                    "current to {id}, past the history"
                );
                prop_assert_eq!(
                    sides_of(book),
                    self.history.book_at(id),
                    "the served book is not the reference book at {}",
                    id
                );
            }
            (None, _) => {}
            (Some(_), None) => prop_assert!(false, "a served book without an update id"),
        }
        Ok(())
    }

    fn act(&mut self, action: &Action) -> Result<(), TestCaseError> {
        match action {
            Action::Next => {
                self.deliver(self.cursor)?;
                self.cursor += 1;
            }
            Action::Skip(n) => self.cursor += n,
            Action::Repeat(n) => {
                if let Some(index) = self.cursor.checked_sub(*n) {
                    self.deliver(index)?;
                }
            }
            Action::Swap => {
                self.deliver(self.cursor + 1)?;
                self.deliver(self.cursor)?;
                self.cursor += 2;
            }
            Action::Snapshot(index) => {
                let ids = self.history.snapshot_ids(self.venue);
                let id = ids[index.index(ids.len())];
                let outcome = self.sync.on_snapshot(self.history.snapshot_at(id));
                self.needs_snapshot = false;
                self.check(&outcome)?;
            }
            Action::Reset => {
                self.sync.reset();
                self.needs_snapshot = true;
                prop_assert!(self.sync.needs_snapshot());
                prop_assert!(self.sync.book().is_none());
            }
            Action::Heartbeat => {
                let sent = match self.cursor.checked_sub(1) {
                    Some(i) => self
                        .history
                        .messages
                        .get(i)
                        .map_or(self.history.end(), |m| m.last),
                    None => self.history.base,
                };
                let heartbeat = BookDelta {
                    first_update_id: sent.saturating_add(1),
                    last_update_id: sent,
                    seq: Some(sent),
                    ..BookDelta::default()
                };
                let outcome = self.sync.on_delta(heartbeat);
                self.check(&outcome)?;
            }
            Action::Renumber => {
                let sent = self.sync.last_update_id().unwrap_or(self.history.base);
                let reset = BookDelta {
                    first_update_id: sent.saturating_add(1),
                    last_update_id: sent / 2,
                    seq: Some(1),
                    bids: vec![(Decimal::from(1), Decimal::from(1))],
                    ..BookDelta::default()
                };
                let live = self.sync.book().is_some();
                let outcome = self.sync.on_delta(reset);
                if live {
                    prop_assert!(
                        outcome.is_fault(),
                        "a sequence reset kept the book: {outcome:?}"
                    );
                }
                self.needs_snapshot |= live;
                self.check(&outcome)?;
            }
        }
        Ok(())
    }

    /// A reconnect, a snapshot at message `from`'s end (or the base), then every later message
    /// in order: the sync must end up serving the newest book.
    fn recover(&mut self, from: usize) -> Result<(), TestCaseError> {
        self.sync.reset();
        let messages = &self.history.messages;
        let mut from = from.min(messages.len());
        if self.venue == Venue::BinanceFutures && !messages.is_empty() {
            // Futures' first event must straddle the snapshot (`U` <= id <= `u`), and the ids
            // after an event may be skipped: the event that ends at the snapshot's id, buffered
            // before it, is that first event.
            from = from.max(1);
            let outcome = self.sync.on_delta(messages[from - 1].delta());
            prop_assert_eq!(&outcome, &SyncOutcome::Buffered);
        }
        let id = match from.checked_sub(1) {
            Some(i) => messages[i].last,
            None => self.history.base,
        };
        let outcome = self.sync.on_snapshot(self.history.snapshot_at(id));
        self.needs_snapshot = false;
        self.check(&outcome)?;
        for message in &messages[from..] {
            let outcome = self.sync.on_delta(message.delta());
            prop_assert!(
                matches!(outcome, SyncOutcome::Applied { .. }),
                "an in-order message after a snapshot was not applied: {outcome:?}"
            );
            self.check(&outcome)?;
        }
        let on_its_own = match self.venue {
            Venue::Binance => from == messages.len(),
            Venue::BinanceFutures => messages.is_empty(),
            Venue::Bybit | Venue::Okx => false,
        };
        if !on_its_own {
            // Binance serves only once an event is applied on top of the snapshot.
            let book = self.sync.book();
            prop_assert!(book.is_some(), "nothing served after a clean resync");
            prop_assert_eq!(self.sync.last_update_id(), Some(self.history.end()));
        } else {
            prop_assert!(
                self.sync.book().is_none(),
                "a Binance snapshot served on its own"
            );
        }
        Ok(())
    }
}

fn sync_for(venue: Venue, small_buffer: bool) -> Box<dyn BookSync> {
    let limits = if small_buffer {
        // Past the buffer's cap the sync starts over: those paths are driven too.
        BookLimits::default().max_buffered_deltas(3)
    } else {
        BookLimits::default()
    };
    match venue {
        Venue::Binance => Box::new(DepthSync::new().with_limits(limits)),
        Venue::BinanceFutures => Box::new(FuturesDepthSync::new().with_limits(limits)),
        Venue::Bybit | Venue::Okx => Box::new(SnapshotDeltaSync::new().with_limits(limits)),
    }
}

fn run_mangled(venue: Venue) {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let case = (
        history(venue),
        prop::collection::vec(action(venue), 0..40),
        any::<bool>(),
        any::<prop::sample::Index>(),
    );
    runner
        .run(&case, |(history, actions, small_buffer, recover_from)| {
            let mut driver = Driver {
                venue,
                history: &history,
                sync: sync_for(venue, small_buffer),
                cursor: 0,
                needs_snapshot: false,
            };
            for action in &actions {
                driver.act(action)?;
            }
            driver.recover(recover_from.index(history.messages.len() + 1))
        })
        .unwrap();
}

#[test]
fn binance_depth_sync_serves_only_the_reference_book() {
    run_mangled(Venue::Binance);
}

#[test]
fn binance_futures_depth_sync_serves_only_the_reference_book() {
    run_mangled(Venue::BinanceFutures);
}

#[test]
fn bybit_snapshot_delta_sync_serves_only_the_reference_book() {
    run_mangled(Venue::Bybit);
}

#[test]
fn okx_snapshot_delta_sync_serves_only_the_reference_book() {
    run_mangled(Venue::Okx);
}

/// Any decimal: any sign, mantissa and scale (the book refuses what it cannot key).
fn any_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (-5i64..50).prop_map(Decimal::from),
        (any::<i64>(), 0u32..=28).prop_map(|(m, scale)| Decimal::new(m, scale)),
        any::<[u8; 16]>().prop_map(Decimal::deserialize),
    ]
}

fn any_id() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..40, (u64::MAX - 4)..=u64::MAX, any::<u64>()]
}

#[derive(Debug, Clone)]
enum Garbage {
    Snapshot(BookSnapshot),
    Delta(BookDelta),
    Reset,
}

fn garbage() -> impl Strategy<Value = Garbage> {
    let levels = || prop::collection::vec((any_decimal(), any_decimal()), 0..5);
    prop_oneof![
        1 => (any_id(), levels(), levels()).prop_map(|(update_id, bids, asks)| {
            Garbage::Snapshot(BookSnapshot { update_id, seq: None, bids, asks, checksum: None })
        }),
        6 => (any_id(), any_id(), proptest::option::of(any_id()), levels(), levels()).prop_map(
            |(first, last, pu, bids, asks)| {
                Garbage::Delta(BookDelta {
                    first_update_id: first,
                    last_update_id: last,
                    seq: None,
                    bids,
                    asks,
                    checksum: None,
                    prev_update_id: pu,
                })
            }
        ),
        1 => Just(Garbage::Reset),
    ]
}

/// Garbage in: no panic, a served book is never crossed, and a fault or a reconnect is never
/// followed by a served book before a snapshot.
#[test]
fn garbage_never_panics_nor_serves_a_crossed_book() {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let case = (
        prop::collection::vec(garbage(), 0..40),
        0u8..3,
        any::<bool>(),
    );
    runner
        .run(&case, |(messages, venue, small_buffer)| {
            let venue = match venue {
                0 => Venue::Binance,
                1 => Venue::BinanceFutures,
                _ => Venue::Bybit,
            };
            let mut sync = sync_for(venue, small_buffer);
            let mut needs_snapshot = false;
            for message in messages {
                let outcome = match message {
                    Garbage::Snapshot(snapshot) => {
                        needs_snapshot = false;
                        sync.on_snapshot(snapshot)
                    }
                    Garbage::Delta(delta) => sync.on_delta(delta),
                    Garbage::Reset => {
                        sync.reset();
                        needs_snapshot = true;
                        continue;
                    }
                };
                needs_snapshot |= outcome.is_fault();
                if let Some(book) = sync.book() {
                    prop_assert!(!needs_snapshot, "served after a fault: {outcome:?}");
                    prop_assert!(book.validate().is_ok(), "served a crossed book");
                    prop_assert!(sync.last_update_id().is_some());
                }
            }
            Ok(())
        })
        .unwrap();
}
