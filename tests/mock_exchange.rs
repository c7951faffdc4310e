//! The mock exchange over real sockets: every endpoint's payload parses into exchange-shaped
//! types that declare their class, orders move balances, and every fault does what it says.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hft_cache::mock::{MockExchange, RestFault};
use hft_cache::Streamed;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen within milliseconds.
const PATIENCE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Exchange-shaped types, as an adapter would declare them.
// ---------------------------------------------------------------------------------------------

#[derive(Streamed, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct DepthSnapshot {
    last_update_id: u64,
    bids: Vec<(Decimal, Decimal)>,
    asks: Vec<(Decimal, Decimal)>,
}

#[derive(Streamed, Deserialize, Debug, Clone)]
struct DepthUpdate {
    #[serde(rename = "e")]
    event_type: String,
    #[serde(rename = "E")]
    event_time: u64,
    #[serde(rename = "s")]
    symbol: String,
    #[serde(rename = "U")]
    first_update_id: u64,
    #[serde(rename = "u")]
    final_update_id: u64,
    #[serde(rename = "b")]
    bids: Vec<(Decimal, Decimal)>,
    #[serde(rename = "a")]
    asks: Vec<(Decimal, Decimal)>,
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

async fn exchange() -> MockExchange {
    MockExchange::builder()
        .api_key("test-key")
        .secret("test-secret")
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .balance("BTC", dec!(1))
        .stream_interval(Duration::from_millis(5))
        .start()
        .await
        .expect("mock exchange starts")
}

async fn snapshot(ex: &MockExchange, limit: u32) -> DepthSnapshot {
    let url = format!(
        "{}/api/v3/depth?symbol=BTCUSDT&limit={limit}",
        ex.http_url()
    );
    get_json(&url).await
}

async fn body_json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    body_json(reqwest::get(url).await.unwrap()).await
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a test sees on the socket, pings and pongs aside unless asked for.
#[derive(Debug)]
enum Frame {
    Event(DepthUpdate),
    NotJson(String),
    Ping,
    Pong,
    Closed,
}

async fn connect(ex: &MockExchange) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(ex.depth_stream_url("BTCUSDT"))
        .await
        .expect("websocket connects");
    socket
}

async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let msg = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame within the patience window");
        match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Frame::Closed,
            Some(Ok(Message::Text(text))) => {
                return match serde_json::from_str::<DepthUpdate>(&text) {
                    Ok(event) => Frame::Event(event),
                    Err(_) => Frame::NotJson(text.to_string()),
                }
            }
            Some(Ok(Message::Ping(_))) => return Frame::Ping,
            Some(Ok(Message::Pong(_))) => return Frame::Pong,
            Some(Ok(_)) => {}
        }
    }
}

async fn next_event(socket: &mut Socket) -> DepthUpdate {
    loop {
        match next_frame(socket).await {
            Frame::Event(event) => return event,
            Frame::Ping | Frame::Pong => {}
            other => panic!("expected a depth event, got {other:?}"),
        }
    }
}

/// A local L2 book, kept the documented way.
#[derive(Default, PartialEq, Debug)]
struct LocalBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    last_update_id: u64,
}

impl LocalBook {
    fn from_snapshot(s: &DepthSnapshot) -> Self {
        LocalBook {
            bids: s.bids.iter().copied().collect(),
            asks: s.asks.iter().copied().collect(),
            last_update_id: s.last_update_id,
        }
    }

    fn apply(&mut self, e: &DepthUpdate) {
        for (side, levels) in [(&mut self.bids, &e.bids), (&mut self.asks, &e.asks)] {
            for &(price, qty) in levels {
                if qty.is_zero() {
                    side.remove(&price);
                } else {
                    side.insert(price, qty);
                }
            }
        }
        self.last_update_id = e.final_update_id;
    }

    fn is_uncrossed(&self) -> bool {
        match (self.bids.keys().next_back(), self.asks.keys().next()) {
            (Some(bid), Some(ask)) => bid < ask,
            _ => true,
        }
    }
}

/// Connects, takes a snapshot after the first event, and syncs a local book to it.
async fn synced_book(ex: &MockExchange) -> (Socket, LocalBook) {
    let mut socket = connect(ex).await;
    let mut buffered = vec![next_event(&mut socket).await];
    let snap = snapshot(ex, 5000).await;
    let mut book = LocalBook::from_snapshot(&snap);
    loop {
        for event in buffered.drain(..) {
            if event.final_update_id <= book.last_update_id {
                continue;
            }
            assert_eq!(
                event.first_update_id,
                book.last_update_id + 1,
                "events follow the snapshot without a gap"
            );
            book.apply(&event);
        }
        if book.last_update_id > snap.last_update_id {
            return (socket, book);
        }
        buffered.push(next_event(&mut socket).await);
    }
}

