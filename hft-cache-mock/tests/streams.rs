//! The WebSocket protocol and every stream over real sockets: raw and combined connections,
//! live subscriptions, each stream's payload against the docs' example, the two depth cadences,
//! server pings, `serverShutdown`, the connection lifetime, and the stream faults.

mod common;

use std::time::Duration;

use common::{
    assert_shape, connect, next_frame, next_json, next_matching, request, send_json, Frame,
};
use futures_util::StreamExt;
use hft_cache_mock::MockExchange;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec_of(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}

fn is_event(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |v| v["e"] == kind
}

#[tokio::test]
async fn subscribe_list_and_unsubscribe_on_a_bare_ws_connection() {
    let ex = common::exchange().await;
    let mut ws = connect(&format!("{}/ws", ex.ws_url())).await;
    let reply = request(
        &mut ws,
        json!({"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade", "btcusdt@depth@100ms"], "id": 1}),
    )
    .await;
    assert_eq!(reply, json!({"result": null, "id": 1}));
    let listed = request(
        &mut ws,
        json!({"method": "LIST_SUBSCRIPTIONS", "id": "list1"}),
    )
    .await;
    assert_eq!(
        listed,
        json!({"result": ["btcusdt@aggTrade", "btcusdt@depth@100ms"], "id": "list1"})
    );
    next_matching(&mut ws, is_event("depthUpdate")).await;

    let reply = request(
        &mut ws,
        json!({"method": "UNSUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 312}),
    )
    .await;
    assert_eq!(reply, json!({"result": null, "id": 312}));
    let listed = request(&mut ws, json!({"method": "LIST_SUBSCRIPTIONS", "id": 3})).await;
    assert_eq!(listed["result"], json!(["btcusdt@aggTrade"]));
    // Frames already in flight may still arrive; after the reply to a later request, none do.
    let _ = request(&mut ws, json!({"method": "LIST_SUBSCRIPTIONS", "id": 4})).await;
    for _ in 0..20 {
        let v = next_json(&mut ws).await;
        assert_ne!(
            v["e"], "depthUpdate",
            "unsubscribed stream still sends: {v}"
        );
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn request_errors_use_the_documented_codes() {
    let ex = common::exchange().await;
    let mut ws = connect(&format!("{}/ws", ex.ws_url())).await;
    send_json(&mut ws, json!("not an object")).await;
    ws.send_text("{not json").await;
    let bad_json = next_json(&mut ws).await;
    assert_eq!(
        bad_json["code"], 2,
        "a JSON value without `method`: {bad_json}"
    );
    let bad_json = next_json(&mut ws).await;
    assert_eq!(bad_json["code"], 3, "{bad_json}");
    let unknown = request(
        &mut ws,
        json!({"method": "SUBSCRIBEX", "params": [], "id": 7}),
    )
    .await;
    assert_eq!(unknown["code"], 2);
    let bad_stream = request(
        &mut ws,
        json!({"method": "SUBSCRIBE", "params": ["btcusdt@depth7"], "id": 8}),
    )
    .await;
    assert_eq!(bad_stream["code"], 2);
    let bad_symbol = request(
        &mut ws,
        json!({"method": "SUBSCRIBE", "params": ["xrpusdt@trade"], "id": 9}),
    )
    .await;
    assert_eq!(bad_symbol["code"], 2);
    send_json(
        &mut ws,
        json!({"method": "LIST_SUBSCRIPTIONS", "id": {"nested": true}}),
    )
    .await;
    let bad_id = next_json(&mut ws).await;
    assert_eq!(bad_id["code"], 2, "{bad_id}");
    let property = request(
        &mut ws,
        json!({"method": "GET_PROPERTY", "params": ["combined"], "id": 10}),
    )
    .await;
    assert_eq!(property, json!({"result": false, "id": 10}));
    let unknown_property = request(
        &mut ws,
        json!({"method": "GET_PROPERTY", "params": ["speed"], "id": 11}),
    )
    .await;
    assert_eq!(unknown_property["code"], 0);
    let bad_value = request(
        &mut ws,
        json!({"method": "SET_PROPERTY", "params": ["combined", 1], "id": 12}),
    )
    .await;
    assert_eq!(bad_value["code"], 1);
    ex.shutdown().await;
}

/// `send_text` for tests: a raw frame that need not be JSON.
trait SendText {
    async fn send_text(&mut self, text: &str);
}

impl SendText for common::Socket {
    async fn send_text(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.send(tokio_tungstenite::tungstenite::Message::Text(
            text.to_owned().into(),
        ))
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn combined_streams_wrap_events_with_their_stream_name() {
    let ex = common::exchange().await;
    let url = ex.combined_stream_url(&["btcusdt@bookTicker", "ethusdt@depth5@100ms"]);
    assert!(url.ends_with("/stream?streams=btcusdt@bookTicker/ethusdt@depth5@100ms"));
    let mut ws = connect(&url).await;
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 2 {
        let v = next_json(&mut ws).await;
        assert_shape(&v, &[("stream", "string"), ("data", "object")]);
        seen.insert(v["stream"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["btcusdt@bookTicker", "ethusdt@depth5@100ms"]
    );
    let listed = request(&mut ws, json!({"method": "LIST_SUBSCRIPTIONS", "id": 1})).await;
    assert_eq!(
        listed["result"],
        json!(["btcusdt@bookTicker", "ethusdt@depth5@100ms"])
    );

    // SET_PROPERTY combined=false: the same events, unwrapped.
    let reply = request(
        &mut ws,
        json!({"method": "SET_PROPERTY", "params": ["combined", false], "id": 2}),
    )
    .await;
    assert_eq!(reply, json!({"result": null, "id": 2}));
    let raw = next_matching(&mut ws, |v| {
        v.get("lastUpdateId").is_some() || v.get("u").is_some()
    })
    .await;
    assert!(raw.get("stream").is_none(), "{raw}");
    ex.shutdown().await;
}

#[tokio::test]
async fn raw_paths_take_several_streams_and_ignore_a_connection_index() {
    let ex = common::exchange().await;
    // ccxt connects to /ws/<index> and subscribes afterwards.
    let mut ws = connect(&format!("{}/ws/0", ex.ws_url())).await;
    let listed = request(&mut ws, json!({"method": "LIST_SUBSCRIPTIONS", "id": 1})).await;
    assert_eq!(listed["result"], json!([]));
    let mut two = connect(&format!("{}/ws/btcusdt@trade/btcusdt@depth", ex.ws_url())).await;
    let listed = request(&mut two, json!({"method": "LIST_SUBSCRIPTIONS", "id": 1})).await;
    assert_eq!(listed["result"], json!(["btcusdt@trade", "btcusdt@depth"]));
    for bad in [
        "/ws/btcusdt@nope",
        "/ws/xrpusdt@trade",
        "/stream?streams=btcusdt@depth@250ms",
    ] {
        let url = format!("{}{bad}", ex.ws_url());
        assert!(
            tokio_tungstenite::connect_async(url).await.is_err(),
            "{bad}"
        );
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn depth_speeds_publish_at_their_own_cadence_on_one_id_sequence() {
    // The standard speed never publishes within the test; the fast one does, often.
    let ex = common::builder()
        .depth_intervals(Duration::from_secs(3600), Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let mut slow = connect(&ex.stream_url("btcusdt@depth")).await;
    let mut fast = connect(&ex.stream_url("btcusdt@depth@100ms")).await;
    let snapshot = common::get(&ex, "/api/v3/depth?symbol=BTCUSDT&limit=1000")
        .await
        .body;
    let last = snapshot["lastUpdateId"].as_u64().unwrap();
    // The fast stream continues the snapshot's sequence, event after event.
    let mut book_id = last;
    let mut applied = 0;
    while applied < 5 {
        let e = next_json(&mut fast).await;
        let (first, final_) = (e["U"].as_u64().unwrap(), e["u"].as_u64().unwrap());
        if final_ <= book_id {
            continue;
        }
        assert!(
            first <= book_id + 1,
            "gap: book at {book_id}, event {first}..{final_}"
        );
        book_id = final_;
        applied += 1;
    }
    // Meanwhile the standard speed said nothing (pings aside): a quick request gets its reply
    // first.
    let reply = request(&mut slow, json!({"method": "LIST_SUBSCRIPTIONS", "id": 1})).await;
    assert_eq!(reply["result"], json!(["btcusdt@depth"]));
    ex.shutdown().await;
}

#[tokio::test]
async fn standard_depth_aggregates_a_period_of_changes_into_one_event() {
    let ex = common::builder()
        .depth_intervals(Duration::from_millis(200), Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let mut slow = connect(&ex.depth_stream_url("BTCUSDT")).await;
    let mut fast = connect(&ex.stream_url("btcusdt@depth@100ms")).await;
    let a = next_json(&mut slow).await;
    let b = next_json(&mut slow).await;
    assert_eq!(
        b["U"].as_u64().unwrap(),
        a["u"].as_u64().unwrap() + 1,
        "contiguous"
    );
    // The fast speed split the same id range into several events. (The two speeds' timers
    // are not in phase, so a fast event may straddle the slow one's edges: count those that
    // overlap it.)
    let mut fast_events = 0;
    loop {
        let e = next_json(&mut fast).await;
        let (first, last) = (e["U"].as_u64().unwrap(), e["u"].as_u64().unwrap());
        if first > b["u"].as_u64().unwrap() {
            break;
        }
        if last >= b["U"].as_u64().unwrap() {
            fast_events += 1;
        }
    }
    assert!(
        fast_events >= 2,
        "{fast_events} fast events in one 200 ms event"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn each_stream_payload_matches_the_docs() {
    let ex = common::exchange().await;
    let streams = [
        "btcusdt@trade",
        "btcusdt@aggTrade",
        "btcusdt@bookTicker",
        "btcusdt@ticker",
        "btcusdt@miniTicker",
        "btcusdt@kline_1m",
        "btcusdt@depth10",
        "btcusdt@depth",
    ];
    let mut ws = connect(&ex.combined_stream_url(&streams)).await;
    let mut payloads = std::collections::BTreeMap::new();
    while payloads.len() < streams.len() {
        let v = next_json(&mut ws).await;
        payloads.insert(v["stream"].as_str().unwrap().to_owned(), v["data"].clone());
    }
    let trade = &payloads["btcusdt@trade"];
    assert_shape(
        trade,
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("t", "number"),
            ("p", "string"),
            ("q", "string"),
            ("T", "number"),
            ("m", "bool"),
            ("M", "bool"),
        ],
    );
    assert_eq!(
        (trade["e"].as_str(), trade["s"].as_str()),
        (Some("trade"), Some("BTCUSDT"))
    );
    assert_shape(
        &payloads["btcusdt@aggTrade"],
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("a", "number"),
            ("p", "string"),
            ("q", "string"),
            ("f", "number"),
            ("l", "number"),
            ("T", "number"),
            ("m", "bool"),
            ("M", "bool"),
        ],
    );
    let bt = &payloads["btcusdt@bookTicker"];
    assert_shape(
        bt,
        &[
            ("u", "number"),
            ("s", "string"),
            ("b", "string"),
            ("B", "string"),
            ("a", "string"),
            ("A", "string"),
        ],
    );
    assert!(dec_of(&bt["b"]) < dec_of(&bt["a"]));
    let ticker = &payloads["btcusdt@ticker"];
    assert_shape(
        ticker,
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("p", "string"),
            ("P", "string"),
            ("w", "string"),
            ("x", "string"),
            ("c", "string"),
            ("Q", "string"),
            ("b", "string"),
            ("B", "string"),
            ("a", "string"),
            ("A", "string"),
            ("o", "string"),
            ("h", "string"),
            ("l", "string"),
            ("v", "string"),
            ("q", "string"),
            ("O", "number"),
            ("C", "number"),
            ("F", "number"),
            ("L", "number"),
            ("n", "number"),
        ],
    );
    assert_eq!(ticker["e"], "24hrTicker");
    assert_shape(
        &payloads["btcusdt@miniTicker"],
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("c", "string"),
            ("o", "string"),
            ("h", "string"),
            ("l", "string"),
            ("v", "string"),
            ("q", "string"),
        ],
    );
    let kline = &payloads["btcusdt@kline_1m"];
    assert_shape(
        kline,
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("k", "object"),
        ],
    );
    assert_shape(
        &kline["k"],
        &[
            ("t", "number"),
            ("T", "number"),
            ("s", "string"),
            ("i", "string"),
            ("f", "number"),
            ("L", "number"),
            ("o", "string"),
            ("c", "string"),
            ("h", "string"),
            ("l", "string"),
            ("v", "string"),
            ("n", "number"),
            ("x", "bool"),
            ("q", "string"),
            ("V", "string"),
            ("Q", "string"),
            ("B", "string"),
        ],
    );
    assert_eq!(kline["k"]["i"], "1m");
    assert_eq!(
        kline["k"]["T"].as_u64().unwrap(),
        kline["k"]["t"].as_u64().unwrap() + 59_999
    );
    let partial = &payloads["btcusdt@depth10"];
    assert_shape(
        partial,
        &[
            ("lastUpdateId", "number"),
            ("bids", "array"),
            ("asks", "array"),
        ],
    );
    assert_eq!(partial["bids"].as_array().unwrap().len(), 10);
    assert_shape(
        &payloads["btcusdt@depth"],
        &[
            ("e", "string"),
            ("E", "number"),
            ("s", "string"),
            ("U", "number"),
            ("u", "number"),
            ("b", "array"),
            ("a", "array"),
        ],
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn trades_book_ticker_and_partial_books_agree_with_rest() {
    // A still book: only the test's order moves it.
    let ex = common::builder()
        .stream_interval(Duration::from_secs(3600))
        .depth_intervals(Duration::from_millis(20), Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&ex.combined_stream_url(&[
        "btcusdt@trade",
        "btcusdt@bookTicker",
        "btcusdt@depth5@100ms",
    ]))
    .await;
    let order = common::signed(
        &ex,
        reqwest::Method::POST,
        "/api/v3/order",
        &[
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "MARKET"),
            ("quantity", "0.5"),
        ],
    )
    .await
    .body;
    let fill = &order["fills"][0];
    let depth = common::get(&ex, "/api/v3/depth?symbol=BTCUSDT&limit=5")
        .await
        .body;
    // The fill moves the best ask (bookTicker), trades (trade), and shows in the next partial
    // book; whatever order they come in.
    let (mut trade, mut ticker, mut partial) = (None, None, None);
    while trade.is_none() || ticker.is_none() || partial.is_none() {
        let v = next_json(&mut ws).await;
        let data = v["data"].clone();
        match v["stream"].as_str() {
            Some("btcusdt@trade") => {
                trade.get_or_insert(data);
            }
            Some("btcusdt@bookTicker") => {
                ticker.get_or_insert(data);
            }
            _ if data["lastUpdateId"] == depth["lastUpdateId"] => {
                partial.get_or_insert(v);
            }
            _ => {}
        }
    }
    let (trade, ticker, partial) = (trade.unwrap(), ticker.unwrap(), partial.unwrap());
    assert_eq!(
        (&trade["t"], &trade["p"], &trade["q"]),
        (&fill["tradeId"], &fill["price"], &fill["qty"])
    );
    assert_eq!(trade["m"], false, "the buyer was the taker");
    assert_eq!(
        (&ticker["a"], &ticker["A"]),
        (&depth["asks"][0][0], &depth["asks"][0][1])
    );
    assert_eq!(ticker["u"], depth["lastUpdateId"]);
    assert_eq!(partial["data"]["bids"], depth["bids"]);
    assert_eq!(partial["data"]["asks"], depth["asks"]);
    ex.shutdown().await;
}

#[tokio::test]
async fn kline_1s_and_ticker_follow_their_own_cadence() {
    let ex = common::builder()
        .stats_interval(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&ex.combined_stream_url(&["btcusdt@kline_1s", "btcusdt@kline_1h"])).await;
    // Every stats tick sends the 1s kline; the others every second tick.
    let mut one_s = 0;
    let mut one_h = 0;
    while one_s < 6 {
        let v = next_json(&mut ws).await;
        match v["data"]["k"]["i"].as_str() {
            Some("1s") => one_s += 1,
            Some("1h") => one_h += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(
        (2..=4).contains(&one_h),
        "{one_h} hourly klines for {one_s} one-second klines"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn server_shutdown_is_announced_then_the_socket_closes() {
    let ex = common::exchange().await;
    let mut raw = connect(&ex.stream_url("btcusdt@trade")).await;
    let mut combined = connect(&ex.combined_stream_url(&["btcusdt@trade"])).await;
    // Both sockets are live before the announcement.
    next_json(&mut raw).await;
    next_json(&mut combined).await;
    ex.faults().server_shutdown();
    let event = next_matching(&mut raw, is_event("serverShutdown")).await;
    assert_shape(&event, &[("e", "string"), ("E", "number")]);
    let wrapped = next_matching(&mut combined, |v| v["stream"] == "!serverShutdown").await;
    assert_eq!(wrapped["data"]["e"], "serverShutdown");
    for ws in [&mut raw, &mut combined] {
        loop {
            if let Frame::Closed(code) = next_frame(ws).await {
                assert_eq!(code, Some(1001));
                break;
            }
        }
    }
    // New connections are accepted.
    let mut again = connect(&ex.stream_url("btcusdt@trade")).await;
    next_json(&mut again).await;
    ex.shutdown().await;
}

#[tokio::test]
async fn connections_close_at_the_end_of_their_lifetime() {
    let ex = common::builder()
        .connection_lifetime(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&ex.stream_url("btcusdt@depth")).await;
    loop {
        if let Frame::Closed(code) = next_frame(&mut ws).await {
            assert_eq!(code, Some(1001));
            break;
        }
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn server_pings_every_interval_on_every_kind_of_connection() {
    let ex = common::builder()
        .ping_interval(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    for url in [
        format!("{}/ws", ex.ws_url()),
        ex.combined_stream_url(&["btcusdt@ticker"]),
    ] {
        let mut ws = connect(&url).await;
        let pinged = tokio::time::timeout(common::PATIENCE, async {
            while let Some(msg) = ws.next().await {
                if let Ok(tokio_tungstenite::tungstenite::Message::Ping(_)) = msg {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap();
        assert!(pinged, "{url}");
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn a_quiet_market_sends_no_depth_but_keeps_the_link_and_loses_nothing() {
    let ex: MockExchange = common::builder()
        .stats_interval(Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    let mut ws = connect(&ex.combined_stream_url(&["btcusdt@depth", "btcusdt@ticker"])).await;
    let last = next_matching(&mut ws, |v| v["stream"] == "btcusdt@depth").await["data"]["u"]
        .as_u64()
        .unwrap();
    ex.faults().quiet_market(true);
    // Let what was collected before going quiet drain, then only tickers come.
    let quiet_from = loop {
        let v = next_json(&mut ws).await;
        if v["stream"] == "btcusdt@ticker" {
            break ex.last_update_id("BTCUSDT").unwrap();
        }
    };
    let mut tickers = 0;
    let mut last_depth = last;
    while tickers < 10 {
        let v = next_json(&mut ws).await;
        if v["stream"] == "btcusdt@depth" {
            last_depth = v["data"]["u"].as_u64().unwrap();
            assert!(last_depth <= quiet_from, "the quiet book moved");
        } else {
            tickers += 1;
        }
    }
    assert_eq!(ex.last_update_id("BTCUSDT"), Some(quiet_from));
    ex.faults().quiet_market(false);
    let next = next_matching(&mut ws, |v| v["stream"] == "btcusdt@depth").await["data"].clone();
    assert!(
        next["U"].as_u64().unwrap() <= quiet_from + 1,
        "no gap after a quiet spell"
    );
    let _ = last_depth;
    ex.shutdown().await;
}

#[tokio::test]
async fn a_stall_stops_every_stream_and_drop_applies_to_both_depth_speeds() {
    let ex = common::exchange().await;
    let mut ws = connect(&ex.combined_stream_url(&["btcusdt@depth", "btcusdt@depth@100ms"])).await;
    let mut last = [0_u64; 2];
    let index = |v: &Value| usize::from(v["stream"] == "btcusdt@depth@100ms");
    while last.contains(&0) {
        let v = next_json(&mut ws).await;
        last[index(&v)] = v["data"]["u"].as_u64().unwrap();
    }
    ex.faults().drop_next_delta();
    // Each speed, on its own sequence, shows a gap.
    let mut gapped = [false; 2];
    while gapped.contains(&false) {
        let v = next_json(&mut ws).await;
        let i = index(&v);
        let (first, final_) = (
            v["data"]["U"].as_u64().unwrap(),
            v["data"]["u"].as_u64().unwrap(),
        );
        if first > last[i] + 1 {
            gapped[i] = true;
        }
        last[i] = final_;
    }
    ex.shutdown().await;
}
