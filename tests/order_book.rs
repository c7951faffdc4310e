//! The L2 book and the documented diff-depth sync, including random event sequences with
//! drops, duplicates and reorders checked against a reference model.

use std::collections::BTreeMap;

use hft_cache::book::{
    BookError, DepthSnapshot, DepthSync, DepthUpdate, OrderBook, Side, SyncOutcome,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn update(
    first: u64,
    last: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> DepthUpdate {
    DepthUpdate {
        event: "depthUpdate".into(),
        event_time: 0,
        symbol: "BTCUSDT".into(),
        first_update_id: first,
        last_update_id: last,
        bids: bids.to_vec(),
        asks: asks.to_vec(),
    }
}

fn snapshot(id: u64) -> DepthSnapshot {
    DepthSnapshot {
        last_update_id: id,
        bids: vec![(dec!(99), dec!(1)), (dec!(98), dec!(2))],
        asks: vec![(dec!(101), dec!(1)), (dec!(102), dec!(2))],
    }
}

#[test]
fn wire_formats_parse_from_exchange_json() {
    let event: DepthUpdate = serde_json::from_str(
        r#"{"e":"depthUpdate","E":1700000000000,"s":"BNBBTC","U":157,"u":160,
            "b":[["0.0024","10"]],"a":[["0.0026","100"],["0.0027","0.00000000"]]}"#,
    )
    .unwrap();
    assert_eq!((event.first_update_id, event.last_update_id), (157, 160));
    assert_eq!(event.asks[1], (dec!(0.0027), dec!(0)));
    let depth: DepthSnapshot = serde_json::from_str(
        r#"{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}"#,
    )
    .unwrap();
    assert_eq!(depth.bids, [(dec!(4), dec!(431))]);
    assert!(serde_json::from_str::<DepthUpdate>(r#"{"e":"depthUpdate","U":1}"#).is_err());
}

#[test]
fn zero_quantity_removes_and_bad_levels_are_refused() {
    let mut book = OrderBook::new();
    book.apply(Side::Ask, dec!(101), dec!(3)).unwrap();
    book.apply(Side::Ask, dec!(101), dec!(0)).unwrap();
    assert_eq!(book.best_ask(), None);
    assert!(matches!(
        book.apply(Side::Bid, dec!(100), dec!(-1)),
        Err(BookError::NegativeQuantity { .. })
    ));
    assert!(matches!(
        book.apply(Side::Bid, dec!(0), dec!(1)),
        Err(BookError::NonPositivePrice { .. })
    ));
    assert!(book.is_empty(), "refused updates change nothing");
}

#[test]
fn crossed_books_are_detected() {
    let mut book = OrderBook::new();
    book.apply(Side::Bid, dec!(100), dec!(1)).unwrap();
    book.apply(Side::Ask, dec!(100), dec!(1)).unwrap();
    assert_eq!(
        book.validate(),
        Err(BookError::Crossed {
            bid: dec!(100),
            ask: dec!(100)
        })
    );
}

#[test]
fn the_snapshot_alone_is_never_readable() {
    let mut sync = DepthSync::new();
    assert_eq!(sync.on_snapshot(snapshot(100)), SyncOutcome::Buffered);
    assert!(
        sync.book().is_none(),
        "seeded but not yet confirmed by the stream"
    );
    assert_eq!(
        sync.on_event(update(100, 101, &[(dec!(99), dec!(5))], &[])),
        SyncOutcome::Applied {
            last_update_id: 101
        }
    );
    assert_eq!(sync.book().unwrap().best_bid(), Some((dec!(99), dec!(5))));
}

#[test]
fn buffered_events_before_the_snapshot_are_dropped_and_the_first_must_straddle() {
    let mut sync = DepthSync::new();
    sync.on_event(update(90, 95, &[(dec!(50), dec!(1))], &[]));
    sync.on_event(update(96, 100, &[(dec!(51), dec!(1))], &[]));
    sync.on_event(update(101, 104, &[(dec!(99), dec!(7))], &[]));
    assert_eq!(
        sync.on_snapshot(snapshot(100)),
        SyncOutcome::Applied {
            last_update_id: 104
        }
    );
    let book = sync.book().unwrap();
    assert_eq!(book.best_bid(), Some((dec!(99), dec!(7))));
    assert_eq!(
        book.depth(Side::Bid),
        2,
        "events up to the snapshot were not applied"
    );
}

#[test]
fn a_snapshot_older_than_the_buffer_is_a_gap() {
    let mut sync = DepthSync::new();
    sync.on_event(update(105, 110, &[], &[]));
    assert_eq!(
        sync.on_snapshot(snapshot(100)),
        SyncOutcome::Gap {
            expected: 101,
            got: 105
        }
    );
    assert!(sync.needs_snapshot());
}

#[test]
fn duplicates_are_ignored_and_gaps_reset() {
    let mut sync = DepthSync::new();
    sync.on_snapshot(snapshot(100));
    sync.on_event(update(101, 102, &[], &[]));
    assert_eq!(
        sync.on_event(update(101, 102, &[], &[])),
        SyncOutcome::Ignored
    );
    assert_eq!(
        sync.on_event(update(103, 103, &[], &[])),
        SyncOutcome::Applied {
            last_update_id: 103
        }
    );
    assert_eq!(
        sync.on_event(update(105, 106, &[], &[])),
        SyncOutcome::Gap {
            expected: 104,
            got: 105
        }
    );
    assert!(sync.book().is_none() && sync.needs_snapshot());
}

#[test]
fn an_event_that_crosses_the_book_discards_it() {
    let mut sync = DepthSync::new();
    sync.on_snapshot(snapshot(100));
    sync.on_event(update(101, 101, &[], &[]));
    let outcome = sync.on_event(update(102, 102, &[(dec!(101.5), dec!(1))], &[]));
    assert!(matches!(
        outcome,
        SyncOutcome::Invalid(BookError::Crossed { .. })
    ));
    assert!(sync.book().is_none());
    let negative = {
        let mut sync = DepthSync::new();
        sync.on_snapshot(snapshot(100));
        sync.on_event(update(101, 101, &[(dec!(97), dec!(-2))], &[]))
    };
    assert!(matches!(
        negative,
        SyncOutcome::Invalid(BookError::NegativeQuantity { .. })
    ));
}

/// What the stream does to an event in the property test.
#[derive(Debug, Clone, Copy)]
enum Delivery {
    Deliver,
    Drop,
    Duplicate,
    SwapWithNext,
}

fn delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        8 => Just(Delivery::Deliver),
        1 => Just(Delivery::Drop),
        1 => Just(Delivery::Duplicate),
        1 => Just(Delivery::SwapWithNext),
    ]
}

/// A level change: bid or ask, price offset from the spread, quantity (0 removes).
fn change() -> impl Strategy<Value = (bool, u32, u32)> {
    (any::<bool>(), 1u32..30, 0u32..5)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random event sequences, delivered with drops, duplicates and swaps: whenever the sync
    /// says the book is live, it equals the reference model at that update id; after a gap it
    /// is not readable until a new snapshot.
    #[test]
    fn the_synced_book_always_equals_the_model(
        events in proptest::collection::vec((proptest::collection::vec(change(), 1..4), delivery()), 1..80),
    ) {
        // The exchange's book after each update id, starting at id 100 with the snapshot's.
        let mut model: (BTreeMap<u32, u32>, BTreeMap<u32, u32>) = (
            [(1000 - 1, 1), (1000 - 2, 2)].into_iter().collect(),
            [(1000 + 1, 1), (1000 + 2, 2)].into_iter().collect(),
        );
        let mut history = vec![model.clone()];
        let mut stream = Vec::new();
        for (i, (changes, how)) in events.iter().enumerate() {
            let id = 101 + i as u64;
            let (mut bids, mut asks) = (Vec::new(), Vec::new());
            for &(bid, offset, qty) in changes {
                // Bids below 1000, asks above: the book never crosses.
                let (side, price, out) = if bid { (&mut model.0, 1000 - offset, &mut bids) } else { (&mut model.1, 1000 + offset, &mut asks) };
                if qty == 0 { side.remove(&price); } else { side.insert(price, qty); }
                out.push((Decimal::from(price), Decimal::from(qty)));
            }
            history.push(model.clone());
            stream.push((update(id, id, &bids, &asks), *how));
        }
        // Apply the delivery faults.
        let mut delivered = Vec::new();
        let mut i = 0;
        while i < stream.len() {
            let (event, how) = &stream[i];
            match how {
                Delivery::Deliver => delivered.push(event.clone()),
                Delivery::Drop => {}
                Delivery::Duplicate => { delivered.push(event.clone()); delivered.push(event.clone()); }
                Delivery::SwapWithNext if i + 1 < stream.len() => {
                    delivered.push(stream[i + 1].0.clone());
                    delivered.push(event.clone());
                    i += 1;
                }
                Delivery::SwapWithNext => delivered.push(event.clone()),
            }
            i += 1;
        }

        let to_book = |m: &(BTreeMap<u32, u32>, BTreeMap<u32, u32>)| {
            let mut book = OrderBook::new();
            for (p, q) in &m.0 { book.apply(Side::Bid, Decimal::from(*p), Decimal::from(*q)).unwrap(); }
            for (p, q) in &m.1 { book.apply(Side::Ask, Decimal::from(*p), Decimal::from(*q)).unwrap(); }
            book
        };
        let mut sync = DepthSync::new();
        let seed = DepthSnapshot {
            last_update_id: 100,
            bids: history[0].0.iter().map(|(p, q)| (Decimal::from(*p), Decimal::from(*q))).collect(),
            asks: history[0].1.iter().map(|(p, q)| (Decimal::from(*p), Decimal::from(*q))).collect(),
        };
        sync.on_snapshot(seed);
        for event in delivered {
            let outcome = sync.on_event(event);
            match outcome {
                SyncOutcome::Applied { last_update_id } => {
                    let expected = to_book(&history[(last_update_id - 100) as usize]);
                    prop_assert_eq!(sync.book(), Some(&expected));
                }
                SyncOutcome::Gap { .. } => {
                    prop_assert!(sync.book().is_none());
                    // Resync from the exchange's current book, as the feed does.
                    break;
                }
                SyncOutcome::Ignored | SyncOutcome::Buffered => {}
                SyncOutcome::Invalid(e) => prop_assert!(false, "model never crosses: {e}"),
            }
        }
    }
}
