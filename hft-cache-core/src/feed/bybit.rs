//! Bybit v5's order-book stream, described for the depth feed: where it is, how to subscribe and
//! keep it alive, and how its frames map to snapshots and deltas. It is also the worked example
//! of a [`BookStream`] for another venue: silence timing, reconnects, backoff, health and the
//! snapshot-then-delta sync are the feed's.

use crate::book::{BookDelta, BookSnapshot, SnapshotDeltaSync};
use crate::feed::{BookMessage, BookStream};
use rust_decimal::Decimal;
use serde::Deserialize;

/// Bybit v5's public `orderbook.50.<SYMBOL>` topic on `{ws_url}/v5/public/spot`: a snapshot,
/// then deltas whose `u` rises by one each; a reconnect starts again from a snapshot.
///
/// ```no_run
/// use hft_cache::book::BookView;
/// use hft_cache::feed::{bybit::BybitOrderbook, DepthFeed};
/// use hft_cache::StreamCache;
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let books = StreamCache::<String, BookView>::builder().name("bybit-books").build()?;
/// let feed = DepthFeed::with_stream(BybitOrderbook::new("wss://stream.bybit.com"))
///     .symbols(["BTCUSDT"])
///     .spawn(&books)?;
/// # let _ = feed; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BybitOrderbook {
    ws_url: String,
}

impl BybitOrderbook {
    /// The stream of the venue at `ws_url` (its WebSocket base URL).
    pub fn new(ws_url: impl Into<String>) -> Self {
        BybitOrderbook {
            ws_url: ws_url.into(),
        }
    }
}

crate::class::declare_class!(owned Plain for BybitOrderbook);

#[derive(Deserialize)]
struct Frame {
    topic: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    data: Option<Data>,
    op: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    b: Vec<(Decimal, Decimal)>,
    a: Vec<(Decimal, Decimal)>,
    u: u64,
    seq: u64,
}

impl BookStream for BybitOrderbook {
    type Sync = SnapshotDeltaSync;

    fn new_sync(&self) -> SnapshotDeltaSync {
        SnapshotDeltaSync::new()
    }

    fn url(&self, _symbol: &str) -> String {
        format!("{}/v5/public/spot", self.ws_url)
    }

    fn heartbeat(&self) -> Option<String> {
        Some(r#"{"op":"ping"}"#.into())
    }

    fn subscribe(&self, symbol: &str) -> Option<String> {
        Some(format!(
            r#"{{"op":"subscribe","args":["orderbook.50.{symbol}"]}}"#
        ))
    }

    fn decode(&self, _symbol: &str, text: &str) -> Result<BookMessage, String> {
        let frame: Frame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if frame.op.is_some() {
            // Subscription acknowledgements and pongs.
            return Ok(BookMessage::Skip);
        }
        let (Some(_topic), Some(kind), Some(d)) = (frame.topic, frame.kind, frame.data) else {
            return Err(format!("not an orderbook frame: {text}"));
        };
        Ok(match kind.as_str() {
            "snapshot" => BookMessage::Snapshot(BookSnapshot {
                update_id: d.u,
                seq: Some(d.seq),
                bids: d.b,
                asks: d.a,
                checksum: None,
            }),
            "delta" => BookMessage::Delta(BookDelta {
                first_update_id: d.u,
                last_update_id: d.u,
                seq: Some(d.seq),
                bids: d.b,
                asks: d.a,
                checksum: None,
                prev_update_id: None,
            }),
            other => return Err(format!("unknown orderbook type {other}")),
        })
    }
}
