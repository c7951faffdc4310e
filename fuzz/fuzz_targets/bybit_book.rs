//! Bybit v5's `orderbook.N.SYMBOL` frames as the feed decodes them, into `SnapshotDeltaSync`
//! (`u` growing by one): each line of the input is one frame. Nothing may panic, and a book the
//! sync serves is never crossed.
#![no_main]

use std::sync::Arc;

use hft_cache_core::book::{BookSync, BookView};
use hft_cache_core::feed::bybit::BybitOrderbook;
use hft_cache_core::feed::{BookMessage, BookStream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let stream = BybitOrderbook::new("ws://127.0.0.1:9");
    let mut sync = stream.new_sync();
    for frame in text.lines() {
        let outcome = match stream.decode("BTCUSDT", frame) {
            Ok(BookMessage::Snapshot(snapshot)) => sync.on_snapshot(snapshot),
            Ok(BookMessage::Delta(delta)) => sync.on_delta(delta),
            Ok(_) | Err(_) => continue,
        };
        if outcome.is_fault() {
            assert!(sync.book().is_none(), "served after {outcome:?}");
        }
        if let Some(book) = sync.book() {
            assert!(book.validate().is_ok(), "served a crossed book");
            let id = sync.last_update_id().expect("a served book has an id");
            let _ = BookView::of(Arc::from("BTCUSDT"), id, book, 50).mid();
        }
    }
});
