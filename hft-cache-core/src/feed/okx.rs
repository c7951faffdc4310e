//! OKX v5's order-book stream, described for the depth feed: the public `books` channel (and
//! the channels of the same shape, `books50-l2-tbt` and `books-l2-tbt`), its text
//! `ping`/`pong` heartbeat, and how its pushes map to snapshots and deltas under OKX's sequence
//! rule. Silence timing, reconnects, backoff, health and the snapshot-then-delta sync are the
//! feed's.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::book::{BookChecksum, BookDelta, BookSnapshot, SnapshotDeltaSync};
use crate::feed::{BookMessage, BookStream};

/// OKX v5's public `books` channel on `{ws_url}/ws/v5/public`
/// (`wss://ws.okx.com:8443` for the live venue): a snapshot, then updates, each checked
/// against the book's CRC-32 ([`BookChecksum::OKX`]).
///
/// OKX's sequence rule, as [`SnapshotDeltaSync`] applies it: every push has a `seqId` and the
/// `prevSeqId` of the push before it (`-1` in a snapshot); ids are not consecutive. An update
/// continues the book when its `prevSeqId` is the book's `seqId` (it becomes the delta
/// `prevSeqId + 1 ..= seqId`), else updates were lost and the feed resyncs; a heartbeat update
/// (`prevSeqId` = `seqId`, no levels) confirms the book; a sequence reset (`seqId` <
/// `prevSeqId`) resyncs. A resync reconnects, and the new link's snapshot rebuilds the book.
///
/// ```no_run
/// use hft_cache::book::BookView;
/// use hft_cache::feed::{okx::OkxBooks, DepthFeed};
/// use hft_cache::StreamCache;
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let books = StreamCache::<String, BookView>::builder().name("okx-books").build()?;
/// let feed = DepthFeed::with_stream(OkxBooks::new("wss://ws.okx.com:8443"))
///     .symbols(["BTC-USDT"])
///     .spawn(&books)?;
/// # let _ = feed; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OkxBooks {
    ws_url: String,
    channel: String,
}

impl OkxBooks {
    /// The `books` channel of the venue at `ws_url` (its WebSocket base URL, without
    /// `/ws/v5/public`).
    pub fn new(ws_url: impl Into<String>) -> Self {
        OkxBooks {
            ws_url: ws_url.into(),
            channel: "books".into(),
        }
    }

    /// Another channel of the same shape (`books50-l2-tbt`, `books-l2-tbt`: snapshot,
    /// updates, `seqId`/`prevSeqId` and `checksum`; those two need a logged-in link on OKX).
    #[must_use]
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = channel.into();
        self
    }
}

crate::class::declare_class!(owned Plain for OkxBooks);

/// A push, a subscription reply (`event`), or a notice.
#[derive(Deserialize)]
struct Frame {
    event: Option<String>,
    code: Option<String>,
    msg: Option<String>,
    action: Option<String>,
    data: Option<Vec<Data>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    asks: Vec<Level>,
    bids: Vec<Level>,
    checksum: Option<i32>,
    seq_id: i64,
    prev_seq_id: i64,
}

/// `["3366.1","7","0","3"]`: price, size, then fields the book does not use.
struct Level(Decimal, Decimal);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LevelVisitor;
        impl<'de> Visitor<'de> for LevelVisitor {
            type Value = Level;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a level [price, size, ..]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
                let price = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let size = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Level(price, size))
            }
        }
        d.deserialize_seq(LevelVisitor)
    }
}

fn levels(side: Vec<Level>) -> Vec<(Decimal, Decimal)> {
    side.into_iter().map(|Level(p, q)| (p, q)).collect()
}

fn id(value: i64, what: &str) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("negative {what} {value}"))
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
        // Strings through serde_json, so that a symbol or channel cannot break the frame.
        let text = |s: &str| serde_json::Value::from(s).to_string();
        Some(format!(
            r#"{{"op":"subscribe","args":[{{"channel":{},"instId":{}}}]}}"#,
            text(&self.channel),
            text(symbol)
        ))
    }

    /// OKX's text `ping`; the venue closes a link that sends nothing for 30 seconds.
    fn heartbeat(&self) -> Option<String> {
        Some("ping".into())
    }

    fn decode(&self, _symbol: &str, text: &str) -> Result<BookMessage, String> {
        if text == "pong" {
            return Ok(BookMessage::Skip);
        }
        let frame: Frame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match frame.event.as_deref() {
            Some("subscribe" | "unsubscribe" | "channel-conn-count") => {
                return Ok(BookMessage::Skip)
            }
            // 64008: the link will close for a service upgrade; move to a new one.
            Some("notice") => return Ok(BookMessage::Reconnect),
            Some(event) => {
                return Err(format!(
                    "{event} {}: {}",
                    frame.code.unwrap_or_default(),
                    frame.msg.unwrap_or_default()
                ))
            }
            None => {}
        }
        let (Some(action), Some(data)) = (frame.action, frame.data) else {
            return Err(format!("not a books push: {text}"));
        };
        let mut data = data.into_iter();
        let (Some(d), None) = (data.next(), data.next()) else {
            return Err("a books push carries one entry".into());
        };
        Ok(match action.as_str() {
            "snapshot" => BookMessage::Snapshot(BookSnapshot {
                update_id: id(d.seq_id, "seqId")?,
                seq: Some(id(d.seq_id, "seqId")?),
                bids: levels(d.bids),
                asks: levels(d.asks),
                checksum: d.checksum,
            }),
            // The update covers `prevSeqId + 1 ..= seqId`: it continues a book at `prevSeqId`;
            // a heartbeat is the empty range right after it, a reset a range that runs
            // backwards (both read by the sync).
            "update" => {
                let prev = id(d.prev_seq_id, "prevSeqId")?;
                BookMessage::Delta(BookDelta {
                    first_update_id: prev
                        .checked_add(1)
                        .ok_or_else(|| format!("prevSeqId {prev} has no successor"))?,
                    last_update_id: id(d.seq_id, "seqId")?,
                    seq: Some(id(d.seq_id, "seqId")?),
                    bids: levels(d.bids),
                    asks: levels(d.asks),
                    checksum: d.checksum,
                    prev_update_id: None,
                })
            }
            other => return Err(format!("unknown books action {other}")),
        })
    }
}
