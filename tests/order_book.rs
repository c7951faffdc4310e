//! The L2 book, Binance's documented diff-depth sync and the snapshot-then-delta sync (Bybit v5,
//! OKX, with OKX's checksum), including random event sequences with drops, duplicates and
//! reorders checked against a reference model.

use std::collections::BTreeMap;

use hft_cache::book::{
    BookChecksum, BookDelta, BookError, BookSnapshot, BookSync, DepthSnapshot, DepthSync,
    DepthUpdate, OrderBook, Side, SnapshotDeltaSync, SyncOutcome,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn update(
    first: u64,
    last: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> BookDelta {
    BookDelta {
        first_update_id: first,
        last_update_id: last,
        bids: bids.to_vec(),
        asks: asks.to_vec(),
        ..BookDelta::default()
    }
}

fn snapshot(id: u64) -> BookSnapshot {
    BookSnapshot {
        update_id: id,
        bids: vec![(dec!(99), dec!(1)), (dec!(98), dec!(2))],
        asks: vec![(dec!(101), dec!(1)), (dec!(102), dec!(2))],
        ..BookSnapshot::default()
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
    let delta = BookDelta::from(event);
    assert_eq!(
        (delta.first_update_id, delta.last_update_id, delta.seq),
        (157, 160, None)
    );
    assert_eq!(BookSnapshot::from(depth).update_id, 1027024);
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
        sync.on_delta(update(100, 101, &[(dec!(99), dec!(5))], &[])),
        SyncOutcome::Applied {
            last_update_id: 101
        }
    );
    assert_eq!(sync.book().unwrap().best_bid(), Some((dec!(99), dec!(5))));
}

#[test]
fn buffered_events_before_the_snapshot_are_dropped_and_the_first_must_straddle() {
    let mut sync = DepthSync::new();
    sync.on_delta(update(90, 95, &[(dec!(50), dec!(1))], &[]));
    sync.on_delta(update(96, 100, &[(dec!(51), dec!(1))], &[]));
    sync.on_delta(update(101, 104, &[(dec!(99), dec!(7))], &[]));
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
fn a_snapshot_older_than_the_buffer_is_refetched_and_the_buffer_kept() {
    // Issue 9's case: events [100;105] [106;110], snapshot 90 then 107, next [111;115] applies.
    let mut sync = DepthSync::new();
    assert_eq!(
        sync.on_delta(update(100, 105, &[(dec!(97), dec!(5))], &[])),
        SyncOutcome::Buffered
    );
    assert_eq!(
        sync.on_delta(update(106, 110, &[(dec!(96), dec!(6))], &[])),
        SyncOutcome::Buffered
    );
    assert_eq!(
        sync.on_snapshot(snapshot(90)),
        SyncOutcome::SnapshotTooOld {
            snapshot: 90,
            first_buffered: 100
        }
    );
    assert!(sync.needs_snapshot() && sync.book().is_none());
    assert_eq!(
        sync.on_snapshot(snapshot(107)),
        SyncOutcome::Applied {
            last_update_id: 110
        }
    );
    let book = sync.book().unwrap();
    assert_eq!(
        book.depth(Side::Bid),
        3,
        "[106;110] applied, [100;105] dropped: {book:?}"
    );
    assert_eq!(
        sync.on_delta(update(111, 115, &[(dec!(99), dec!(0))], &[])),
        SyncOutcome::Applied {
            last_update_id: 115
        }
    );
    assert_eq!(sync.book().unwrap().best_bid(), Some((dec!(98), dec!(2))));
}

#[test]
fn a_seeded_snapshot_overtaken_by_the_next_event_is_refetched_keeping_that_event() {
    let mut sync = DepthSync::new();
    // No buffer yet: the snapshot is seeded, and the first event shows it was too old.
    assert_eq!(sync.on_snapshot(snapshot(100)), SyncOutcome::Buffered);
    assert_eq!(
        sync.on_delta(update(105, 110, &[], &[])),
        SyncOutcome::SnapshotTooOld {
            snapshot: 100,
            first_buffered: 105
        }
    );
    assert_eq!(
        sync.on_snapshot(snapshot(106)),
        SyncOutcome::Applied {
            last_update_id: 110
        }
    );
}

#[test]
fn a_hole_inside_the_buffer_drops_what_came_before_it() {
    let mut sync = DepthSync::new();
    sync.on_delta(update(100, 105, &[], &[]));
    sync.on_delta(update(110, 112, &[], &[])); // 106..109 never arrived
                                               // Only the events after the hole can follow a snapshot: one at 101 is too old for them
                                               // (not a book built from [100;105] that then gaps and throws the buffer away).
    assert_eq!(
        sync.on_snapshot(snapshot(101)),
        SyncOutcome::SnapshotTooOld {
            snapshot: 101,
            first_buffered: 110
        }
    );
    assert_eq!(
        sync.on_snapshot(snapshot(109)),
        SyncOutcome::Applied {
            last_update_id: 112
        }
    );
}

#[test]
fn duplicates_are_ignored_and_gaps_reset() {
    let mut sync = DepthSync::new();
    sync.on_snapshot(snapshot(100));
    sync.on_delta(update(101, 102, &[], &[]));
    assert_eq!(
        sync.on_delta(update(101, 102, &[], &[])),
        SyncOutcome::Ignored
    );
    assert_eq!(
        sync.on_delta(update(103, 103, &[], &[])),
        SyncOutcome::Applied {
            last_update_id: 103
        }
    );
    assert_eq!(
        sync.on_delta(update(105, 106, &[], &[])),
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
    sync.on_delta(update(101, 101, &[], &[]));
    let outcome = sync.on_delta(update(102, 102, &[(dec!(101.5), dec!(1))], &[]));
    assert!(matches!(
        outcome,
        SyncOutcome::Invalid(BookError::Crossed { .. })
    ));
    assert!(sync.book().is_none());
    let negative = {
        let mut sync = DepthSync::new();
        sync.on_snapshot(snapshot(100));
        sync.on_delta(update(101, 101, &[(dec!(97), dec!(-2))], &[]))
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
        let seed = BookSnapshot {
            update_id: 100,
            bids: history[0].0.iter().map(|(p, q)| (Decimal::from(*p), Decimal::from(*q))).collect(),
            asks: history[0].1.iter().map(|(p, q)| (Decimal::from(*p), Decimal::from(*q))).collect(),
            ..BookSnapshot::default()
        };
        sync.on_snapshot(seed);
        for event in delivered {
            let outcome = sync.on_delta(event);
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
                SyncOutcome::SnapshotTooOld { .. } => {
                    // The first event after the snapshot was lost: same as a gap for the test.
                    prop_assert!(sync.book().is_none());
                    break;
                }
                SyncOutcome::Ignored | SyncOutcome::Buffered => {}
                other => prop_assert!(false, "model never crosses: {other:?}"),
            }
        }
    }
}

/// A Bybit-style delta: one id per message, with the cross sequence.
fn bybit_delta(
    u: u64,
    seq: u64,
    bids: &[(Decimal, Decimal)],
    asks: &[(Decimal, Decimal)],
) -> BookDelta {
    BookDelta {
        first_update_id: u,
        last_update_id: u,
        seq: Some(seq),
        bids: bids.to_vec(),
        asks: asks.to_vec(),
        checksum: None,
        prev_update_id: None,
    }
}

#[test]
fn snapshot_then_delta_serves_the_snapshot_and_needs_u_plus_one() {
    let mut sync = SnapshotDeltaSync::new();
    // Deltas before any snapshot are superseded by it.
    assert_eq!(
        sync.on_delta(bybit_delta(7, 70, &[], &[])),
        SyncOutcome::Ignored
    );
    assert!(sync.needs_snapshot());
    let mut first = snapshot(10);
    first.seq = Some(100);
    assert_eq!(
        sync.on_snapshot(first),
        SyncOutcome::Applied { last_update_id: 10 }
    );
    assert_eq!(sync.book().unwrap().best_bid(), Some((dec!(99), dec!(1))));
    assert_eq!((sync.last_update_id(), sync.seq()), (Some(10), Some(100)));

    assert_eq!(
        sync.on_delta(bybit_delta(11, 105, &[(dec!(99.5), dec!(3))], &[])),
        SyncOutcome::Applied { last_update_id: 11 }
    );
    assert_eq!(sync.seq(), Some(105));
    assert_eq!(
        sync.on_delta(bybit_delta(11, 105, &[], &[])),
        SyncOutcome::Ignored
    );
    assert_eq!(
        sync.on_delta(bybit_delta(13, 110, &[], &[])),
        SyncOutcome::Gap {
            expected: 12,
            got: 13
        }
    );
    assert!(sync.needs_snapshot() && sync.book().is_none());
    // A new snapshot replaces everything.
    assert_eq!(
        sync.on_snapshot(snapshot(40)),
        SyncOutcome::Applied { last_update_id: 40 }
    );
    assert_eq!(sync.book().unwrap().best_bid(), Some((dec!(99), dec!(1))));
    // A delta that crosses the book discards it.
    let crossed = sync.on_delta(bybit_delta(41, 111, &[(dec!(101), dec!(1))], &[]));
    assert!(
        matches!(crossed, SyncOutcome::Invalid(BookError::Crossed { .. })),
        "{crossed:?}"
    );
    assert!(sync.book().is_none());
}

/// OKX's documented checksum examples: bids and asks interleaved, the shorter side ending.
#[test]
fn okx_checksum_matches_the_documented_examples() {
    let book = |bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]| {
        let mut book = OrderBook::new();
        for &(p, q) in bids {
            book.apply(Side::Bid, p, q).unwrap();
        }
        for &(p, q) in asks {
            book.apply(Side::Ask, p, q).unwrap();
        }
        book
    };
    // "3366.1:7:3366.8:9:3366:6:3368:8"
    let even = book(
        &[(dec!(3366.1), dec!(7)), (dec!(3366), dec!(6))],
        &[(dec!(3366.8), dec!(9)), (dec!(3368), dec!(8))],
    );
    assert_eq!(BookChecksum::OKX.compute(&even), -1881014294);
    // "3366.1:7:3366.8:9:3368:8:3372:8"
    let odd = book(
        &[(dec!(3366.1), dec!(7))],
        &[
            (dec!(3366.8), dec!(9)),
            (dec!(3368), dec!(8)),
            (dec!(3372), dec!(8)),
        ],
    );
    assert_eq!(BookChecksum::OKX.compute(&odd), 831078360);
    // Only the best 25 levels count.
    let mut deep = even.clone();
    deep.apply(Side::Bid, dec!(3000), dec!(1)).unwrap();
    for i in 0..30 {
        deep.apply(Side::Bid, dec!(3300) - Decimal::from(i), dec!(1))
            .unwrap();
    }
    let mut deeper = deep.clone();
    deeper.apply(Side::Bid, dec!(3000), dec!(2)).unwrap();
    assert_eq!(
        BookChecksum::OKX.compute(&deep),
        BookChecksum::OKX.compute(&deeper)
    );
    assert_ne!(
        BookChecksum::OKX.compute(&deep),
        BookChecksum::OKX.compute(&even)
    );
}

#[test]
fn a_checksum_mismatch_discards_the_book_like_a_gap() {
    let levels_even = (
        vec![(dec!(3366.1), dec!(7)), (dec!(3366), dec!(6))],
        vec![(dec!(3366.8), dec!(9)), (dec!(3368), dec!(8))],
    );
    let mut sync = SnapshotDeltaSync::new().with_checksum(BookChecksum::OKX);
    let snap = BookSnapshot {
        update_id: 1,
        seq: None,
        bids: levels_even.0.clone(),
        asks: levels_even.1.clone(),
        checksum: Some(-1881014294),
    };
    assert_eq!(
        sync.on_snapshot(snap.clone()),
        SyncOutcome::Applied { last_update_id: 1 }
    );
    // The delta turns the book into the odd example: remove bid 3366, add ask 3372.
    let mut delta = bybit_delta(2, 0, &[(dec!(3366), dec!(0))], &[(dec!(3372), dec!(8))]);
    delta.checksum = Some(831078360);
    assert_eq!(
        sync.on_delta(delta.clone()),
        SyncOutcome::Applied { last_update_id: 2 }
    );
    // The same change with a checksum the book does not match: discarded.
    assert_eq!(
        sync.on_snapshot(snap),
        SyncOutcome::Applied { last_update_id: 1 }
    );
    delta.checksum = Some(831078361);
    assert_eq!(
        sync.on_delta(delta),
        SyncOutcome::ChecksumMismatch {
            expected: 831078361,
            computed: 831078360
        }
    );
    assert!(sync.needs_snapshot() && sync.book().is_none());
    assert!(SyncOutcome::ChecksumMismatch {
        expected: 0,
        computed: 1
    }
    .is_fault());
    // A snapshot that does not match its own checksum is never served.
    let bad = BookSnapshot {
        checksum: Some(5),
        ..BookSnapshot {
            update_id: 9,
            seq: None,
            bids: levels_even.0,
            asks: levels_even.1,
            checksum: None,
        }
    };
    assert!(matches!(
        sync.on_snapshot(bad),
        SyncOutcome::ChecksumMismatch { .. }
    ));
    assert!(sync.book().is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any sequence of level updates (adds, changes, removals anywhere, refills of removed
    /// levels) leaves the book equal to a sorted map of the same updates.
    #[test]
    fn the_book_equals_a_sorted_map(
        ops in proptest::collection::vec((any::<bool>(), 1u32..200, 0u32..4, 0u32..3), 1..400),
    ) {
        let mut book = OrderBook::new();
        let mut model: (BTreeMap<Decimal, Decimal>, BTreeMap<Decimal, Decimal>) = Default::default();
        for (bid, offset, qty, scale) in ops {
            // Bids below 1000, asks above; prices of mixed scales (1000.5 vs 1000.50).
            let price = Decimal::new(i64::from(if bid { 10_000 - offset } else { 10_000 + offset }) * 10i64.pow(scale), scale + 1);
            let qty = Decimal::from(qty);
            let side = if bid { Side::Bid } else { Side::Ask };
            book.apply(side, price, qty).unwrap();
            let map = if bid { &mut model.0 } else { &mut model.1 };
            if qty.is_zero() { map.remove(&price); } else { map.insert(price, qty); }
        }
        let bids: Vec<_> = model.0.iter().rev().map(|(p, q)| (*p, *q)).collect();
        let asks: Vec<_> = model.1.iter().map(|(p, q)| (*p, *q)).collect();
        prop_assert_eq!(book.levels(Side::Bid).collect::<Vec<_>>(), bids.clone());
        prop_assert_eq!(book.levels(Side::Ask).collect::<Vec<_>>(), asks.clone());
        prop_assert_eq!(book.best_bid(), bids.first().copied());
        prop_assert_eq!(book.best_ask(), asks.first().copied());
        prop_assert_eq!(book.depth(Side::Bid), bids.len());
        prop_assert_eq!(book.top(Side::Ask, 5), asks.iter().take(5).copied().collect::<Vec<_>>());
    }
}
