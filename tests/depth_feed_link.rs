//! The Binance depth feed against a scripted exchange on 127.0.0.1: the documented defaults,
//! the snapshot refetch that keeps its buffer, `serverShutdown`, and a dead link.

mod support;

use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::feed::{DepthFeed, DepthFeedHandle};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use support::{wait_until, Conn, Server};

const SYMBOL: &str = "BNBBTC";

fn event(first: u64, last: u64, bid: &str) -> String {
    format!(
        r#"{{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":{first},"u":{last},"b":[["{bid}","10"]],"a":[["0.0026","100"]]}}"#
    )
}

fn snapshot(id: u64) -> String {
    format!(r#"{{"lastUpdateId":{id},"bids":[["0.0020","5"]],"asks":[["0.0030","5"]]}}"#)
}

struct Setup {
    server: Server,
    conn: Conn,
    books: StreamCache<String, BookView>,
    feed: DepthFeedHandle,
}

impl Setup {
    fn update_id(&self) -> Option<u64> {
        self.books.read(SYMBOL, |b| b.last_update_id).ok()
    }
}

/// A feed with Binance's defaults (stream name, snapshot depth) and short test timings, synced
/// through issue 9's case: events [100;105] [106;110], snapshot 90 then 107.
async fn synced() -> Setup {
    let mut server = Server::start().await;
    server.set_snapshot(snapshot(90));
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = DepthFeed::builder(&server.ws_url, &server.http_url)
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .snapshot_backoff(Duration::from_millis(20), Duration::from_millis(40))
        .spawn(&books)
        .unwrap();
    let conn = server.accept().await;
    assert_eq!(
        conn.path, "/ws/bnbbtc@depth@100ms",
        "Binance's 100 ms diff stream by default"
    );
    wait_until("the first snapshot request", || {
        !server.snapshot_queries().is_empty()
    })
    .await;
    let query = &server.snapshot_queries()[0];
    assert!(
        query.contains(&("symbol".into(), SYMBOL.into())),
        "{query:?}"
    );
    assert!(
        query.contains(&("limit".into(), "5000".into())),
        "{query:?}"
    );

    conn.send(event(100, 105, "0.0021"));
    conn.send(event(106, 110, "0.0022"));
    // Snapshot 90 is older than the buffer: the feed asks again, keeping the buffer.
    wait_until("a refetch", || server.snapshot_queries().len() >= 3).await;
    assert!(books.read(SYMBOL, |_| ()).is_err());
    server.set_snapshot(snapshot(107));
    let s = Setup {
        server,
        conn,
        books,
        feed,
    };
    wait_until("the book at 110", || s.update_id() == Some(110)).await;
    s
}

#[tokio::test]
async fn a_lagging_snapshot_is_refetched_and_the_buffer_kept() {
    let s = synced().await;
    // [100;105] was dropped (at or below 107), [106;110] applied on top of the snapshot.
    let view = s.books.read(SYMBOL, BookView::clone).unwrap();
    let bids: Vec<_> = view.bids.iter().map(|l| l.price.to_string()).collect();
    assert_eq!(bids, ["0.0022", "0.0020"]);
    s.conn.send(event(111, 115, "0.0023"));
    wait_until("[111;115]", || s.update_id() == Some(115)).await;
    let health = s.feed.health(SYMBOL).unwrap();
    assert_eq!(
        (health.gaps, health.resyncs, health.reconnects),
        (0, 0, 0),
        "{health:?}"
    );
    assert!(health.last_fault.is_none(), "{health:?}");
}

/// `serverShutdown` means a new link, not a new book: the book stays served, and the next
/// event on the new link continues it without a snapshot.
#[tokio::test]
async fn server_shutdown_reconnects_and_keeps_the_book() {
    let mut s = synced().await;
    let snapshots = s.server.snapshot_queries().len();
    s.conn
        .send(r#"{"e": "serverShutdown", "E": 1770123456789}"#);
    let next = s
        .server
        .reconnected_within(Duration::from_secs(5))
        .await
        .expect("no new link after serverShutdown");
    assert_eq!(s.update_id(), Some(110), "the book is still served");
    next.send(event(111, 112, "0.0023"));
    wait_until("the book continued", || s.update_id() == Some(112)).await;
    let health = s.feed.health(SYMBOL).unwrap();
    assert_eq!(
        (health.reconnects, health.resyncs, health.gaps),
        (1, 0, 0),
        "{health:?}"
    );
    assert!(health.last_fault.is_none(), "{health:?}");
    assert_eq!(
        s.server.snapshot_queries().len(),
        snapshots,
        "no new snapshot"
    );
}

/// A new link whose events do not continue the book after `serverShutdown` is a gap: resynced
/// from a new snapshot, with the event that showed the gap kept as the first buffered.
#[tokio::test]
async fn a_gap_across_a_server_shutdown_resyncs() {
    let mut s = synced().await;
    s.conn
        .send(r#"{"e": "serverShutdown", "E": 1770123456789}"#);
    let next = s
        .server
        .reconnected_within(Duration::from_secs(5))
        .await
        .unwrap();
    s.server.set_snapshot(snapshot(119));
    next.send(event(118, 120, "0.0024"));
    wait_until("the gap", || s.feed.health(SYMBOL).unwrap().gaps == 1).await;
    next.send(event(121, 121, "0.0025"));
    wait_until("the resync", || s.update_id() == Some(121)).await;
}

/// A link that stops answering pings is dead: refused at once, reconnected, resynced.
#[tokio::test]
async fn a_dead_link_is_refused_and_reconnected() {
    let mut s = synced().await;
    s.conn.mute();
    wait_until("silence", || {
        matches!(
            s.feed.health(SYMBOL).unwrap().last_fault,
            Some(FeedFault::Silent { .. })
        )
    })
    .await;
    assert!(matches!(
        s.books.read(SYMBOL, |_| ()),
        Err(StreamReadError::FeedUnhealthy { .. })
    ));
    let next = s
        .server
        .reconnected_within(Duration::from_secs(5))
        .await
        .unwrap();
    s.server.set_snapshot(snapshot(130));
    next.send(event(131, 131, "0.0024"));
    wait_until("the resync", || s.update_id() == Some(131)).await;
}
