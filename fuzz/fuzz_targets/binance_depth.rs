//! Binance's depth frames as the feed decodes them, into `DepthSync`: each line of the input is
//! a REST snapshot body (`GET /api/v3/depth`, decoded as the fetch decodes it) or a stream frame
//! (`depthUpdate`, `serverShutdown`, a subscription reply). Nothing may panic, and a book the
//! sync serves is never crossed.
#![no_main]

use std::sync::Arc;

use hft_cache_core::book::{BookSync, BookView, DepthSnapshot, SyncOutcome};
use hft_cache_core::feed::{BinanceDepth, BookMessage, BookStream};
use hft_cache_core::fetch::Bare;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let stream = BinanceDepth::new("ws://127.0.0.1:9", "http://127.0.0.1:9");
    let mut sync = stream.new_sync();
    for frame in text.lines() {
        let outcome =
            match hft_cache_core::__fuzz::decode::<Bare, DepthSnapshot>(200, frame.as_bytes()) {
                Ok(snapshot) => sync.on_snapshot(snapshot.into()),
                Err(_) => match stream.decode("BTCUSDT", frame) {
                    Ok(BookMessage::Snapshot(snapshot)) => sync.on_snapshot(snapshot),
                    Ok(BookMessage::Delta(delta)) => sync.on_delta(delta),
                    Ok(BookMessage::Reconnect) => {
                        // A new link keeps the book (the feed resyncs only on a fault).
                        continue;
                    }
                    Ok(_) | Err(_) => continue,
                },
            };
        check(&sync, &outcome);
    }
});

fn check(sync: &impl BookSync, outcome: &SyncOutcome) {
    if outcome.is_fault() {
        assert!(sync.book().is_none(), "served after {outcome:?}");
    }
    if let Some(book) = sync.book() {
        assert!(book.validate().is_ok(), "served a crossed book");
        let id = sync.last_update_id().expect("a served book has an id");
        let view = BookView::of(Arc::from("BTCUSDT"), id, book, 20);
        let _ = (view.mid(), view.spread());
    }
}
