//! OKX's `books` channel through a running feed, with the shipped [`OkxBooks`]: an OKX-shaped
//! channel on 127.0.0.1 (snapshot and updates with `checksum`, `seqId`/`prevSeqId`, the
//! `ping`/`pong` heartbeat). The book follows OKX's sequence rule: an update continues the
//! book when its `prevSeqId` is the book's `seqId` (ids jump, they are not +1), a heartbeat
//! update (`prevSeqId` = `seqId`) confirms it, and a broken chain, a sequence reset
//! (`seqId` < `prevSeqId`) or a checksum mismatch refuses the book at once until the snapshot
//! a new link brings rebuilds it.

mod support;

use std::time::Duration;

use hft_cache::book::BookView;
use hft_cache::feed::okx::OkxBooks;
use hft_cache::feed::{DepthFeed, DepthFeedHandle};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use support::{wait_until, Conn, Server};

fn push(action: &str, bids: &str, asks: &str, checksum: i32, prev: i64, seq: i64) -> String {
    format!(
        r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":{asks},"bids":{bids},"ts":"1597026383085","checksum":{checksum},"prevSeqId":{prev},"seqId":{seq}}}]}}"#
    )
}

/// OKX's documented example book: "3366.1:7:3366.8:9:3366:6:3368:8" is -1881014294.
fn snapshot(seq: i64) -> String {
    push(
        "snapshot",
        r#"[["3366.1","7","0","3"],["3366","6","3","4"]]"#,
        r#"[["3366.8","9","10","3"],["3368","8","3","4"]]"#,
        -1881014294,
        -1,
        seq,
    )
}

/// To the odd example, "3366.1:7:3366.8:9:3368:8:3372:8", 831078360.
fn update(prev: i64, seq: i64) -> String {
    push(
        "update",
        r#"[["3366","0","0","0"]]"#,
        r#"[["3372","8","1","1"]]"#,
        831078360,
        prev,
        seq,
    )
}

struct Venue {
    server: Server,
    books: StreamCache<String, BookView>,
    feed: DepthFeedHandle,
}

