//! OKX's `books` frames as the feed decodes them (`prevSeqId + 1 ..= seqId`, heartbeats,
//! sequence resets, notices), into `SnapshotDeltaSync` with OKX's CRC-32 checksum: each line of
//! the input is one frame. Nothing may panic, and a book the sync serves is never crossed and
//! matches the last checksum it was given.
#![no_main]

use std::sync::Arc;

use hft_cache_core::book::{BookChecksum, BookSync, BookView};
use hft_cache_core::feed::okx::OkxBooks;
use hft_cache_core::feed::{BookMessage, BookStream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let stream = OkxBooks::new("ws://127.0.0.1:9");
    let mut sync = stream.new_sync();
    for frame in text.lines() {
        let (outcome, checksum) = match stream.decode("BTC-USDT", frame) {
            Ok(BookMessage::Snapshot(snapshot)) => {
                let checksum = snapshot.checksum;
                (sync.on_snapshot(snapshot), checksum)
            }
            Ok(BookMessage::Delta(delta)) => {
                let checksum = delta.checksum;
                (sync.on_delta(delta), checksum)
            }
            Ok(_) | Err(_) => continue,
        };
        if outcome.is_fault() {
            assert!(sync.book().is_none(), "served after {outcome:?}");
        }
        if let Some(book) = sync.book() {
            assert!(book.validate().is_ok(), "served a crossed book");
            if let (true, Some(expected)) = (
                matches!(outcome, hft_cache_core::book::SyncOutcome::Applied { .. }),
                checksum,
            ) {
                assert_eq!(
                    BookChecksum::OKX.compute(book),
                    expected,
                    "served a book its checksum refutes"
                );
            }
            let id = sync.last_update_id().expect("a served book has an id");
            let _ = BookView::of(Arc::from("BTC-USDT"), id, book, 25).spread();
        }
    }
});
