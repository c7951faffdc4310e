//! The mock exchange over real sockets: every endpoint's payload parses into exchange-shaped
//! types that declare their class, orders move balances, and every fault does what it says.

// The exchange-shaped types mirror the payloads field by field, whether a test reads a field or not.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hft_cache::exchange::{ExchangeErrorKind, RequestError, SignedClient, Signer};
use hft_cache::fetch::FetchError;
use hft_cache::{Fresh, Live, Static, Streamed};
use hft_cache_mock::{MockExchange, RestFault, SymbolSpec};
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
            // An event aggregates a period of changes, so the first one may straddle the
            // snapshot (U <= lastUpdateId + 1 <= u, as the docs allow); later ones follow on.
            if book.last_update_id == snap.last_update_id {
                assert!(
                    event.first_update_id <= book.last_update_id + 1,
                    "the first event after the snapshot leaves no gap"
                );
            } else {
                assert_eq!(
                    event.first_update_id,
                    book.last_update_id + 1,
                    "events follow each other without a gap"
                );
            }
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
    let ex = MockExchange::builder()
        .stream_interval(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
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

    // A later snapshot equals the local book once the stream has caught up to its id. An event
    // covers a period of changes, so the stream may step over the snapshot's id: then take
    // another snapshot and compare at that one.
    let mut compared = false;
    for _ in 0..50 {
        let later = snapshot(&ex, 5000).await;
        while book.last_update_id < later.last_update_id {
            let event = next_event(&mut socket).await;
            book.apply(&event);
        }
        if book.last_update_id == later.last_update_id {
            assert_eq!(book, LocalBook::from_snapshot(&later));
            compared = true;
            break;
        }
    }
    assert!(compared, "the stream met a snapshot's update id exactly");
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
    let (mut socket, book) = synced_book(&ex).await;
    let mut last = book.last_update_id;
    ex.faults().stall_stream(true);
    let stalled_at = ex.last_update_id("BTCUSDT").unwrap();
    // The socket is open: a ping is answered while no data flows. Events published before the
    // stall may still be on their way; they follow in sequence.
    socket
        .send(Message::Ping(b"hello".to_vec().into()))
        .await
        .unwrap();
    loop {
        match next_frame(&mut socket).await {
            Frame::Pong => break,
            Frame::Event(e) => {
                assert_eq!(e.first_update_id, last + 1);
                last = e.final_update_id;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Once the in-flight events are through, the socket is quiet.
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(100), next_frame(&mut socket)).await
    {
        match frame {
            Frame::Event(e) => {
                assert!(
                    e.final_update_id <= stalled_at,
                    "sent during the stall: {e:?}"
                );
                last = e.final_update_id;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // The book moves on during the stall.
    while ex.last_update_id("BTCUSDT").unwrap() == stalled_at {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ex.faults().stall_stream(false);
    let resumed = next_anomaly(&mut socket, &mut last).await;
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
    for path in [
        "/ws/ethusdt@depth",
        "/ws/btcusdt@depth7",
        "/ws/btcusdt@trades",
        "/stream?streams=btcusdt@trade/ethusdt@trade",
    ] {
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

// ---------------------------------------------------------------------------------------------
// Static data: exchange info, as an adapter's `Static` types.
// ---------------------------------------------------------------------------------------------

#[derive(Static, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct ExchangeInfo {
    timezone: String,
    server_time: u64,
    rate_limits: Vec<RateLimit>,
    symbols: Vec<SymbolInfo>,
}

#[derive(Static, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct RateLimit {
    rate_limit_type: String,
    interval: String,
    interval_num: u32,
    limit: u32,
}

#[derive(Static, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct SymbolInfo {
    symbol: String,
    status: String,
    base_asset: String,
    base_asset_precision: u32,
    quote_asset: String,
    quote_precision: u32,
    order_types: Vec<String>,
    is_spot_trading_allowed: bool,
    filters: Vec<Filter>,
}

#[derive(Static, Deserialize, Debug, PartialEq)]
#[serde(tag = "filterType")]
enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price {
        min_price: Decimal,
        max_price: Decimal,
        tick_size: Decimal,
    },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize {
        min_qty: Decimal,
        max_qty: Decimal,
        step_size: Decimal,
    },
    #[serde(rename = "NOTIONAL", rename_all = "camelCase")]
    Notional {
        min_notional: Decimal,
        apply_min_to_market: bool,
        max_notional: Decimal,
        apply_max_to_market: bool,
        avg_price_mins: u32,
    },
    #[serde(other)]
    Other,
}

#[tokio::test]
async fn exchange_info_lists_symbols_with_binance_filters() {
    let ex = MockExchange::builder()
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .symbol_spec(
            SymbolSpec::new("ETHUSDT", "ETH", "USDT", dec!(3000))
                .step_size(dec!(0.0001))
                .qty_range(dec!(0.0001), dec!(100000))
                .min_notional(dec!(10)),
        )
        .start()
        .await
        .unwrap();
    let info: ExchangeInfo = get_json(&format!("{}/api/v3/exchangeInfo", ex.http_url())).await;
    assert_eq!(info.timezone, "UTC");
    assert!(info.server_time > 1_600_000_000_000);
    assert!(info
        .rate_limits
        .iter()
        .any(|r| r.rate_limit_type == "REQUEST_WEIGHT"
            && r.interval == "MINUTE"
            && r.interval_num == 1
            && r.limit > 0));
    assert_eq!(info.symbols.len(), 2);
    let eth = info.symbols.iter().find(|s| s.symbol == "ETHUSDT").unwrap();
    assert_eq!(
        (
            eth.status.as_str(),
            eth.base_asset.as_str(),
            eth.quote_asset.as_str()
        ),
        ("TRADING", "ETH", "USDT")
    );
    assert_eq!((eth.base_asset_precision, eth.quote_precision), (8, 8));
    assert!(eth.is_spot_trading_allowed);
    assert_eq!(eth.order_types, ["LIMIT", "LIMIT_MAKER", "MARKET"]);
    assert_eq!(
        eth.filters,
        [
            Filter::Price {
                min_price: dec!(0.01),
                max_price: dec!(1000000),
                tick_size: dec!(0.01)
            },
            Filter::LotSize {
                min_qty: dec!(0.0001),
                max_qty: dec!(100000),
                step_size: dec!(0.0001)
            },
            Filter::Notional {
                min_notional: dec!(10),
                apply_min_to_market: true,
                max_notional: dec!(9000000),
                apply_max_to_market: false,
                avg_price_mins: 5,
            },
        ]
    );

    let one: ExchangeInfo = get_json(&format!(
        "{}/api/v3/exchangeInfo?symbol=BTCUSDT",
        ex.http_url()
    ))
    .await;
    assert_eq!(one.symbols.len(), 1);
    let listed: ExchangeInfo = get_json(&format!(
        "{}/api/v3/exchangeInfo?symbols=%5B%22ETHUSDT%22%5D",
        ex.http_url()
    ))
    .await;
    assert_eq!(listed.symbols[0].symbol, "ETHUSDT");
    let bad: serde_json::Value = get_json(&format!(
        "{}/api/v3/exchangeInfo?symbol=NOPE",
        ex.http_url()
    ))
    .await;
    assert_eq!(bad["code"], -1121);
    ex.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Live data: account and orders, as an adapter's `Live` types, always fetched fresh.
// ---------------------------------------------------------------------------------------------

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Account {
    maker_commission: u32,
    can_trade: bool,
    update_time: u64,
    account_type: String,
    balances: Vec<Balance>,
    permissions: Vec<String>,
}

#[derive(Live, Deserialize, Debug)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

impl Account {
    fn balance(&self, asset: &str) -> (Decimal, Decimal) {
        self.balances
            .iter()
            .find(|b| b.asset == asset)
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
    }
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Order {
    symbol: String,
    order_id: u64,
    order_list_id: i64,
    client_order_id: String,
    price: Decimal,
    orig_qty: Decimal,
    executed_qty: Decimal,
    cummulative_quote_qty: Decimal,
    status: String,
    time_in_force: String,
    #[serde(rename = "type")]
    order_type: String,
    side: String,
    time: u64,
    update_time: u64,
    is_working: bool,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct NewOrder {
    symbol: String,
    order_id: u64,
    client_order_id: String,
    transact_time: u64,
    price: Decimal,
    orig_qty: Decimal,
    executed_qty: Decimal,
    cummulative_quote_qty: Decimal,
    status: String,
    #[serde(rename = "type")]
    order_type: String,
    side: String,
    fills: Vec<Fill>,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Fill {
    price: Decimal,
    qty: Decimal,
    commission: Decimal,
    commission_asset: String,
    trade_id: u64,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct CanceledOrder {
    symbol: String,
    orig_client_order_id: String,
    order_id: u64,
    status: String,
    executed_qty: Decimal,
}

fn signed_client(ex: &MockExchange) -> SignedClient {
    SignedClient::builder(ex.http_url())
        .api_key("test-key")
        .secret("test-secret")
        .build()
        .unwrap()
}

async fn account(client: &SignedClient) -> Fresh<Account> {
    client.signed_get("/api/v3/account", &()).await.unwrap()
}

fn balance(account: &Fresh<Account>, asset: &str) -> (Decimal, Decimal) {
    account.read().unwrap().balance(asset)
}

#[tokio::test]
async fn account_shows_balances_as_decimal_strings() {
    let ex = exchange().await;
    let client = signed_client(&ex);
    let acct = account(&client).await;
    let a = acct.read().unwrap();
    assert_eq!(
        (a.maker_commission, a.can_trade, a.account_type.as_str()),
        (0, true, "SPOT")
    );
    assert_eq!(a.permissions, ["SPOT"]);
    assert_eq!(a.balance("USDT"), (dec!(10000), dec!(0)));
    assert_eq!(a.balance("BTC"), (dec!(1), dec!(0)));

    // Binance writes amounts as strings with eight decimals.
    let raw: Fresh<RawJson> = client.signed_get("/api/v3/account", &()).await.unwrap();
    let usdt = raw.read().unwrap().0["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == "USDT")
        .cloned()
        .unwrap();
    assert_eq!(usdt["free"], "10000.00000000");
    assert_eq!(usdt["locked"], "0.00000000");

    // A balance changed elsewhere shows on the next fetch.
    ex.set_balance("USDT", dec!(123.45));
    assert_eq!(
        balance(&account(&client).await, "USDT"),
        (dec!(123.45), dec!(0))
    );
    ex.shutdown().await;
}

#[derive(Live, Deserialize, Debug)]
struct RawJson(serde_json::Value);

#[tokio::test]
async fn limit_order_locks_funds_until_cancelled() {
    let ex = exchange().await;
    let client = signed_client(&ex);
    let placed: Fresh<NewOrder> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.02"),
                ("price", "40000.50"),
                ("newClientOrderId", "bid-1"),
            ],
        )
        .await
        .unwrap();
    let id = {
        let o = placed.read().unwrap();
        assert_eq!(
            (o.symbol.as_str(), o.client_order_id.as_str()),
            ("BTCUSDT", "bid-1")
        );
        assert_eq!(
            (o.status.as_str(), o.order_type.as_str(), o.side.as_str()),
            ("NEW", "LIMIT", "BUY")
        );
        assert_eq!(
            (o.price, o.orig_qty, o.executed_qty),
            (dec!(40000.50), dec!(0.02), dec!(0))
        );
        assert_eq!(o.cummulative_quote_qty, dec!(0));
        assert!(o.fills.is_empty() && o.transact_time > 0);
        o.order_id
    };

    // 0.02 × 40000.50 = 800.01 USDT moved from free to locked: a balance read before the order
    // is now wrong.
    assert_eq!(
        balance(&account(&client).await, "USDT"),
        (dec!(9199.99), dec!(800.01))
    );

    let open: Fresh<Vec<Order>> = client
        .signed_get("/api/v3/openOrders", &[("symbol", "BTCUSDT")])
        .await
        .unwrap();
    let o = &open.read().unwrap()[0];
    assert_eq!(
        (o.order_id, o.status.as_str(), o.is_working),
        (id, "NEW", true)
    );
    assert_eq!((o.time_in_force.as_str(), o.order_list_id), ("GTC", -1));
    assert!(o.time > 0 && o.update_time >= o.time);

    let by_client_id: Fresh<Order> = client
        .signed_get(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("origClientOrderId", "bid-1")],
        )
        .await
        .unwrap();
    assert_eq!(by_client_id.read().unwrap().order_id, id);

    let canceled: Fresh<CanceledOrder> = client
        .signed_delete(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", &id.to_string())],
        )
        .await
        .unwrap();
    let c = canceled.read().unwrap();
    assert_eq!(
        (c.symbol.as_str(), c.orig_client_order_id.as_str()),
        ("BTCUSDT", "bid-1")
    );
    assert_eq!(
        (c.order_id, c.status.as_str(), c.executed_qty),
        (id, "CANCELED", dec!(0))
    );

    assert_eq!(
        balance(&account(&client).await, "USDT"),
        (dec!(10000), dec!(0))
    );
    let open: Fresh<Vec<Order>> = client.signed_get("/api/v3/openOrders", &()).await.unwrap();
    assert!(open.read().unwrap().is_empty());
    let after: Fresh<Order> = client
        .signed_get(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", &id.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(after.read().unwrap().status, "CANCELED");
    ex.shutdown().await;
}

#[tokio::test]
async fn market_orders_fill_against_the_book_and_move_balances() {
    // A book that does not move on its own: every change on the stream is the order's.
    let ex = MockExchange::builder()
        .api_key("test-key")
        .secret("test-secret")
        .balance("USDT", dec!(10000))
        .balance("BTC", dec!(1))
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let client = signed_client(&ex);
    let mut socket = connect(&ex).await;
    let before = snapshot(&ex, 5000).await;
    let asks: BTreeMap<Decimal, Decimal> = before.asks.iter().copied().collect();

    let bought: Fresh<NewOrder> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.1"),
            ],
        )
        .await
        .unwrap();
    let o = bought.read().unwrap();
    assert_eq!(
        (o.status.as_str(), o.executed_qty, o.price),
        ("FILLED", dec!(0.1), dec!(0))
    );
    assert_eq!(o.fills.iter().map(|f| f.qty).sum::<Decimal>(), dec!(0.1));
    assert_eq!(
        o.fills.iter().map(|f| f.price * f.qty).sum::<Decimal>(),
        o.cummulative_quote_qty
    );
    assert!(o
        .fills
        .iter()
        .all(|f| f.commission.is_zero() && f.commission_asset == "BTC"));
    // Best prices first, each level taken whole but the last.
    let best: Vec<_> = asks.iter().take(o.fills.len()).collect();
    for (fill, (price, qty)) in o.fills.iter().zip(&best) {
        assert_eq!(fill.price, **price);
        assert!(fill.qty <= **qty);
    }
    let cost = o.cummulative_quote_qty;

    // The fill took that liquidity out of the book, and the stream says so.
    let event = loop {
        let event = next_event(&mut socket).await;
        if event.final_update_id > before.last_update_id {
            break event;
        }
    };
    assert_eq!(event.first_update_id, before.last_update_id + 1);
    assert!(event.bids.is_empty());
    for (fill, (price, left)) in o.fills.iter().zip(&event.asks) {
        assert_eq!((fill.price, asks[price] - fill.qty), (*price, *left));
    }

    let acct = account(&client).await;
    assert_eq!(balance(&acct, "BTC"), (dec!(1.1), dec!(0)));
    assert_eq!(balance(&acct, "USDT"), (dec!(10000) - cost, dec!(0)));
    let filled: Fresh<Order> = client
        .signed_get(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", &o.order_id.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(filled.read().unwrap().status, "FILLED");

    let sold: Fresh<NewOrder> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "MARKET"),
                ("quantity", "0.5"),
            ],
        )
        .await
        .unwrap();
    let s = sold.read().unwrap();
    assert_eq!((s.status.as_str(), s.executed_qty), ("FILLED", dec!(0.5)));
    let proceeds = s.cummulative_quote_qty;
    let acct = account(&client).await;
    assert_eq!(balance(&acct, "BTC"), (dec!(0.6), dec!(0)));
    assert_eq!(
        balance(&acct, "USDT"),
        (dec!(10000) - cost + proceeds, dec!(0))
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn crossing_limit_orders_fill_and_sell_orders_lock_the_base_asset() {
    let ex = exchange().await;
    let client = signed_client(&ex);
    // A sell far above the book rests and locks BTC.
    let resting: Fresh<NewOrder> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "SELL"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.3"),
                ("price", "90000"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(resting.read().unwrap().status, "NEW");
    assert_eq!(
        balance(&account(&client).await, "BTC"),
        (dec!(0.7), dec!(0.3))
    );

    // A buy far above the book fills at once at the book's (better) prices.
    let crossing: Fresh<NewOrder> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "IOC"),
                ("quantity", "0.001"),
                ("price", "80000"),
            ],
        )
        .await
        .unwrap();
    let o = crossing.read().unwrap();
    assert_eq!((o.status.as_str(), o.executed_qty), ("FILLED", dec!(0.001)));
    assert!(o.cummulative_quote_qty < dec!(80));
    ex.shutdown().await;
}

#[tokio::test]
async fn order_rejections_use_binance_codes() {
    let ex = exchange().await;
    let client = signed_client(&ex);
    let cases: &[(&[(&str, &str)], i64)] = &[
        // Not enough USDT for 1 BTC.
        (
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "1"),
                ("price", "50000"),
            ],
            -2010,
        ),
        // Not enough BTC.
        (
            &[("side", "SELL"), ("type", "MARKET"), ("quantity", "2")],
            -2010,
        ),
        // Price off the tick, quantity off the step, notional below the minimum.
        (
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", "50000.005"),
            ],
            -1013,
        ),
        (
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.000011"),
                ("price", "50000"),
            ],
            -1013,
        ),
        (
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.00001"),
                ("price", "50000"),
            ],
            -1013,
        ),
        // Missing parameters.
        (
            &[
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("quantity", "0.01"),
                ("price", "50000"),
            ],
            -1102,
        ),
        (&[("side", "BUY"), ("type", "MARKET")], -1102),
        // Bad values.
        (
            &[("side", "UP"), ("type", "MARKET"), ("quantity", "0.01")],
            -1117,
        ),
        (
            &[("side", "BUY"), ("type", "STOP"), ("quantity", "0.01")],
            -1116,
        ),
        (
            &[("side", "BUY"), ("type", "MARKET"), ("quantity", "abc")],
            -1100,
        ),
    ];
    for (params, code) in cases {
        let mut all = vec![("symbol", "BTCUSDT")];
        all.extend_from_slice(params);
        let err = client
            .signed_post::<NewOrder, _>("/api/v3/order", &all)
            .await
            .expect_err("rejected");
        assert!(
            matches!(err, RequestError::Exchange { status: 400, code: c, .. } if c == *code),
            "{params:?}: {err}"
        );
    }
    let err = client
        .signed_post::<NewOrder, _>(
            "/api/v3/order",
            &[
                ("symbol", "NOPE"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "1"),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Exchange { code: -1121, .. }),
        "{err}"
    );
    let err = client
        .signed_get::<Order, _>("/api/v3/order", &[("symbol", "BTCUSDT"), ("orderId", "42")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Exchange { code: -2013, .. }),
        "{err}"
    );
    let err = client
        .signed_delete::<CanceledOrder, _>(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", "42")],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Exchange { code: -2011, .. }),
        "{err}"
    );
    let err = client
        .signed_get::<Order, _>("/api/v3/order", &[("symbol", "BTCUSDT")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Exchange { code: -1102, .. }),
        "{err}"
    );
    // Nothing was placed, so nothing moved.
    assert_eq!(
        balance(&account(&client).await, "USDT"),
        (dec!(10000), dec!(0))
    );
    ex.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Signed-endpoint security, with hand-built requests.