/// Reads events until one that does not follow `last`: returns it.
async fn next_anomaly(socket: &mut Socket, last: &mut u64) -> DepthUpdate {
    for _ in 0..10_000 {
        let event = next_event(socket).await;
        if event.first_update_id != *last + 1 {
            return event;
        }
        *last = event.final_update_id;
    }
    panic!("no anomaly in 10 000 events");
}

// ---------------------------------------------------------------------------------------------
// The depth snapshot and the stream.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn snapshot_and_stream_share_one_book_and_id_sequence() {
    let ex = exchange().await;
    let (mut socket, mut book) = synced_book(&ex).await;

    let mut previous_u = book.last_update_id;
    for _ in 0..200 {
        let event = next_event(&mut socket).await;
        assert_eq!(event.event_type, "depthUpdate");
        assert_eq!(event.symbol, "BTCUSDT");
        assert!(
            event.event_time > 1_600_000_000_000,
            "E is epoch milliseconds"
        );
        assert_eq!(event.first_update_id, previous_u + 1, "U = previous u + 1");
        assert!(event.final_update_id >= event.first_update_id);
        previous_u = event.final_update_id;
        book.apply(&event);
        assert!(book.is_uncrossed(), "the book is never crossed");
    }

    // A later snapshot equals the local book once the stream has caught up to its id.
    let later = snapshot(&ex, 5000).await;
    while book.last_update_id < later.last_update_id {
        let event = next_event(&mut socket).await;
        book.apply(&event);
    }
    assert_eq!(book.last_update_id, later.last_update_id);
    assert_eq!(book, LocalBook::from_snapshot(&later));
    ex.shutdown().await;
}