impl Venue {
    async fn start() -> (Venue, Conn) {
        let mut server = Server::start().await;
        let books = StreamCache::<String, BookView>::builder()
            .name("okx-books")
            .max_age(Duration::from_secs(5))
            .build()
            .unwrap();
        let feed = DepthFeed::with_stream(OkxBooks::new(server.ws_url.clone()))
            .name("okx")
            .symbols(["BTC-USDT"])
            .silence_timeout(Duration::from_secs(1))
            .ping_interval(Duration::from_millis(100))
            .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
            .spawn(&books)
            .unwrap();
        let mut conn = server.accept().await;
        assert_eq!(conn.path, "/ws/v5/public");
        assert_eq!(
            conn.received().await,
            r#"{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}"#
        );
        conn.send(r#"{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}"#);
        (
            Venue {
                server,
                books,
                feed,
            },
            conn,
        )
    }

    fn seq(&self) -> Result<u64, StreamReadError> {
        self.books.read("BTC-USDT", |v| v.last_update_id)
    }

    async fn wait_for(&self, what: &str, seq: u64) {
        wait_until(what, || self.seq() == Ok(seq)).await;
    }

    /// Waits until the book is refused for `fault`, then checks the gap was counted once.
    async fn wait_refused(&self, what: &str, fault: impl Fn(&FeedFault) -> bool) {
        wait_until(what, || {
            matches!(
                self.books.read("BTC-USDT", |_| ()),
                Err(StreamReadError::FeedUnhealthy { fault: ref f, .. }) if fault(f)
            )
        })
        .await;
        let health = self.feed.health("BTC-USDT").unwrap();
        assert_eq!(health.gaps, 1, "{health:?}");
    }

    /// The next link's snapshot makes the book readable again.
    async fn resyncs(&mut self, seq: i64) {
        let conn = self.server.accept().await;
        conn.send(snapshot(seq));
        self.wait_for("the fresh snapshot", u64::try_from(seq).unwrap())
            .await;
        assert_eq!(self.feed.health("BTC-USDT").unwrap().reconnects, 1);
        // Kept open until the book was read.
        drop(conn);
    }
}

#[tokio::test]
async fn a_checksum_mismatch_is_a_gap_and_the_next_link_resyncs() {
    let (mut venue, mut conn) = Venue::start().await;
    assert_eq!(conn.received().await, "ping");
    conn.send("pong");

    conn.send(snapshot(10));
    venue.wait_for("the snapshot", 10).await;
    conn.send(update(10, 11));
    venue.wait_for("the update", 11).await;
    // A heartbeat update (prevSeqId = seqId, nothing changed) is not a gap.
    conn.send(push("update", "[]", "[]", 831078360, 11, 11));
    // The next update's checksum does not match the book: a gap.
    conn.send(push(
        "update",
        r#"[["3366.2","1","0","1"]]"#,
        "[]",
        12345,
        11,
        12,
    ));
    venue
        .wait_refused("the mismatch", |f| matches!(f, FeedFault::InvalidData(_)))
        .await;
    venue.resyncs(20).await;
}

#[tokio::test]
async fn heartbeats_confirm_the_book_and_ids_may_jump() {
    let (venue, conn) = Venue::start().await;
    conn.send(snapshot(10));
    venue.wait_for("the snapshot", 10).await;
    // OKX's ids are not consecutive: 10 to 4051, chained by prevSeqId.
    conn.send(update(10, 4051));
    venue.wait_for("the update", 4051).await;
    // Heartbeats: prevSeqId = seqId = the book's, no levels, the book's checksum.
    conn.send(push("update", "[]", "[]", 831078360, 4051, 4051));
    conn.send(push("update", "[]", "[]", 831078360, 4051, 4051));
    // The chain goes on from the heartbeat's seqId.
    conn.send(push(
        "update",
        "[]",
        r#"[["3372","0","0","0"]]"#,
        // "3366.1:7:3366.8:9:3368:8"
        okx_crc("3366.1:7:3366.8:9:3368:8"),
        4051,
        4090,
    ));
    venue
        .wait_for("the update after the heartbeats", 4090)
        .await;
    let health = venue.feed.health("BTC-USDT").unwrap();
    assert_eq!((health.gaps, health.reconnects), (0, 0), "{health:?}");
    let best_ask = venue
        .books
        .read("BTC-USDT", |v| v.asks.first().map(|l| l.price))
        .unwrap();
    assert_eq!(best_ask, Some(rust_decimal_macros::dec!(3366.8)));
    // A heartbeat whose checksum is not the book's is a mismatch like any other.
    conn.send(push("update", "[]", "[]", 1, 4090, 4090));
    venue
        .wait_refused("the bad heartbeat", |f| {
            matches!(f, FeedFault::InvalidData(_))
        })
        .await;
}

#[tokio::test]
async fn a_broken_prev_seq_id_chain_is_a_gap() {
    let (mut venue, conn) = Venue::start().await;
    conn.send(snapshot(10));
    venue.wait_for("the snapshot", 10).await;
    // Its prevSeqId is 12, not the book's 10: the updates in between were lost.
    conn.send(update(12, 13));
    venue
        .wait_refused("the gap", |f| {
            *f == FeedFault::SequenceGap {
                expected: 11,
                got: 13,
            }
        })
        .await;
    venue.resyncs(30).await;
}

#[tokio::test]
async fn a_sequence_reset_resyncs() {
    let (mut venue, conn) = Venue::start().await;
    conn.send(snapshot(500));
    venue.wait_for("the snapshot", 500).await;
    // OKX renumbered the stream (maintenance): seqId 7 < prevSeqId 500.
    conn.send(update(500, 7));
    venue
        .wait_refused("the reset", |f| {
            *f == FeedFault::SequenceGap {
                expected: 501,
                got: 7,
            }
        })
        .await;
    // The new numbering's snapshot is served.
    venue.resyncs(8).await;
}

/// OKX's checksum of a book written as `bidPx:bidSz:askPx:askSz:...`: CRC-32 (IEEE) as i32.
fn okx_crc(text: &str) -> i32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in text.bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    i32::from_ne_bytes((!crc).to_ne_bytes())
}
