//! The feeds and books against a hostile venue on 127.0.0.1: a tokio-tungstenite WebSocket
//! server that sends what an attacker would (update ids at `u64::MAX`, ids that run backwards,
//! absurd numbers, frames of 250,000 levels, floods of deltas while the snapshot is withheld,
//! floods of pings while never reading, foreign keys) and an axum REST server for the
//! snapshots. Every case ends in a typed fault and a resync, a reconnect, or a refusal: never a
//! panic, a stall, growth past a documented cap, or a dead task behind a healthy flag.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use hft_cache::book::{
    BookChecksum, BookDelta, BookLimits, BookSnapshot, BookSync, BookView, DepthSync,
    FuturesDepthSync, SnapshotDeltaSync,
};
use hft_cache::feed::binance::Trade;
use hft_cache::feed::bybit::BybitOrderbook;
use hft_cache::feed::{
    BinanceDepth, BookMessage, BookStream, DepthFeed, DepthFeedBuilder, DepthFeedHandle,
    FeedHealth, SnapshotFuture, StreamFeed,
};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use rust_decimal::Decimal;
use support::wait_until;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const SYMBOL: &str = "BNBBTC";

type Peer = WebSocketStream<TcpStream>;

/// The hostile venue: a raw WebSocket server whose connections the test drives itself, and a
/// REST server answering the snapshot the test sets (503 while none is set).
struct Venue {
    ws_url: String,
    rest_url: String,
    peers: mpsc::UnboundedReceiver<Peer>,
    snapshot: Arc<Mutex<Option<String>>>,
    snapshot_requests: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Rest {
    snapshot: Arc<Mutex<Option<String>>>,
    requests: Arc<AtomicUsize>,
}

async fn depth(State(rest): State<Rest>) -> impl IntoResponse {
    rest.requests.fetch_add(1, Ordering::SeqCst);
    match rest.snapshot.lock().unwrap().clone() {
        Some(body) => (StatusCode::OK, body),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"code":-1003,"msg":"no snapshot"}"#.to_owned(),
        ),
    }
}

impl Venue {
    async fn start() -> Venue {
        // A small receive buffer: when the attacker stops reading, the client's writes back up
        // after a few kilobytes instead of megabytes.
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(64).unwrap();
        let ws_addr = listener.local_addr().unwrap();
        let (tx, peers) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                        let _ = tx.send(ws);
                    }
                });
            }
        });
        let rest = Rest {
            snapshot: Arc::default(),
            requests: Arc::default(),
        };
        let app = Router::new()
            .route("/api/v3/depth", get(depth))
            .with_state(rest.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rest_addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Venue {
            ws_url: format!("ws://{ws_addr}"),
            rest_url: format!("http://{rest_addr}"),
            peers,
            snapshot: rest.snapshot,
            snapshot_requests: rest.requests,
        }
    }

    /// The next connection, raw: nothing reads it unless the test does.
    async fn accept_raw(&mut self) -> Peer {
        tokio::time::timeout(Duration::from_secs(10), self.peers.recv())
            .await
            .expect("the client never connected")
            .unwrap()
    }

    /// The next connection, read in the background (so pings are answered); the test writes.
    async fn accept(&mut self) -> Sink {
        let (sink, mut stream) = self.accept_raw().await.split();
        tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
        Sink(sink)
    }

    fn set_snapshot(&self, json: Option<String>) {
        *self.snapshot.lock().unwrap() = json;
    }
}

/// The write half of a connection.
struct Sink(SplitSink<Peer, Message>);

impl Sink {
    async fn send(&mut self, text: impl Into<String>) {
        self.0
            .send(Message::Text(text.into().into()))
            .await
            .expect("the client hung up");
    }
}

fn event(first: u64, last: u64, bid: &str, qty: &str) -> String {
    format!(
        r#"{{"e":"depthUpdate","E":1672515782136,"s":"{SYMBOL}","U":{first},"u":{last},"b":[["{bid}","{qty}"]],"a":[["0.0030","100"]]}}"#
    )
}

fn snapshot(id: u64) -> Option<String> {
    Some(format!(
        r#"{{"lastUpdateId":{id},"bids":[["0.0020","5"]],"asks":[["0.0030","5"]]}}"#
    ))
}