#[tokio::test]
async fn snapshot_limits_and_formats_levels_like_binance() {
    let ex = exchange().await;
    let url = format!("{}/api/v3/depth?symbol=BTCUSDT&limit=5", ex.http_url());
    let raw: serde_json::Value = get_json(&url).await;
    let bids = raw["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 5);
    let price = bids[0][0].as_str().expect("prices are strings");
    assert_eq!(price.split('.').nth(1).map(str::len), Some(8), "{price}");

    let snap: DepthSnapshot = get_json(&url).await;
    assert!(
        snap.bids.windows(2).all(|w| w[0].0 > w[1].0),
        "bids best first"
    );
    assert!(
        snap.asks.windows(2).all(|w| w[0].0 < w[1].0),
        "asks best first"
    );
    assert!(snap.bids[0].0 < snap.asks[0].0);
    assert!(snap.bids[0].0 > dec!(50000) && snap.asks[0].0 < dec!(70000));

    let unknown = reqwest::get(format!("{}/api/v3/depth?symbol=NOPE", ex.http_url()))
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let body: serde_json::Value = body_json(unknown).await;
    assert_eq!(body["code"], -1121);
    let missing = reqwest::get(format!("{}/api/v3/depth", ex.http_url()))
        .await
        .unwrap();
    let body: serde_json::Value = body_json(missing).await;
    assert_eq!(body["code"], -1102);
    ex.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Stream faults.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dropped_delta_leaves_a_gap() {
    let ex = exchange().await;
    let (mut socket, book) = synced_book(&ex).await;
    let mut last = book.last_update_id;
    ex.faults().drop_next_delta();
    let event = next_anomaly(&mut socket, &mut last).await;
    assert!(
        event.first_update_id > last + 1,
        "a gap: U={} after u={last}",
        event.first_update_id
    );
    // Only one event was dropped: the stream continues in sequence.
    let after = next_event(&mut socket).await;
    assert_eq!(after.first_update_id, event.final_update_id + 1);
    ex.shutdown().await;
}

#[tokio::test]
async fn duplicated_delta_arrives_twice() {
    let ex = exchange().await;
    let (mut socket, book) = synced_book(&ex).await;
    let mut last = book.last_update_id;
    ex.faults().duplicate_next_delta();
    let repeat = next_anomaly(&mut socket, &mut last).await;
    assert_eq!(
        repeat.final_update_id, last,
        "the repeat is the event just seen"
    );
    let after = next_event(&mut socket).await;
    assert_eq!(after.first_update_id, last + 1);
    ex.shutdown().await;
}

#[tokio::test]
async fn reordered_deltas_arrive_swapped() {
    let ex = exchange().await;
    let (mut socket, book) = synced_book(&ex).await;
    let mut last = book.last_update_id;
    ex.faults().reorder_next_deltas();
    let second = next_anomaly(&mut socket, &mut last).await;
    let first = next_event(&mut socket).await;
    assert_eq!(first.first_update_id, last + 1, "the held event comes next");
    assert_eq!(second.first_update_id, first.final_update_id + 1);
    let after = next_event(&mut socket).await;
    assert_eq!(after.first_update_id, second.final_update_id + 1);
    ex.shutdown().await;
}

#[tokio::test]
async fn bad_frame_is_not_json_and_the_stream_goes_on() {
    let ex = exchange().await;
    let mut socket = connect(&ex).await;
    let before = next_event(&mut socket).await;
    ex.faults().send_bad_frame();
    let mut last = before.final_update_id;
    let bad = loop {
        match next_frame(&mut socket).await {
            Frame::Event(e) => last = e.final_update_id,
            Frame::NotJson(text) => break text,
            Frame::Ping | Frame::Pong => {}
            Frame::Closed => panic!("socket closed"),
        }
    };
    assert!(serde_json::from_str::<serde_json::Value>(&bad).is_err());
    let after = next_event(&mut socket).await;
    assert_eq!(
        after.first_update_id,
        last + 1,
        "no event was lost to the bad frame"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn stalled_stream_keeps_the_socket_open_then_resumes_after_a_gap() {
    let ex = exchange().await;
    let mut socket = connect(&ex).await;
    next_event(&mut socket).await;
    ex.faults().stall_stream(true);
    // Drain what was already on its way, until the socket is quiet.
    let mut last = 0;
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(150), next_frame(&mut socket)).await
    {
        if let Frame::Event(e) = frame {
            last = e.final_update_id;
        }
    }
    let moved_from = ex.last_update_id("BTCUSDT").unwrap();
    // The socket is open: a ping is answered while no data flows.
    socket
        .send(Message::Ping(b"hello".to_vec().into()))
        .await
        .unwrap();
    assert!(matches!(next_frame(&mut socket).await, Frame::Pong));
    // The book moves on during the stall.
    while ex.last_update_id("BTCUSDT").unwrap() == moved_from {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ex.faults().stall_stream(false);
    let resumed = next_event(&mut socket).await;
    assert!(resumed.first_update_id > last + 1, "the stall left a gap");
    ex.shutdown().await;
}

#[tokio::test]
async fn close_streams_closes_every_socket_and_new_ones_connect() {
    let ex = exchange().await;
    let mut a = connect(&ex).await;
    let mut b = connect(&ex).await;
    next_event(&mut a).await;
    next_event(&mut b).await;
    ex.faults().close_streams();
    for socket in [&mut a, &mut b] {
        loop {
            match next_frame(socket).await {
                Frame::Closed => break,
                Frame::Event(_) | Frame::Ping | Frame::Pong => {}
                Frame::NotJson(text) => panic!("unexpected frame {text}"),
            }
        }
    }
    let mut c = connect(&ex).await;
    next_event(&mut c).await;
    ex.shutdown().await;
}

#[tokio::test]
async fn server_pings_the_client() {
    let ex = MockExchange::builder()
        .ping_interval(Duration::from_millis(20))
        .stream_interval(Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let mut socket = connect(&ex).await;
    loop {
        if let Frame::Ping = next_frame(&mut socket).await {
            break;
        }
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn unknown_streams_are_refused() {
    let ex = exchange().await;
    for path in ["/ws/ethusdt@depth", "/ws/btcusdt@trade"] {
        let url = format!("{}{path}", ex.ws_url());
        assert!(
            tokio_tungstenite::connect_async(url).await.is_err(),
            "{path}"
        );
    }
    ex.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// REST faults on a public endpoint (signed endpoints: see below and tests/signed_fetch.rs).
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rest_faults_are_used_once_each_in_order() {
    let ex = exchange().await;
    let faults = ex.faults();
    let url = format!("{}/api/v3/depth?symbol=BTCUSDT&limit=5", ex.http_url());
    faults.fail_next_requests(1);
    faults.error_next_requests(1, 429, -1003, "Too many requests.");
    faults.truncate_next_responses(1);
    faults.malform_next_responses(1);
    faults.push_rest_fault(RestFault::Delay(Duration::from_millis(10)), 1);
    assert_eq!(faults.pending_rest_faults(), 5);

    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).is_err());

    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 429);
    let body: serde_json::Value = body_json(r).await;
    assert_eq!(
        (body["code"].as_i64(), body["msg"].as_str()),
        (Some(-1003), Some("Too many requests."))
    );

    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let err = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
    assert!(err.is_eof(), "truncated JSON: {text}");

    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let err = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
    assert!(err.is_syntax(), "malformed: {text}");

    let delayed: DepthSnapshot = get_json(&url).await;
    assert_eq!(delayed.bids.len(), 5);
    assert_eq!(faults.pending_rest_faults(), 0);

    let normal: DepthSnapshot = get_json(&url).await;
    assert_eq!(normal.asks.len(), 5);
    ex.shutdown().await;
}
