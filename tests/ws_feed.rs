//! The depth feed end to end against the mock exchange over real sockets: it syncs, serves the
//! book only while healthy and fresh, and resynchronises after every fault the mock can inject.
//! Today's mock serves `<symbol>@depth`, so the feed is told that stream name.

use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::feed::{BinanceDepth, DepthFeed, DepthFeedBuilder, DepthFeedHandle, FeedHealth};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use hft_cache_mock::MockExchange;
use rust_decimal_macros::dec;

const SYMBOL: &str = "BTCUSDT";

struct Setup {
    exchange: MockExchange,
    books: StreamCache<String, BookView>,
    feed: DepthFeedHandle,
}

/// How long a book may be served: far above the mock's 10 ms cadence, well below a stall.
const MAX_AGE: Duration = Duration::from_millis(400);

async fn setup() -> Setup {
    setup_with(|feed| feed).await
}

async fn setup_with(
    configure: impl FnOnce(DepthFeedBuilder<BinanceDepth>) -> DepthFeedBuilder<BinanceDepth>,
) -> Setup {
    let exchange = MockExchange::builder()
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .stream_interval(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .max_age(MAX_AGE)
        .build()
        .unwrap();
    let feed = DepthFeed::builder(exchange.ws_url(), exchange.http_url())
        .stream_name("depth")
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .snapshot_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .depth(10);
    let feed = configure(feed).spawn(&books).unwrap();
    let setup = Setup {
        exchange,
        books,
        feed,
    };
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

    /// Polls `condition` until it holds; fails the test after 10 s.
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

    /// Every book read is well formed and no newer than the exchange.
    fn check_book(&self) {
        if let Ok(view) = self.books.read(SYMBOL, BookView::clone) {
            assert_eq!(&*view.symbol, SYMBOL);
            assert!(
                view.bids.windows(2).all(|w| w[0].price > w[1].price),
                "{view:?}"
            );
            assert!(
                view.asks.windows(2).all(|w| w[0].price < w[1].price),
                "{view:?}"
            );
            assert!(view.best_bid().unwrap().price < view.best_ask().unwrap().price);
            assert!(view.last_update_id <= self.exchange.last_update_id(SYMBOL).unwrap());
        }
    }
}

#[tokio::test]
async fn syncs_from_snapshot_and_stream_and_keeps_up() {
    let s = setup().await;
    let first = s.books.read(SYMBOL, |b| b.last_update_id).unwrap();
    s.wait_until("later updates", |s| {
        s.check_book();
        s.books.read(SYMBOL, |b| b.last_update_id).unwrap_or(0) > first + 20
    })
    .await;
    let health = s.health();
    assert!(health.connected);
    assert_eq!((health.gaps, health.resyncs, health.reconnects), (0, 0, 0));
    assert_eq!(s.books.read(SYMBOL, |b| b.bids.len()).unwrap(), 10);
}

/// A stall keeps the link alive (the mock answers pings): the book ages out and is refused as
/// stale, the link is not torn down, and the gap the stall leaves is resynced on the same link.
#[tokio::test]
async fn a_stalled_stream_on_a_live_link_is_refused_as_stale_not_reconnected() {
    let s = setup().await;
    s.exchange.faults().stall_stream(true);
    s.wait_until("the book to age out", |s| {
        matches!(
            s.books.read(SYMBOL, |_| ()),
            Err(StreamReadError::Stale { .. })
        )
    })
    .await;
    // Two silence timeouts later the link is still the first one: pongs keep it alive.
    let frames_before = s.health().last_frame_age;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let health = s.health();
    assert_eq!(
        health.reconnects, 0,
        "a quiet, live link was reconnected: {health:?}"
    );
    assert!(health.connected);
    assert!(health.last_fault.is_none(), "{health:?}");
    assert!(
        health.last_frame_age < Some(Duration::from_secs(1)),
        "pongs: {frames_before:?} -> {health:?}"
    );
    assert!(health.last_event_age > Some(MAX_AGE), "{health:?}");
    assert!(
        s.books.read(SYMBOL, |_| ()).is_err(),
        "a stale book was served"
    );
    s.exchange.faults().stall_stream(false);
    s.wait_until("recovery", |s| s.readable()).await;
    s.check_book();
    let health = s.health();
    assert_eq!(health.reconnects, 0, "{health:?}");
    assert!(
        health.gaps >= 1,
        "the stall's missing updates are a gap: {health:?}"
    );
}

/// Opt-in data timeout: a stall marks the symbol silent (unhealthy) without reconnecting, and it
/// is healthy again only after a fresh snapshot.
#[tokio::test]
async fn an_opt_in_data_timeout_marks_a_stall_unhealthy_until_a_fresh_snapshot() {
    let s = setup_with(|feed| feed.data_timeout(Duration::from_millis(200))).await;
    let resyncs = s.health().resyncs;
    s.exchange.faults().stall_stream(true);
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
    s.exchange.faults().stall_stream(false);
    s.wait_until("recovery", |s| s.readable()).await;
    s.check_book();
    let health = s.health();
    assert_eq!(health.reconnects, 0, "{health:?}");
    assert!(
        health.resyncs > resyncs,
        "rebuilt from a new snapshot: {health:?}"
    );
}

#[tokio::test]
async fn a_dropped_delta_is_a_gap_and_resyncs() {
    let s = setup().await;
    s.exchange.faults().drop_next_delta();
    s.wait_until("the gap", |s| s.health().gaps >= 1).await;
    s.wait_until("the resync", |s| s.readable()).await;
    s.check_book();
    assert!(matches!(
        s.health().last_fault,
        Some(FeedFault::SequenceGap { .. })
    ));
    assert_eq!(s.health().reconnects, 0, "resynced on the same connection");
}

#[tokio::test]
async fn a_duplicated_delta_is_ignored() {
    let s = setup().await;
    let events = s.health().events;
    s.exchange.faults().duplicate_next_delta();
    s.wait_until("more events", |s| s.health().events > events + 10)
        .await;
    let health = s.health();
    assert_eq!((health.gaps, health.resyncs), (0, 0), "{health:?}");
    assert!(s.readable());
}

#[tokio::test]
async fn reordered_deltas_are_a_gap_and_resync() {
    let s = setup().await;
    s.exchange.faults().reorder_next_deltas();
    s.wait_until("the gap", |s| s.health().gaps >= 1).await;
    s.wait_until("the resync", |s| s.readable()).await;
    s.check_book();
}

#[tokio::test]
async fn a_bad_frame_resyncs() {
    let s = setup().await;
    s.exchange.faults().send_bad_frame();
    s.wait_until("the bad frame", |s| {
        matches!(s.health().last_fault, Some(FeedFault::InvalidData(_)))
    })
    .await;
    s.wait_until("the resync", |s| s.readable()).await;
    assert!(s.health().resyncs >= 1);
}

#[tokio::test]
async fn a_closed_socket_reconnects() {
    let s = setup().await;
    s.exchange.faults().close_streams();
    s.wait_until("the reconnect", |s| s.health().reconnects >= 1)
        .await;
    s.wait_until("the resync", |s| s.readable()).await;
    s.check_book();
    assert!(s.health().connected);
}

#[tokio::test]
async fn failing_snapshots_are_retried_with_backoff() {
    let s = setup().await;
    // The next resync's snapshot requests fail twice before one succeeds.
    s.exchange.faults().fail_next_requests(2);
    s.exchange.faults().drop_next_delta();
    s.wait_until("the retries", |s| s.health().snapshot_failures >= 2)
        .await;
    s.wait_until("the resync", |s| s.readable()).await;
}

#[tokio::test]
async fn dropping_the_feed_closes_its_books() {
    let s = setup().await;
    drop(s.feed);
    assert!(matches!(
        s.books.read(SYMBOL, |_| ()),
        Err(StreamReadError::FeedUnhealthy {
            fault: FeedFault::Closed,
            ..
        })
    ));
}

/// In a quiet market only our own market orders move the book; after each, the book the cache
/// serves must equal the exchange's, level for level, at the same update id.
#[tokio::test]
async fn the_served_book_equals_the_exchanges_at_the_same_update_id() {
    use hft_cache::book::DepthSnapshot;
    use hft_cache::exchange::SignedClient;
    use hft_cache::{Fresh, Live};

    #[derive(Live, serde::Deserialize)]
    struct Ack {
        #[serde(rename = "orderId")]
        _order_id: u64,
    }

    let exchange = MockExchange::builder()
        .api_key("key")
        .secret("secret")
        .symbol(SYMBOL, "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(1000000))
        .balance("BTC", dec!(100))
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let books = StreamCache::<String, BookView>::builder()
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let _feed = DepthFeed::builder(exchange.ws_url(), exchange.http_url())
        .symbols([SYMBOL])
        .stream_name("depth")
        .silence_timeout(Duration::from_secs(60))
        .depth(10)
        .spawn(&books)
        .unwrap();
    let client = SignedClient::builder(exchange.http_url())
        .api_key("key")
        .secret("secret")
        .build()
        .unwrap();
    // Let the feed connect and fetch its snapshot before the market moves.
    tokio::time::sleep(Duration::from_millis(200)).await;

    for (round, side) in ["BUY", "SELL", "BUY", "SELL", "BUY"]
        .into_iter()
        .enumerate()
    {
        let _ack: Fresh<Ack> = client
            .signed_post(
                "/api/v3/order",
                &[
                    ("symbol", SYMBOL),
                    ("side", side),
                    ("type", "MARKET"),
                    ("quantity", "0.5"),
                ],
            )
            .await
            .unwrap();
        let exchange_id = exchange.last_update_id(SYMBOL).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let view = loop {
            if let Ok(view) = books.read(SYMBOL, BookView::clone) {
                if view.last_update_id == exchange_id {
                    break view;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "round {round}: never caught up"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let url = format!(
            "{}/api/v3/depth?symbol={SYMBOL}&limit=10",
            exchange.http_url()
        );
        let body = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        let depth: DepthSnapshot = serde_json::from_slice(&body).unwrap();
        assert_eq!(depth.last_update_id, view.last_update_id, "round {round}");
        let levels = |side: &[hft_cache::book::Level]| -> Vec<_> {
            side.iter().map(|l| (l.price, l.qty)).collect()
        };
        assert_eq!(levels(&view.bids), depth.bids, "round {round}: bids");
        assert_eq!(levels(&view.asks), depth.asks, "round {round}: asks");
    }
}
