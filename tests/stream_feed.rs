//! The typed stream feed against real WebSocket servers on 127.0.0.1, and Binance's documented
//! stream payloads decoded into the crate's types.

mod support;

use std::time::Duration;

use hft_cache::book::DepthUpdate;
use hft_cache::feed::binance::{AggTrade, BookTicker, KlineEvent, Ticker24h, Trade};
use hft_cache::feed::{StreamFeed, StreamFeedHandle};
use hft_cache::stream_cache::{FeedFault, StreamReadError};
use hft_cache::StreamCache;
use rust_decimal_macros::dec;
use support::{wait_until, Conn, Server};

// Binance's examples, verbatim from web-socket-streams.md (binance-spot-api-docs), comments
// and all.
const AGG_TRADE: &str = r#"
{
    "e": "aggTrade",        // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "a": 12345,             // Aggregate trade ID
    "p": "0.001",           // Price
    "q": "100",             // Quantity
    "f": 100,               // First trade ID
    "l": 105,               // Last trade ID
    "T": 1672515782136,     // Trade time
    "m": true,              // Is the buyer the market maker?
    "M": true               // Ignore
}
"#;

const TRADE: &str = r#"
{
    "e": "trade",           // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "t": 12345,             // Trade ID
    "p": "0.001",           // Price
    "q": "100",             // Quantity
    "T": 1672515782136,     // Trade time
    "m": true,              // Is the buyer the market maker?
    "M": true               // Ignore
}
"#;

const KLINE: &str = r#"
{
    "e": "kline",               // Event type
    "E": 1672515782136,         // Event time
    "s": "BNBBTC",              // Symbol
    "k": {
        "t": 1672515780000,     // Kline start time
        "T": 1672515839999,     // Kline close time
        "s": "BNBBTC",          // Symbol
        "i": "1m",              // Interval
        "f": 100,               // First trade ID
        "L": 200,               // Last trade ID
        "o": "0.0010",          // Open price
        "c": "0.0020",          // Close price
        "h": "0.0025",          // High price
        "l": "0.0015",          // Low price
        "v": "1000",            // Base asset volume
        "n": 100,               // Number of trades
        "x": false,             // Is this kline closed?
        "q": "1.0000",          // Quote asset volume
        "V": "500",             // Taker buy base asset volume
        "Q": "0.500",           // Taker buy quote asset volume
        "B": "123456"           // Ignore
    }
}
"#;

const TICKER: &str = r#"
{
    "e": "24hrTicker",      // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "p": "0.0015",          // Price change
    "P": "250.00",          // Price change percent
    "w": "0.0018",          // Weighted average price
    "x": "0.0009",          // First trade(F)-1 price (first trade before the 24hr rolling window)
    "c": "0.0025",          // Last price
    "Q": "10",              // Last quantity
    "b": "0.0024",          // Best bid price
    "B": "10",              // Best bid quantity
    "a": "0.0026",          // Best ask price
    "A": "100",             // Best ask quantity
    "o": "0.0010",          // Open price
    "h": "0.0025",          // High price
    "l": "0.0010",          // Low price
    "v": "10000",           // Total traded base asset volume
    "q": "18",              // Total traded quote asset volume
    "O": 0,                 // Statistics open time
    "C": 86400000,          // Statistics close time
    "F": 0,                 // First trade ID
    "L": 18150,             // Last trade Id
    "n": 18151              // Total number of trades
}
"#;

const BOOK_TICKER: &str = r#"
{
    "u": 400900217,         // order book updateId
    "s": "BNBUSDT",         // symbol
    "b": "25.35190000",     // best bid price
    "B": "31.21000000",     // best bid qty
    "a": "25.36520000",     // best ask price
    "A": "40.66000000"      // best ask qty
}
"#;

const DEPTH_UPDATE: &str = r#"
{
    "e": "depthUpdate",     // Event type
    "E": 1672515782136,     // Event time
    "s": "BNBBTC",          // Symbol
    "U": 157,               // First update ID in event
    "u": 160,               // Final update ID in event
    "b": [                  // Bids to be updated
        [
            "0.0024",       // Price level to be updated
            "10"            // Quantity
        ]
    ],
    "a": [                  // Asks to be updated
        [
            "0.0026",       // Price level to be updated
            "100"           // Quantity
        ]
    ]
}
"#;

