//! OKX's checksum through a running feed: an OKX-shaped `books` channel on 127.0.0.1
//! (snapshot and update with `checksum`, `seqId`/`prevSeqId`, the `ping`/`pong` heartbeat),
//! read with [`SnapshotDeltaSync`] and [`BookChecksum::OKX`]. A mismatch is a gap: the book is
//! refused at once and rebuilt from the snapshot a new link brings.

mod support;

use std::time::Duration;

use hft_cache::book::{BookChecksum, BookDelta, BookSnapshot, BookView, SnapshotDeltaSync};
use hft_cache::feed::{BookMessage, BookStream, DepthFeed};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use rust_decimal::Decimal;
use serde::Deserialize;
use support::{wait_until, Server};

struct OkxBooks {
    ws_url: String,
}

#[derive(Deserialize)]
struct Push {
    action: String,
    data: Vec<Data>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    asks: Vec<(Decimal, Decimal, String, String)>,
    bids: Vec<(Decimal, Decimal, String, String)>,
    checksum: i32,
    prev_seq_id: i64,
    seq_id: u64,
}

impl BookStream for OkxBooks {
    type Sync = SnapshotDeltaSync;

    fn new_sync(&self) -> SnapshotDeltaSync {
        SnapshotDeltaSync::new().with_checksum(BookChecksum::OKX)
    }

    fn url(&self, _symbol: &str) -> String {
        format!("{}/ws/v5/public", self.ws_url)
    }

    fn subscribe(&self, symbol: &str) -> Option<String> {
        Some(format!(
            r#"{{"op":"subscribe","args":[{{"channel":"books","instId":"{symbol}"}}]}}"#
        ))
    }

    fn heartbeat(&self) -> Option<String> {
        Some("ping".into())
    }

    fn decode(&self, _symbol: &str, text: &str) -> Result<BookMessage, String> {
        if text == "pong" || text.contains(r#""event""#) {
            return Ok(BookMessage::Skip);
        }
        let push: Push = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let data = push.data.into_iter().next().ok_or("empty push")?;
        let levels = |side: Vec<(Decimal, Decimal, String, String)>| {
            side.into_iter().map(|l| (l.0, l.1)).collect()
        };
        Ok(match push.action.as_str() {
            "snapshot" => BookMessage::Snapshot(BookSnapshot {
                update_id: data.seq_id,
                seq: Some(data.seq_id),
                bids: levels(data.bids),
                asks: levels(data.asks),
                checksum: Some(data.checksum),
            }),
            // An update continues the book when its prevSeqId is the book's seqId.
            "update" => BookMessage::Delta(BookDelta {
                first_update_id: u64::try_from(data.prev_seq_id + 1).map_err(|e| e.to_string())?,
                last_update_id: data.seq_id,
                seq: Some(data.seq_id),
                bids: levels(data.bids),
                asks: levels(data.asks),
                checksum: Some(data.checksum),
            }),
            other => return Err(format!("unknown action {other}")),
        })
    }
}

fn push(action: &str, bids: &str, asks: &str, checksum: i32, prev: i64, seq: u64) -> String {
    format!(
        r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":{asks},"bids":{bids},"ts":"1597026383085","checksum":{checksum},"prevSeqId":{prev},"seqId":{seq}}}]}}"#
    )
}

#[tokio::test]
async fn a_checksum_mismatch_is_a_gap_and_the_next_link_resyncs() {
    let mut server = Server::start().await;
    let books = StreamCache::<String, BookView>::builder()
        .name("okx-books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = DepthFeed::with_stream(OkxBooks {
        ws_url: server.ws_url.clone(),
    })
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
    assert_eq!(conn.received().await, "ping");
    conn.send("pong");
    let seq = || books.read("BTC-USDT", |v| v.last_update_id);

    // OKX's documented example: "3366.1:7:3366.8:9:3366:6:3368:8" is -1881014294.
    conn.send(push(
        "snapshot",
        r#"[["3366.1","7","0","3"],["3366","6","3","4"]]"#,
        r#"[["3366.8","9","10","3"],["3368","8","3","4"]]"#,
        -1881014294,
        -1,
        10,
    ));
    wait_until("the snapshot", || seq() == Ok(10)).await;
    // To the odd example, "3366.1:7:3366.8:9:3368:8:3372:8", 831078360.
    conn.send(push(
        "update",
        r#"[["3366","0","0","0"]]"#,
        r#"[["3372","8","1","1"]]"#,
        831078360,
        10,
        11,
    ));
    wait_until("the update", || seq() == Ok(11)).await;
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
    wait_until("the mismatch", || {
        matches!(
            books.read("BTC-USDT", |_| ()),
            Err(StreamReadError::FeedUnhealthy {
                fault: FeedFault::InvalidData(_),
                ..
            })
        )
    })
    .await;
    let health = feed.health("BTC-USDT").unwrap();
    assert_eq!(health.gaps, 1, "{health:?}");
    let conn = server.accept().await;
    conn.send(push(
        "snapshot",
        r#"[["3366.1","7","0","3"],["3366","6","3","4"]]"#,
        r#"[["3366.8","9","10","3"],["3368","8","3","4"]]"#,
        -1881014294,
        -1,
        20,
    ));
    wait_until("the fresh snapshot", || seq() == Ok(20)).await;
    assert_eq!(feed.health("BTC-USDT").unwrap().reconnects, 1);
}
