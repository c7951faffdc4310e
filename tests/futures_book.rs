//! The USD-M futures depth feed end to end against the futures mock over real sockets:
//! snapshots from `/fapi/v1/depth`, `@depth@100ms` events chained by `pu`
//! ([`FuturesDepthSync`](hft_cache::book::FuturesDepthSync)); a dropped event breaks the
//! chain and resyncs; a stalled stream is refused.

use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::feed::binance_futures::BinanceFuturesDepth;
use hft_cache::feed::{DepthFeed, DepthFeedBuilder, DepthFeedHandle, FeedHealth};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use hft_cache_mock::futures::FuturesMock;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";

/// How long a book may be served: far above the mock's 10 ms cadence, well below a stall.
const MAX_AGE: Duration = Duration::from_millis(400);

struct Setup {
    mock: FuturesMock,
    books: StreamCache<String, BookView>,
    feed: DepthFeedHandle,
}

async fn setup(
    configure: impl FnOnce(
        DepthFeedBuilder<BinanceFuturesDepth>,
    ) -> DepthFeedBuilder<BinanceFuturesDepth>,
) -> Setup {
    let mock = FuturesMock::builder()
        .symbol(SYMBOL, dec!(60000))
        .stream_interval(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let books = StreamCache::<String, BookView>::builder()
        .name("futures-books")
        .max_age(MAX_AGE)
        .build()
        .unwrap();
    let feed = DepthFeed::binance_futures(mock.ws_url(), mock.http_url())
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .snapshot_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .depth(10);
    let feed = configure(feed).spawn(&books).unwrap();
    let setup = Setup { mock, books, feed };
    setup.wait_until("the first sync", |s| s.readable()).await;
    setup
}

impl Setup {
    fn health(&self) -> FeedHealth {
        self.feed.health(SYMBOL).unwrap()
    }

    fn readable(&self) -> bool {
        self.books.read(SYMBOL, |_| ()).is_ok()
    }

    async fn wait_until(&self, what: &str, condition: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !condition(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {:?}",
                self.health()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Every book read is well formed and no newer than the venue.
    fn check_book(&self) {
        if let Ok(view) = self.books.read(SYMBOL, BookView::clone) {
            assert!(
                view.bids.windows(2).all(|w| w[0].price > w[1].price),
                "{view:?}"
            );
            assert!(
                view.asks.windows(2).all(|w| w[0].price < w[1].price),
                "{view:?}"
            );
            assert!(view.best_bid().unwrap().price < view.best_ask().unwrap().price);
            assert!(view.last_update_id <= self.mock.update_id(SYMBOL).unwrap());
        }
    }
}

#[tokio::test]
async fn syncs_by_the_pu_chain_and_keeps_up() {
    let s = setup(|feed| feed).await;
    let first = s.books.read(SYMBOL, |b| b.last_update_id).unwrap();
    s.wait_until("later updates", |s| {
        s.check_book();
        s.books.read(SYMBOL, |b| b.last_update_id).unwrap_or(0) > first + 20
    })
    .await;
    let health = s.health();
    assert!(health.connected);
    assert_eq!(
        (health.gaps, health.resyncs, health.reconnects),
        (0, 0, 0),
        "{health:?}"
    );
    assert_eq!(s.books.read(SYMBOL, |b| b.bids.len()).unwrap(), 10);
    // The book follows the venue's: its best bid is the venue's within a few updates.
    let (bid, ask) = s.mock.best_bid_ask(SYMBOL).unwrap();
    s.wait_until("the venue's top of book", |s| {
        s.books
            .read(SYMBOL, |b| {
                (b.best_bid().unwrap().price - bid).abs() < dec!(100)
                    && (b.best_ask().unwrap().price - ask).abs() < dec!(100)
            })
            .unwrap_or(false)
    })
    .await;
}

#[tokio::test]
async fn a_dropped_event_breaks_the_pu_chain_and_resyncs() {
    let s = setup(|feed| feed).await;
    s.mock.faults().drop_next_delta();
    s.wait_until("the gap", |s| s.health().gaps >= 1).await;
    assert!(
        matches!(s.health().last_fault, Some(FeedFault::SequenceGap { .. })),
        "{:?}",
        s.health()
    );
    s.wait_until("the resync", |s| s.readable() && s.health().resyncs >= 1)
        .await;
    s.check_book();
    assert_eq!(s.health().reconnects, 0, "resynced on the same connection");
}

#[tokio::test]
async fn a_stalled_stream_is_unhealthy_until_a_fresh_snapshot() {
    let s = setup(|feed| feed.data_timeout(Duration::from_millis(200))).await;
    let resyncs = s.health().resyncs;
    s.mock.faults().stall_stream(true);
    s.wait_until("silence detected", |s| {
        matches!(s.health().last_fault, Some(FeedFault::Silent { .. }))
    })
    .await;
    for _ in 0..20 {
        match s.books.read(SYMBOL, |b| b.last_update_id) {
            Err(StreamReadError::FeedUnhealthy { .. }) => {}
            other => panic!("served during a stall: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.mock.faults().stall_stream(false);
    s.wait_until("recovery", |s| s.readable()).await;
    s.check_book();
    let health = s.health();
    assert!(
        health.resyncs > resyncs,
        "rebuilt from a new snapshot: {health:?}"
    );
}

#[tokio::test]
async fn a_bad_frame_resyncs() {
    let s = setup(|feed| feed).await;
    s.mock.faults().send_bad_frame();
    s.wait_until("the bad frame", |s| {
        matches!(s.health().last_fault, Some(FeedFault::InvalidData(_)))
    })
    .await;
    s.wait_until("the resync", |s| s.readable()).await;
    assert!(s.health().resyncs >= 1);
}
