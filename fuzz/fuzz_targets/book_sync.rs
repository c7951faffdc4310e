//! Arbitrary snapshot/delta/reset sequences into every `BookSync` procedure: `DepthSync`
//! (Binance), `SnapshotDeltaSync` (Bybit, OKX), with and without OKX's checksum, with the
//! default caps and with small ones. Nothing may panic; a fault or a reconnect is never followed
//! by a served book before a snapshot; a served book is never crossed and has an id.
#![no_main]

use hft_cache_core::book::{
    BookChecksum, BookDelta, BookLimits, BookSnapshot, BookSync, DepthSync, SnapshotDeltaSync,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

#[derive(Arbitrary, Debug)]
struct Number {
    mantissa: i64,
    scale: u8,
}

impl Number {
    fn decimal(&self) -> Decimal {
        Decimal::new(self.mantissa, u32::from(self.scale) % 29)
    }
}

#[derive(Arbitrary, Debug)]
struct Level {
    price: Number,
    qty: Number,
}

fn levels(levels: &[Level]) -> Vec<(Decimal, Decimal)> {
    levels
        .iter()
        .map(|l| (l.price.decimal(), l.qty.decimal()))
        .collect()
}

#[derive(Arbitrary, Debug)]
enum Message {
    Snapshot {
        update_id: u64,
        seq: Option<u64>,
        bids: Vec<Level>,
        asks: Vec<Level>,
        checksum: Option<i32>,
    },
    Delta {
        first_update_id: u64,
        last_update_id: u64,
        seq: Option<u64>,
        bids: Vec<Level>,
        asks: Vec<Level>,
        checksum: Option<i32>,
    },
    Reset,
}

#[derive(Arbitrary, Debug)]
struct Input {
    procedure: u8,
    small_caps: bool,
    messages: Vec<Message>,
}

fuzz_target!(|input: Input| {
    let limits = if input.small_caps {
        BookLimits::default()
            .max_levels_per_message(8)
            .max_buffered_deltas(3)
            .max_buffered_levels(12)
            .max_book_levels(16)
    } else {
        BookLimits::default()
    };
    let mut sync: Box<dyn BookSync> = match input.procedure % 4 {
        0 => Box::new(DepthSync::new().with_limits(limits)),
        1 => Box::new(
            DepthSync::new()
                .with_limits(limits)
                .with_checksum(BookChecksum::OKX),
        ),
        2 => Box::new(SnapshotDeltaSync::new().with_limits(limits)),
        _ => Box::new(
            SnapshotDeltaSync::new()
                .with_limits(limits)
                .with_checksum(BookChecksum::OKX),
        ),
    };
    let mut needs_snapshot = false;
    for message in &input.messages {
        let outcome = match message {
            Message::Snapshot {
                update_id,
                seq,
                bids,
                asks,
                checksum,
            } => {
                needs_snapshot = false;
                sync.on_snapshot(BookSnapshot {
                    update_id: *update_id,
                    seq: *seq,
                    bids: levels(bids),
                    asks: levels(asks),
                    checksum: *checksum,
                })
            }
            Message::Delta {
                first_update_id,
                last_update_id,
                seq,
                bids,
                asks,
                checksum,
            } => sync.on_delta(BookDelta {
                first_update_id: *first_update_id,
                last_update_id: *last_update_id,
                seq: *seq,
                bids: levels(bids),
                asks: levels(asks),
                checksum: *checksum,
            }),
            Message::Reset => {
                sync.reset();
                needs_snapshot = true;
                assert!(sync.needs_snapshot() && sync.book().is_none());
                continue;
            }
        };
        needs_snapshot |= outcome.is_fault();
        if let Some(book) = sync.book() {
            assert!(
                !needs_snapshot,
                "served after a fault or a reset: {outcome:?}"
            );
            assert!(book.validate().is_ok(), "served a crossed book");
            assert!(
                sync.last_update_id().is_some(),
                "a served book without an id"
            );
        }
        let _ = sync.buffered();
    }
});