// ---------------------------------------------------------------------------------------------

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

async fn raw(
    ex: &MockExchange,
    method: reqwest::Method,
    key: Option<&str>,
    query: &str,
    body: &str,
) -> (u16, serde_json::Value) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}/api/v3/account?{query}", ex.http_url()));
    if let Some(key) = key {
        request = request.header("X-MBX-APIKEY", key);
    }
    if !body.is_empty() {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, body_json(response).await)
}

#[tokio::test]
async fn signed_endpoints_check_key_timestamp_and_signature_like_binance() {
    let ex = exchange().await;
    let signer = Signer::new("test-secret");
    let get = reqwest::Method::GET;
    let query = format!("recvWindow=5000&timestamp={}", now_ms());
    let good = format!("{query}&signature={}", signer.sign(&query));

    let (status, ok) = raw(&ex, get.clone(), Some("test-key"), &good, "").await;
    assert_eq!(status, 200, "{ok}");
    assert!(ok["balances"].is_array());

    let (status, e) = raw(&ex, get.clone(), None, &good, "").await;
    assert_eq!((status, e["code"].as_i64()), (401, Some(-2014)));
    let (status, e) = raw(&ex, get.clone(), Some("other-key"), &good, "").await;
    assert_eq!((status, e["code"].as_i64()), (401, Some(-2015)));
    assert_eq!(e["msg"], "Invalid API-key, IP, or permissions for action.");

    // One flipped hex digit in the signature.
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let (status, e) = raw(&ex, get.clone(), Some("test-key"), &tampered, "").await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(-1022)));
    // A parameter changed after signing.
    let changed = good.replace("recvWindow=5000", "recvWindow=6000");
    let (_, e) = raw(&ex, get.clone(), Some("test-key"), &changed, "").await;
    assert_eq!(e["code"], -1022);

    let stale = format!("recvWindow=5000&timestamp={}", now_ms() - 6_000);
    let stale = format!("{stale}&signature={}", signer.sign(&stale));
    let (status, e) = raw(&ex, get.clone(), Some("test-key"), &stale, "").await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(-1021)));
    // The same age inside a wider window is accepted.
    let wide = format!("recvWindow=10000&timestamp={}", now_ms() - 6_000);
    let wide = format!("{wide}&signature={}", signer.sign(&wide));
    assert_eq!(
        raw(&ex, get.clone(), Some("test-key"), &wide, "").await.0,
        200
    );
    let too_wide = format!("recvWindow=60001&timestamp={}", now_ms());
    let too_wide = format!("{too_wide}&signature={}", signer.sign(&too_wide));
    assert_eq!(
        raw(&ex, get.clone(), Some("test-key"), &too_wide, "")
            .await
            .1["code"],
        -1131
    );

    let (_, e) = raw(&ex, get.clone(), Some("test-key"), "recvWindow=5000", "").await;
    assert_eq!(e["code"], -1102, "no signature");
    let unsigned_ts = "recvWindow=5000&signature=00";
    let (_, e) = raw(&ex, get.clone(), Some("test-key"), unsigned_ts, "").await;
    assert_eq!(e["code"], -1102, "no timestamp");
    let twice = format!("{good}&timestamp=1");
    assert_eq!(
        raw(&ex, get.clone(), Some("test-key"), &twice, "").await.1["code"],
        -1101
    );

    // Binance's mixed form: part in the query, part in the body; the signature covers the query
    // string followed directly by the body.
    let (q, b) = (
        "recvWindow=5000".to_owned(),
        format!("timestamp={}", now_ms()),
    );
    let signature = signer.sign(&format!("{q}{b}"));
    let (status, ok) = raw(
        &ex,
        get,
        Some("test-key"),
        &q,
        &format!("{b}&signature={signature}"),
    )
    .await;
    assert_eq!(status, 200, "{ok}");
    ex.shutdown().await;
}

#[tokio::test]
async fn rest_faults_apply_to_signed_endpoints_and_truncated_orders_still_execute() {
    let ex = exchange().await;
    let client = signed_client(&ex);
    // A response lost in transit does not undo the order: the status is unknown to the client
    // until it asks again, as with a real exchange's 5xx or a cut connection.
    ex.faults().truncate_next_responses(1);
    let err = client
        .signed_post::<NewOrder, _>(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.01"),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Truncated { .. })),
        "{err}"
    );
    assert_eq!(balance(&account(&client).await, "BTC").0, dec!(1.01));

    // A rejected request (injected error) is not executed.
    ex.faults().error_next_requests(
        1,
        503,
        -1008,
        "Server is currently overloaded with other requests.",
    );
    let err = client
        .signed_post::<NewOrder, _>(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "MARKET"),
                ("quantity", "0.01"),
            ],
        )
        .await
        .unwrap_err();
    assert_eq!(err.exchange_kind(), Some(ExchangeErrorKind::Unavailable));
    assert_eq!(balance(&account(&client).await, "BTC").0, dec!(1.01));
    ex.shutdown().await;
}