fn books() -> StreamCache<String, BookView> {
    StreamCache::<String, BookView>::builder()
        .name("books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn binance(venue: &Venue) -> DepthFeedBuilder<BinanceDepth> {
    DepthFeed::builder(&venue.ws_url, &venue.rest_url)
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_millis(500))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .snapshot_backoff(Duration::from_millis(20), Duration::from_millis(40))
}

struct Synced {
    venue: Venue,
    sink: Sink,
    books: StreamCache<String, BookView>,
    feed: DepthFeedHandle,
}

impl Synced {
    fn health(&self) -> FeedHealth {
        self.feed.health(SYMBOL).unwrap()
    }

    fn update_id(&self) -> Option<u64> {
        self.books.read(SYMBOL, |b| b.last_update_id).ok()
    }

    fn refused(&self) -> bool {
        matches!(
            self.books.read(SYMBOL, |_| ()),
            Err(StreamReadError::FeedUnhealthy { .. })
        )
    }

    fn fault_says(&self, text: &str) -> bool {
        match self.health().last_fault {
            Some(FeedFault::InvalidData(why) | FeedFault::Other(why)) => why.contains(text),
            _ => false,
        }
    }

    /// Sends `hostile` on top of the book, which must then be refused for a fault that says
    /// `says`; then the book is rebuilt from snapshot `next` on the same link, and served.
    async fn refuses(&mut self, hostile: String, says: &str, next: u64) {
        let resyncs = self.health().resyncs;
        self.venue.set_snapshot(snapshot(next));
        self.sink.send(hostile).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !(self.health().resyncs > resyncs && self.fault_says(says)) {
            let health = self.health();
            assert!(
                tokio::time::Instant::now() < deadline,
                "no fault saying {says:?}: {health:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(self.refused(), "{:?}", self.health());
        self.sink
            .send(event(next + 1, next + 1, "0.0021", "1"))
            .await;
        wait_until("the resync", || self.update_id() == Some(next + 1)).await;
        let health = self.health();
        assert_eq!((health.panics, health.reconnects), (0, 0), "{health:?}");
    }
}

/// A Binance feed synced at update 102 on the hostile venue.
async fn synced(
    configure: impl FnOnce(DepthFeedBuilder<BinanceDepth>) -> DepthFeedBuilder<BinanceDepth>,
) -> Synced {
    let mut venue = Venue::start().await;
    venue.set_snapshot(snapshot(100));
    let books = books();
    let feed = configure(binance(&venue)).spawn(&books).unwrap();
    let mut sink = venue.accept().await;
    sink.send(event(101, 102, "0.0021", "1")).await;
    let s = Synced {
        venue,
        sink,
        books,
        feed,
    };
    wait_until("the first sync", || s.update_id() == Some(102)).await;
    s
}

/// Issue 24's case: an update id at `u64::MAX` followed by one more delta panicked the sync,
/// killed the task and left its health live. Now the next delta is a typed fault and a resync
/// on the same link.
#[tokio::test]
async fn an_update_id_at_u64_max_then_one_more_delta_is_a_fault_and_a_resync() {
    let mut s = synced(|f| f).await;
    s.sink.send(event(103, u64::MAX, "0.0021", "2")).await;
    wait_until("the book at u64::MAX", || s.update_id() == Some(u64::MAX)).await;
    s.refuses(event(1, 1, "0.0022", "1"), "leaves no room", 500)
        .await;
}

/// A delta whose first id is above its last is refused; a whole delta older than the book is
/// a duplicate, ignored as Binance documents, and the book stays served.
#[tokio::test]
async fn update_ids_that_run_backwards() {
    let mut s = synced(|f| f).await;
    s.refuses(event(110, 103, "0.0022", "1"), "run backwards", 200)
        .await;
    let events = s.health().events;
    s.sink.send(event(150, 160, "0.0023", "1")).await;
    wait_until("the old delta read", || s.health().events > events).await;
    assert_eq!(s.update_id(), Some(201), "an old delta is not applied");
    let health = s.health();
    assert!(health.last_fault.is_some(), "{health:?}");
    assert!(!s.refused(), "a duplicate is not a fault");
}

/// Prices and quantities no book can hold, or no `Decimal` can: each a typed fault and a
/// resync, never a panic.
#[tokio::test]
async fn absurd_prices_and_quantities_are_faults_not_panics() {
    let mut s = synced(|f| f).await;
    let max = Decimal::MAX.to_string();
    s.refuses(event(103, 103, &max, "1"), "unsupported price", 300)
        .await;
    s.refuses(
        event(302, 302, "0.0000000000000000000000000001", "1"),
        "unsupported price",
        400,
    )
    .await;
    s.refuses(event(402, 402, "0.0021", "-1"), "negative quantity", 500)
        .await;
    // Past what a `Decimal` holds: refused when the frame is decoded.
    s.refuses(
        event(502, 502, "792281625142643375935439503350", "1"),
        "expected a Decimal",
        600,
    )
    .await;
    s.refuses(event(602, 602, "0.0021", "1e40"), "expected a Decimal", 700)
        .await;
    s.refuses(event(702, 702, "0", "1"), "non-positive price", 800)
        .await;
}

/// Bybit's procedure (snapshot on the stream, then deltas one id apart): a snapshot at
/// `u64::MAX` and one more delta is a fault; the resync is a new link with a new snapshot.
#[tokio::test]
async fn bybit_at_u64_max_reconnects_for_a_new_snapshot() {
    let mut venue = Venue::start().await;
    let books = books();
    let feed = DepthFeed::with_stream(BybitOrderbook::new(&venue.ws_url))
        .symbols(["BTCUSDT"])
        .silence_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_millis(500))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .spawn(&books)
        .unwrap();
    let frame = |kind: &str, u: u64, bid: &str| {
        format!(
            r#"{{"topic":"orderbook.50.BTCUSDT","type":"{kind}","ts":1,"data":{{"s":"BTCUSDT","b":[["{bid}","1"]],"a":[["101","1"]],"u":{u},"seq":{u}}}}}"#
        )
    };
    let id = || books.read("BTCUSDT", |b| b.last_update_id).ok();
    let mut sink = venue.accept().await;
    sink.send(frame("snapshot", u64::MAX, "100")).await;
    wait_until("the book at u64::MAX", || id() == Some(u64::MAX)).await;
    sink.send(frame("delta", 5, "99")).await;
    wait_until("the fault", || {
        matches!(&feed.health("BTCUSDT").unwrap().last_fault,
            Some(FeedFault::InvalidData(why)) if why.contains("leaves no room"))
    })
    .await;
    assert!(books.read("BTCUSDT", |_| ()).is_err());
    let mut next = venue.accept().await;
    next.send(frame("snapshot", 7, "100")).await;
    next.send(frame("delta", 8, "99")).await;
    wait_until("the new book", || id() == Some(8)).await;
    let health = feed.health("BTCUSDT").unwrap();
    assert_eq!(health.panics, 0, "{health:?}");
}

/// Every shipped procedure, with and without a checksum, fed hostile ids and numbers straight:
/// no panic, and after any fault the book is gone and a snapshot awaited.
#[test]
fn every_book_sync_survives_hostile_numbers() {
    use proptest::prelude::*;
    let id = prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::MAX - 1),
        Just(u64::MAX),
        0u64..20
    ];
    let number = prop_oneof![
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::ZERO),
        Just(Decimal::new(1, 28)),
        Just(Decimal::from(u64::MAX)),
        (1i64..1000, 0u32..10).prop_map(|(m, s)| Decimal::new(m, s)),
    ];
    let levels = proptest::collection::vec((number.clone(), number), 0..4);
    let message = (
        any::<bool>(),
        id.clone(),
        id.clone(),
        proptest::option::of(id),
        levels.clone(),
        levels,
        any::<i32>(),
    );
    let syncs: [fn() -> Box<dyn BookSync>; 5] = [
        || Box::new(DepthSync::new()),
        || Box::new(FuturesDepthSync::new()),
        || Box::new(DepthSync::new().with_checksum(BookChecksum::OKX)),
        || Box::new(SnapshotDeltaSync::new()),
        || Box::new(SnapshotDeltaSync::new().with_checksum(BookChecksum::OKX)),
    ];
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&proptest::collection::vec(message, 1..30), |messages| {
            for make in syncs {
                let mut sync = make();
                sync.set_limits(BookLimits::default().max_buffered_deltas(8));
                for (snapshot, first, last, pu, bids, asks, checksum) in messages.clone() {
                    let outcome = if snapshot {
                        sync.on_snapshot(BookSnapshot {
                            update_id: last,
                            seq: Some(first),
                            bids,
                            asks,
                            checksum: Some(checksum),
                        })
                    } else {
                        sync.on_delta(BookDelta {
                            first_update_id: first,
                            last_update_id: last,
                            seq: Some(last),
                            bids,
                            asks,
                            checksum: Some(checksum),
                            prev_update_id: pu,
                        })
                    };
                    if outcome.is_fault() {
                        prop_assert!(sync.book().is_none(), "{outcome:?}");
                    }
                    prop_assert!(sync.buffered().deltas <= 8);
                    if let Some(book) = sync.book() {
                        prop_assert!(book.validate().is_ok());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Binance's stream, with a `decode` that panics on one frame: the stand-in for any bug a
/// frame could reach. The task's panic is caught at its boundary.
#[derive(hft_cache::NoLiveState)]
struct Panicky(BinanceDepth);

impl BookStream for Panicky {
    type Sync = DepthSync;

    fn new_sync(&self) -> DepthSync {
        self.0.new_sync()
    }

    fn url(&self, symbol: &str) -> String {
        self.0.url(symbol)
    }

    fn decode(&self, symbol: &str, text: &str) -> Result<BookMessage, String> {
        assert!(text != "boom", "a frame the decoder cannot take");
        self.0.decode(symbol, text)
    }

    fn snapshot(&self, symbol: &str) -> Option<SnapshotFuture> {
        self.0.snapshot(symbol)
    }

    fn prepare(&mut self, connect_timeout: Duration) -> Result<(), String> {
        self.0.prepare(connect_timeout)
    }
}

/// A feed task that panics anyway is marked unhealthy at once and restarted with backoff:
/// a new link, a new snapshot, the book served again.
#[tokio::test]
async fn a_panicking_task_is_marked_unhealthy_and_restarted() {
    let mut venue = Venue::start().await;
    venue.set_snapshot(snapshot(100));
    let books = books();
    let stream = Panicky(BinanceDepth::new(&venue.ws_url, &venue.rest_url));
    let feed = DepthFeed::with_stream(stream)
        .symbols([SYMBOL])
        .silence_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_millis(500))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .spawn(&books)
        .unwrap();
    let id = || books.read(SYMBOL, |b| b.last_update_id).ok();
    let mut sink = venue.accept().await;
    sink.send(event(101, 102, "0.0021", "1")).await;
    wait_until("the first sync", || id() == Some(102)).await;

    venue.set_snapshot(snapshot(200));
    sink.send("boom").await;
    wait_until("the panic", || feed.health(SYMBOL).unwrap().panics == 1).await;
    let health = feed.health(SYMBOL).unwrap();
    assert!(
        matches!(&health.last_fault, Some(FeedFault::Other(why)) if why.contains("panicked")),
        "{health:?}"
    );
    assert!(matches!(
        books.read(SYMBOL, |_| ()),
        Err(StreamReadError::FeedUnhealthy { .. })
    ));
    // Restarted: it connects again and rebuilds the book.
    let mut next = venue.accept().await;
    next.send(event(201, 203, "0.0022", "1")).await;
    wait_until("the restarted feed", || id() == Some(203)).await;
    assert_eq!(feed.health(SYMBOL).unwrap().panics, 1);
}

/// Issue 24's case: a peer that floods pings and never reads. The pongs fill the socket, the
/// send does not finish, and the link is dead: marked and reconnected, where it used to block
/// the feed forever with its watchdog never running and its health live.
#[tokio::test]
async fn a_peer_that_never_reads_is_a_dead_link() {
    let mut venue = Venue::start().await;
    venue.set_snapshot(snapshot(100));
    let books = books();
    let feed = binance(&venue)
        .send_timeout(Duration::from_millis(300))
        .spawn(&books)
        .unwrap();
    let (mut sink, never_read) = venue.accept_raw().await.split();
    sink.send(Message::Text(event(101, 102, "0.0021", "1").into()))
        .await
        .unwrap();
    let id = || books.read(SYMBOL, |b| b.last_update_id).ok();
    wait_until("the first sync", || id() == Some(102)).await;
    // Pings as fast as the socket takes them; each asks for a pong nobody reads.
    let flood = tokio::spawn(async move {
        let payload = vec![7u8; 125];
        while sink
            .send(Message::Ping(payload.clone().into()))
            .await
            .is_ok()
        {}
    });
    wait_until("the stuck write", || {
        matches!(&feed.health(SYMBOL).unwrap().last_fault,
            Some(FeedFault::Other(why)) if why.contains("stuck write"))
    })
    .await;
    assert!(matches!(
        books.read(SYMBOL, |_| ()),
        Err(StreamReadError::FeedUnhealthy { .. })
    ));
    let mut next = venue.accept().await;
    venue.set_snapshot(snapshot(200));
    next.send(event(201, 202, "0.0022", "1")).await;
    wait_until("the resync on a new link", || id() == Some(202)).await;
    assert!(feed.health(SYMBOL).unwrap().reconnects >= 1);
    drop(never_read);
    flood.abort();
}

/// A delta of `levels` bid levels, best first as venues send them (the order that made
/// per-level inserts quadratic), between updates `id` and `id`; the ask moves above them.
fn wide_delta(id: u64, levels: usize) -> String {
    let mut text = format!(
        r#"{{"e":"depthUpdate","E":1,"s":"{SYMBOL}","U":{id},"u":{id},"a":[["0.0030","0"],["999999","1"]],"b":["#
    );
    for i in 0..levels {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(r#"["{}","1"]"#, 299_999 - i));
    }
    text.push_str("]}");
    text
}

/// Issue 24's case: one delta of 250,000 levels kept the task busy for seconds while the old
/// book was served as healthy. With the default caps it is refused: the book is refused at
/// once, and rebuilt from a new snapshot.
#[tokio::test]
async fn a_frame_of_250k_levels_is_refused_by_the_level_cap() {
    let mut s = synced(|f| f).await;
    let frame = wide_delta(103, 250_000);
    assert!(
        frame.len() < 4 << 20,
        "under the byte cap: the level cap refuses it"
    );
    s.refuses(frame, "too many levels: 250002 past the cap of 20000", 300)
        .await;
}

/// With caps raised to take it, the same frame is applied in one sorted merge, not 250,000
/// shifting inserts: the book is current with it.
#[tokio::test]
async fn a_frame_of_250k_levels_under_raised_caps_is_applied_in_bulk() {
    let limits = BookLimits::default()
        .max_levels_per_message(300_000)
        .max_book_levels(300_000);
    let mut s = synced(|f| f.limits(limits)).await;
    s.sink.send(wide_delta(103, 250_000)).await;
    wait_until("the wide delta applied", || s.update_id() == Some(103)).await;
    let best = s.books.read(SYMBOL, |b| b.best_bid()).unwrap().unwrap();
    assert_eq!(best.price.to_string(), "299999");
    let health = s.health();
    assert_eq!((health.resyncs, health.panics), (0, 0), "{health:?}");
}

/// Issue 24's case: a REST snapshot of 160,000 levels stalled a core for seconds. It is refused
/// by the level cap, the next snapshot is asked for after a backoff wait, and a sane one
/// rebuilds the book.
#[tokio::test]
async fn a_snapshot_of_160k_levels_is_refused_and_another_fetched() {
    let mut s = synced(|f| f).await;
    let mut body = String::from(r#"{"lastUpdateId":300,"asks":[["999999","1"]],"bids":["#);
    for i in 0..160_000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(r#"["{}","1"]"#, 299_999 - i));
    }
    body.push_str("]}");
    s.venue.set_snapshot(Some(body));
    // A gap: the feed resynchronises and fetches the huge snapshot.
    s.sink.send(event(110, 111, "0.0021", "1")).await;
    wait_until("the refusal", || s.fault_says("too many levels: 160001")).await;
    assert!(s.refused());
    s.venue.set_snapshot(snapshot(300));
    s.sink.send(event(301, 301, "0.0022", "1")).await;
    wait_until("the sane snapshot", || s.update_id() == Some(301)).await;
    assert_eq!(s.health().panics, 0);
}

/// A frame over the byte cap is never decoded: the link ends as invalid data and reconnects.
#[tokio::test]
async fn a_frame_over_the_byte_cap_is_invalid_data() {
    let mut s = synced(|f| f.max_message_bytes(64 << 10)).await;
    s.sink.send(wide_delta(103, 10_000)).await;
    wait_until("the refusal", || s.fault_says("frame refused")).await;
    assert!(s.refused());
    let mut next = s.venue.accept().await;
    s.venue.set_snapshot(snapshot(300));
    next.send(event(301, 301, "0.0022", "1")).await;
    wait_until("the resync on a new link", || s.update_id() == Some(301)).await;
}

/// Issue 24's case: while the snapshot is withheld, a venue sends far more than the buffer may
/// hold (here ten times its cap in levels). The buffer never holds more than its cap, in
/// levels or in bytes; past it the sync starts over.
#[tokio::test]
async fn the_sync_buffer_stays_under_its_cap_while_the_snapshot_is_withheld() {
    const CAP: usize = 10_000;
    const DELTAS: u64 = 100;
    const LEVELS: usize = 1_000;
    let mut venue = Venue::start().await;
    let books = books();
    let feed = binance(&venue)
        .limits(BookLimits::default().max_buffered_levels(CAP))
        .spawn(&books)
        .unwrap();
    let mut sink = venue.accept().await;
    for id in 1..=DELTAS {
        sink.send(wide_delta(id, LEVELS)).await;
    }
    let health = || feed.health(SYMBOL).unwrap();
    wait_until("every delta read", || health().events == DELTAS).await;
    let health = health();
    assert!(venue.snapshot_requests.load(Ordering::SeqCst) > 0);
    assert!(health.buffered_peak.levels <= CAP, "{health:?}");
    assert!(health.buffered.levels <= CAP, "{health:?}");
    assert!(
        health.buffered_peak.levels >= CAP - LEVELS,
        "it did fill: {health:?}"
    );
    // Bytes: the levels (32 bytes each, twice that at most with the vectors' spare room) and
    // the deltas themselves.
    let per_level = std::mem::size_of::<(Decimal, Decimal)>();
    let bound = CAP * per_level * 2 + (CAP / LEVELS + 1) * std::mem::size_of::<BookDelta>();
    assert!(health.buffered_peak.bytes <= bound, "{health:?} vs {bound}");
    // What an uncapped buffer would have held: ten times the cap.
    assert!(DELTAS as usize * LEVELS >= 10 * CAP);
    assert!(
        health.resyncs >= 9,
        "past the cap, a resync each time: {health:?}"
    );
    assert!(
        matches!(&health.last_fault, Some(FeedFault::InvalidData(why)) if why.contains("buffer full")),
        "{health:?}"
    );
    // The snapshot comes at last: the feed syncs on what it buffered since.
    venue.set_snapshot(snapshot(DELTAS));
    sink.send(event(DELTAS + 1, DELTAS + 1, "0.0021", "1"))
        .await;
    wait_until("the sync", || {
        books.read(SYMBOL, |b| b.last_update_id).ok() == Some(DELTAS + 1)
    })
    .await;
}

/// The buffer's count cap holds as its level cap does.
#[tokio::test]
async fn the_sync_buffer_count_cap_holds() {
    let mut venue = Venue::start().await;
    let books = books();
    let feed = binance(&venue)
        .limits(BookLimits::default().max_buffered_deltas(50))
        .spawn(&books)
        .unwrap();
    let mut sink = venue.accept().await;
    for id in 1..=500u64 {
        sink.send(event(id, id, "0.0021", "1")).await;
    }
    let health = || feed.health(SYMBOL).unwrap();
    wait_until("every delta read", || health().events == 500).await;
    let health = health();
    assert!(health.buffered_peak.deltas <= 50, "{health:?}");
    assert!(health.buffered_peak.deltas >= 49, "{health:?}");
    assert!(health.resyncs >= 9, "{health:?}");
}

/// Issue 24's case: a stream that sends key after foreign key grew the cache without bound.
/// Past the feed's key cap, new keys are refused and counted; the keys it holds keep updating.
#[tokio::test]
async fn a_stream_feed_holds_no_more_keys_than_its_cap() {
    const CAP: usize = 100;
    const SENT: usize = 3_000;
    let mut venue = Venue::start().await;
    let trades = StreamCache::<String, Trade>::builder()
        .name("trades")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = StreamFeed::builder(&venue.ws_url)
        .streams(["btcusdt@trade"])
        .silence_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_millis(500))
        .max_keys(CAP)
        .spawn(&trades)
        .unwrap();
    let trade = |symbol: &str, id: usize| {
        format!(
            r#"{{"e":"trade","E":1,"s":"{symbol}","t":{id},"p":"1.5","q":"1","T":1,"m":false,"M":true}}"#
        )
    };
    let mut sink = venue.accept().await;
    for i in 0..SENT {
        sink.send(trade(&format!("FOREIGN{i}"), i)).await;
    }
    sink.send(trade("FOREIGN0", SENT)).await;
    wait_until("every trade read", || {
        feed.health().events == SENT as u64 + 1
    })
    .await;
    let health = feed.health();
    assert_eq!(health.keys, CAP, "{health:?}");
    assert_eq!(health.refused_keys, (SENT - CAP) as u64, "{health:?}");
    let stats = trades.stats();
    assert_eq!(stats.feeds.len(), 1);
    assert!(stats.feeds[0].keys <= CAP, "{stats:?}");
    assert_eq!(trades.read("FOREIGN0", |t| t.trade_id), Ok(SENT as u64));
    assert!(trades
        .read(&format!("FOREIGN{}", SENT - 1), |_| ())
        .is_err());
}

/// A streamed type of one's own whose deserializer panics on one value: the stand-in for any
/// bug a frame could reach in a typed feed.
#[derive(hft_cache::Streamed, serde::Deserialize, Debug)]
struct Tick {
    s: String,
    #[serde(deserialize_with = "panics_on_boom")]
    p: String,
}

fn panics_on_boom<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    assert!(text != "boom", "a value the type cannot take");
    Ok(text)
}

impl hft_cache::feed::Keyed for Tick {
    type Key = String;
    fn key(&self) -> String {
        self.s.clone()
    }
}

/// A typed feed whose task panics is marked unhealthy at once and restarted; what it published
/// before the panic is dropped at the recovery, as after any fault.
#[tokio::test]
async fn a_panicking_typed_feed_is_restarted_and_drops_its_old_values() {
    let mut venue = Venue::start().await;
    let ticks = StreamCache::<String, Tick>::builder()
        .name("ticks")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = StreamFeed::at_url(&venue.ws_url)
        .name("ticks")
        .silence_timeout(Duration::from_secs(5))
        .ping_interval(Duration::from_millis(500))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .spawn(&ticks)
        .unwrap();
    let mut sink = venue.accept().await;
    sink.send(r#"{"s":"OLD","p":"1"}"#).await;
    wait_until("the first value", || ticks.read("OLD", |_| ()).is_ok()).await;
    sink.send(r#"{"s":"OLD","p":"boom"}"#).await;
    wait_until("the panic", || feed.health().panics == 1).await;
    assert!(matches!(
        ticks.read("OLD", |_| ()),
        Err(StreamReadError::FeedUnhealthy { .. })
    ));
    let mut next = venue.accept().await;
    next.send(r#"{"s":"NEW","p":"2"}"#).await;
    wait_until("the restarted feed", || ticks.read("NEW", |_| ()).is_ok()).await;
    assert_eq!(ticks.read("NEW", |t| t.p.clone()), Ok("2".to_owned()));
    assert!(
        ticks.read("OLD", |_| ()).is_err(),
        "a value from before the panic is not served again"
    );
    let health = feed.health();
    assert_eq!((health.panics, health.keys), (1, 1), "{health:?}");
}