/// The docs annotate their JSON with `//` comments; no string in these examples holds `//`.
fn json(example: &str) -> String {
    example
        .lines()
        .map(|line| line.split("//").next().unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn binance_documented_stream_payloads_decode() {
    let trade: Trade = serde_json::from_str(&json(TRADE)).unwrap();
    assert_eq!((trade.symbol.as_str(), trade.trade_id), ("BNBBTC", 12345));
    assert_eq!((trade.price, trade.qty), (dec!(0.001), dec!(100)));
    assert_eq!(trade.trade_time, 1672515782136);
    assert!(trade.buyer_is_maker);

    let agg: AggTrade = serde_json::from_str(&json(AGG_TRADE)).unwrap();
    assert_eq!(
        (agg.agg_trade_id, agg.first_trade_id, agg.last_trade_id),
        (12345, 100, 105)
    );
    assert_eq!(agg.price, dec!(0.001));

    let book: BookTicker = serde_json::from_str(&json(BOOK_TICKER)).unwrap();
    assert_eq!(
        (book.update_id, book.symbol.as_str()),
        (400900217, "BNBUSDT")
    );
    assert_eq!(
        (book.bid_price, book.ask_qty),
        (dec!(25.35190000), dec!(40.66000000))
    );

    let ticker: Ticker24h = serde_json::from_str(&json(TICKER)).unwrap();
    assert_eq!(ticker.price_change_percent, dec!(250.00));
    assert_eq!(
        (ticker.last_price, ticker.prev_price),
        (dec!(0.0025), dec!(0.0009))
    );
    assert_eq!(
        (ticker.close_time, ticker.last_trade_id, ticker.trades),
        (86400000, 18150, 18151)
    );

    let kline: KlineEvent = serde_json::from_str(&json(KLINE)).unwrap();
    assert_eq!(kline.kline.interval, "1m");
    assert_eq!(
        (kline.kline.open, kline.kline.high),
        (dec!(0.0010), dec!(0.0025))
    );
    assert_eq!((kline.kline.trades, kline.kline.closed), (100, false));
    assert_eq!(kline.kline.taker_buy_quote_volume, dec!(0.500));

    let depth: DepthUpdate = serde_json::from_str(&json(DEPTH_UPDATE)).unwrap();
    assert_eq!((depth.first_update_id, depth.last_update_id), (157, 160));
    assert_eq!(depth.bids, [(dec!(0.0024), dec!(10))]);
    assert_eq!(depth.asks, [(dec!(0.0026), dec!(100))]);

    // A trade frame is not a book ticker: the types do not accept each other's payloads.
    assert!(serde_json::from_str::<BookTicker>(&json(TRADE)).is_err());
    assert!(serde_json::from_str::<Trade>(&json(AGG_TRADE)).is_err());
}

fn trade(symbol: &str, id: u64, price: &str) -> String {
    format!(
        r#"{{"e":"trade","E":1672515782136,"s":"{symbol}","t":{id},"p":"{price}","q":"1.5","T":1672515782136,"m":false,"M":true}}"#
    )
}

fn book_ticker(symbol: &str, update_id: u64) -> String {
    format!(
        r#"{{"stream":"{}@bookTicker","data":{{"u":{update_id},"s":"{symbol}","b":"25.35","B":"31.21","a":"25.36","A":"40.66"}}}}"#,
        symbol.to_lowercase()
    )
}

const SHUTDOWN_COMBINED: &str =
    r#"{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}"#;

/// The feed's settings in these tests: a dead link is found in 1 s, pings every 100 ms.
fn feed(server: &Server) -> hft_cache::feed::StreamFeedBuilder {
    StreamFeed::builder(&server.ws_url)
        .name("binance-ws")
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
}

struct Combined {
    server: Server,
    conn: Conn,
    tickers: StreamCache<String, BookTicker>,
    feed: StreamFeedHandle,
}

/// A combined book-ticker feed for BTC and ETH, with one value each.
async fn combined() -> Combined {
    let mut server = Server::start().await;
    let tickers = StreamCache::<String, BookTicker>::builder()
        .name("book-tickers")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = feed(&server)
        .streams(["btcusdt@bookTicker", "ethusdt@bookTicker"])
        .spawn(&tickers)
        .unwrap();
    let conn = server.accept().await;
    assert_eq!(conn.path, "/stream");
    assert_eq!(
        conn.query.as_deref(),
        Some("streams=btcusdt@bookTicker/ethusdt@bookTicker")
    );
    conn.send(book_ticker("BTCUSDT", 1));
    conn.send(book_ticker("ETHUSDT", 2));
    wait_until("both tickers", || {
        tickers.read("BTCUSDT", |_| ()).is_ok() && tickers.read("ETHUSDT", |_| ()).is_ok()
    })
    .await;
    Combined {
        server,
        conn,
        tickers,
        feed,
    }
}

#[tokio::test]
async fn a_raw_trade_stream_keeps_the_latest_trade_per_symbol() {
    let mut server = Server::start().await;
    let trades = StreamCache::<String, Trade>::builder()
        .name("trades")
        .build()
        .unwrap();
    let feed = feed(&server)
        .streams(["btcusdt@trade"])
        .spawn(&trades)
        .unwrap();
    let conn = server.accept().await;
    assert_eq!(
        (conn.path.as_str(), conn.query.as_deref()),
        ("/ws/btcusdt@trade", None)
    );
    assert!(matches!(
        trades.read("BTCUSDT", |_| ()),
        Err(StreamReadError::Missing { .. })
    ));
    conn.send(trade("BTCUSDT", 1, "60000.10"));
    conn.send(trade("BTCUSDT", 2, "60000.20"));
    wait_until("the second trade", || {
        trades.read("BTCUSDT", |t| t.trade_id) == Ok(2)
    })
    .await;
    assert_eq!(trades.read("BTCUSDT", |t| t.price), Ok(dec!(60000.20)));
    let health = feed.health();
    assert_eq!((health.symbol.as_str(), health.events), ("binance-ws", 2));
    assert!(health.connected && health.last_fault.is_none());
}

#[tokio::test]
async fn combined_streams_are_unwrapped_and_replies_skipped() {
    let c = combined().await;
    c.conn.send(r#"{"result":null,"id":1}"#);
    c.conn.send(book_ticker("BTCUSDT", 3));
    wait_until("the update", || {
        c.tickers.read("BTCUSDT", |t| t.update_id) == Ok(3)
    })
    .await;
    assert_eq!(c.tickers.read("ETHUSDT", |t| t.update_id), Ok(2));
    let health = c.feed.health();
    assert_eq!(health.events, 3);
    assert!(health.last_fault.is_none(), "{health:?}");
}

#[tokio::test]
async fn a_klines_cache_is_keyed_by_symbol_and_interval() {
    let mut server = Server::start().await;
    let klines = StreamCache::<(String, String), KlineEvent>::builder()
        .name("klines")
        .build()
        .unwrap();
    let _feed = feed(&server)
        .streams(["bnbbtc@kline_1m"])
        .combined(true)
        .spawn(&klines)
        .unwrap();
    let conn = server.accept().await;
    assert_eq!(conn.query.as_deref(), Some("streams=bnbbtc@kline_1m"));
    conn.send(format!(
        r#"{{"stream":"bnbbtc@kline_1m","data":{}}}"#,
        json(KLINE)
    ));
    let key = ("BNBBTC".to_owned(), "1m".to_owned());
    wait_until("the kline", || klines.read(&key, |_| ()).is_ok()).await;
    assert_eq!(klines.read(&key, |k| k.kline.close), Ok(dec!(0.0020)));
}

/// Garbage makes every key unreadable; the first fresh value afterwards makes the feed healthy
/// again, and values from before the fault are never served again.
#[tokio::test]
async fn after_garbage_only_values_received_since_are_served() {
    let c = combined().await;
    c.conn
        .send(r#"{"stream":"btcusdt@bookTicker","data":{"u":"#);
    wait_until("the fault", || {
        matches!(
            c.tickers.read("BTCUSDT", |_| ()),
            Err(StreamReadError::FeedUnhealthy {
                fault: FeedFault::InvalidData(_),
                ..
            })
        )
    })
    .await;
    assert!(c.tickers.read("ETHUSDT", |_| ()).is_err());
    c.conn.send(book_ticker("BTCUSDT", 10));
    wait_until("recovery", || {
        c.tickers.read("BTCUSDT", |t| t.update_id) == Ok(10)
    })
    .await;
    assert!(
        matches!(
            c.tickers.read("ETHUSDT", |_| ()),
            Err(StreamReadError::Missing { .. })
        ),
        "ETH's value from before the fault must not come back"
    );
    c.conn.send(book_ticker("ETHUSDT", 11));
    wait_until("ETH again", || {
        c.tickers.read("ETHUSDT", |t| t.update_id) == Ok(11)
    })
    .await;
    assert_eq!(c.feed.health().reconnects, 0);
}

/// `serverShutdown` opens a new link at once; it is not a fault, so nothing is refused.
#[tokio::test]
async fn server_shutdown_reconnects_without_a_fault() {
    let mut c = combined().await;
    c.conn.send(SHUTDOWN_COMBINED);
    let next = c
        .server
        .reconnected_within(Duration::from_secs(5))
        .await
        .expect("no new link after serverShutdown");
    assert_eq!(next.path, "/stream");
    let health = c.feed.health();
    assert_eq!(health.reconnects, 1);
    assert!(health.last_fault.is_none(), "{health:?}");
    assert_eq!(c.tickers.read("BTCUSDT", |t| t.update_id), Ok(1));
    next.send(book_ticker("BTCUSDT", 5));
    wait_until("data on the new link", || {
        c.tickers.read("BTCUSDT", |t| t.update_id) == Ok(5)
    })
    .await;
}

/// A link that stops answering pings is dead: the feed is refused and reconnects.
#[tokio::test]
async fn a_dead_link_is_silent_and_reconnected() {
    let mut c = combined().await;
    c.conn.mute();
    wait_until("silence", || {
        matches!(c.feed.health().last_fault, Some(FeedFault::Silent { .. }))
    })
    .await;
    assert!(matches!(
        c.tickers.read("BTCUSDT", |_| ()),
        Err(StreamReadError::FeedUnhealthy { .. })
    ));
    let next = c
        .server
        .reconnected_within(Duration::from_secs(5))
        .await
        .expect("no reconnect after silence");
    next.send(book_ticker("BTCUSDT", 20));
    wait_until("recovery", || {
        c.tickers.read("BTCUSDT", |t| t.update_id) == Ok(20)
    })
    .await;
}

/// A quiet link that answers pings is kept; its values age out through the cache's max age.
#[tokio::test]
async fn a_quiet_live_link_is_kept_and_its_values_age_out() {
    let mut server = Server::start().await;
    let tickers = StreamCache::<String, BookTicker>::builder()
        .name("book-tickers")
        .max_age(Duration::from_millis(300))
        .build()
        .unwrap();
    let feed = feed(&server)
        .streams(["btcusdt@bookTicker"])
        .silence_timeout(Duration::from_secs(1))
        .spawn(&tickers)
        .unwrap();
    let conn = server.accept().await;
    conn.send(r#"{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"}"#);
    wait_until("the ticker", || tickers.read("BTCUSDT", |_| ()).is_ok()).await;
    // Two silence timeouts without data.
    assert!(
        server
            .reconnected_within(Duration::from_secs(2))
            .await
            .is_none(),
        "a quiet, live link was reconnected"
    );
    let health = feed.health();
    assert!(
        health.last_fault.is_none() && health.connected,
        "{health:?}"
    );
    assert!(
        health.last_frame_age < Some(Duration::from_secs(1)),
        "pongs: {health:?}"
    );
    assert!(matches!(
        tickers.read("BTCUSDT", |_| ()),
        Err(StreamReadError::Stale { .. })
    ));
    drop(conn);
}

#[tokio::test]
async fn dropping_the_feed_closes_its_values() {
    let c = combined().await;
    drop(c.feed);
    assert!(matches!(
        c.tickers.read("BTCUSDT", |_| ()),
        Err(StreamReadError::FeedUnhealthy {
            fault: FeedFault::Closed,
            ..
        })
    ));
}

#[tokio::test]
async fn impossible_settings_are_refused() {
    let server = Server::start().await;
    let tickers = StreamCache::<String, BookTicker>::builder()
        .build()
        .unwrap();
    let no_streams = StreamFeed::builder(&server.ws_url).spawn(&tickers);
    assert!(matches!(
        no_streams,
        Err(hft_cache::feed::FeedBuildError::NoSymbols)
    ));
    let ping_too_slow = StreamFeed::builder(&server.ws_url)
        .streams(["btcusdt@bookTicker"])
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_secs(2))
        .spawn(&tickers);
    assert!(matches!(
        ping_too_slow,
        Err(hft_cache::feed::FeedBuildError::PingNotBelowSilence)
    ));
}

/// A Bybit v5 `publicTrade` push: the value type is the push itself, keyed by its topic.
#[derive(hft_cache::Streamed, serde::Deserialize, Debug)]
struct BybitTrades {
    topic: String,
    data: Vec<BybitTrade>,
}

#[derive(hft_cache::Streamed, serde::Deserialize, Debug)]
struct BybitTrade {
    #[serde(rename = "p")]
    price: rust_decimal::Decimal,
    #[serde(rename = "v")]
    qty: rust_decimal::Decimal,
    #[serde(rename = "S")]
    side: String,
}

impl hft_cache::feed::Keyed for BybitTrades {
    type Key = String;
    fn key(&self) -> String {
        self.topic.clone()
    }
}

/// Any venue: a URL, a subscription, the venue's own heartbeat and replies.
#[tokio::test]
async fn another_venues_stream_with_its_subscription_heartbeat_and_replies() {
    let mut server = Server::start().await;
    let trades = StreamCache::<String, BybitTrades>::builder()
        .name("bybit-trades")
        .build()
        .unwrap();
    let feed = StreamFeed::at_url(format!("{}/v5/public/spot", server.ws_url))
        .name("bybit")
        .subscribe_message(r#"{"op":"subscribe","args":["publicTrade.BTCUSDT"]}"#)
        .heartbeat(r#"{"op":"ping"}"#)
        .skip_frames(|text| text.contains(r#""op":"#))
        .silence_timeout(Duration::from_secs(1))
        .ping_interval(Duration::from_millis(100))
        .spawn(&trades)
        .unwrap();
    let mut conn = server.accept().await;
    assert_eq!(
        (conn.path.as_str(), conn.query.as_deref()),
        ("/v5/public/spot", None)
    );
    assert_eq!(
        conn.received().await,
        r#"{"op":"subscribe","args":["publicTrade.BTCUSDT"]}"#
    );
    conn.send(r#"{"success":true,"ret_msg":"subscribe","conn_id":"2324d924","op":"subscribe"}"#);
    assert_eq!(conn.received().await, r#"{"op":"ping"}"#);
    conn.send(r#"{"success":true,"ret_msg":"pong","conn_id":"465772b1","op":"ping"}"#);
    conn.send(r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]}"#);
    wait_until("the trade", || {
        trades.read("publicTrade.BTCUSDT", |_| ()).is_ok()
    })
    .await;
    let (price, qty, side) = trades
        .read("publicTrade.BTCUSDT", |t| {
            (t.data[0].price, t.data[0].qty, t.data[0].side.clone())
        })
        .unwrap();
    assert_eq!(
        (price, qty, side.as_str()),
        (dec!(16578.50), dec!(0.001), "Buy")
    );
    let health = feed.health();
    assert!(
        health.last_fault.is_none(),
        "replies are not faults: {health:?}"
    );
    assert_eq!(health.events, 1);
}
