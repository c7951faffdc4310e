//! Stream names and the closing handshake as third-party clients use them: explicit
//! `@1000ms` speeds, and a client's Close frame answered with a Close frame.

mod common;

use common::{connect, next_matching, request, PATIENCE};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn explicit_1000ms_speeds_are_served_under_the_name_the_client_used() {
    let ex = common::exchange().await;
    let names = [
        "btcusdt@depth@1000ms",
        "btcusdt@depth5@1000ms",
        "ethusdt@depth10@1000ms",
        "btcusdt@depth20@1000ms",
        "btcusdt@depth10@100ms",
    ];
    let mut ws = connect(&ex.combined_stream_url(&names)).await;
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < names.len() {
        let frame = next_matching(&mut ws, |v| v.get("stream").is_some()).await;
        let stream = frame["stream"].as_str().unwrap().to_owned();
        assert!(names.contains(&stream.as_str()), "{stream}");
        if stream.starts_with("btcusdt@depth@") {
            assert_eq!(frame["data"]["e"], "depthUpdate", "{frame}");
        } else {
            assert!(frame["data"]["lastUpdateId"].is_u64(), "{frame}");
        }
        seen.insert(stream);
    }
    let listed = request(&mut ws, json!({"method": "LIST_SUBSCRIPTIONS", "id": 1})).await;
    assert_eq!(listed["result"], json!(names));

    // Live: subscribing the explicit and the plain name gives two subscriptions, each
    // receiving the stream under its own name; unsubscribing one leaves the other.
    let mut live = connect(&format!("{}/ws", ex.ws_url())).await;
    let reply = request(
        &mut live,
        json!({"method": "SUBSCRIBE", "params": ["ethusdt@depth@1000ms", "ethusdt@depth"], "id": 7}),
    )
    .await;
    assert_eq!(reply, json!({"result": null, "id": 7}));
    let set = request(
        &mut live,
        json!({"method": "SET_PROPERTY", "params": ["combined", true], "id": 8}),
    )
    .await;
    assert_eq!(set["result"], json!(null));
    let mut both = std::collections::BTreeSet::new();
    while both.len() < 2 {
        let frame = next_matching(&mut live, |v| v.get("stream").is_some()).await;
        both.insert(frame["stream"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        both.into_iter().collect::<Vec<_>>(),
        ["ethusdt@depth", "ethusdt@depth@1000ms"]
    );
    request(
        &mut live,
        json!({"method": "UNSUBSCRIBE", "params": ["ethusdt@depth"], "id": 9}),
    )
    .await;
    let listed = request(&mut live, json!({"method": "LIST_SUBSCRIPTIONS", "id": 10})).await;
    assert_eq!(listed["result"], json!(["ethusdt@depth@1000ms"]));

    // Raw paths take the explicit speed too; speeds the venue does not have are refused.
    let mut raw = connect(&format!("{}/ws/btcusdt@depth5@1000ms", ex.ws_url())).await;
    let book = next_matching(&mut raw, |v| v.get("lastUpdateId").is_some()).await;
    assert_eq!(book["bids"].as_array().unwrap().len(), 5);
    for bad in [
        "/ws/btcusdt@depth@500ms",
        "/ws/btcusdt@trade@1000ms",
        "/ws/btcusdt@bookTicker@1000ms",
        "/stream?streams=btcusdt@depth7@1000ms",
    ] {
        let url = format!("{}{bad}", ex.ws_url());
        assert!(
            tokio_tungstenite::connect_async(url).await.is_err(),
            "{bad}"
        );
    }
    ex.shutdown().await;
}

/// Sends a Close frame and returns what the server answers: its Close frame's code, or
/// `None` if the socket ends without one (a client reports that as 1006).
async fn close_and_read_answer(ws: &mut common::Socket) -> Option<u16> {
    ws.send(Message::Close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    })))
    .await
    .unwrap();
    loop {
        match tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an answer to the Close frame")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
            Some(Ok(_)) => continue, // frames already on the way
            None | Some(Err(_)) => return None,
        }
    }
}

#[tokio::test]
async fn a_clients_close_frame_is_answered_with_a_close_frame() {
    let ex = common::exchange().await;
    for url in [
        format!("{}/ws", ex.ws_url()),
        format!("{}/ws/btcusdt@depth@100ms", ex.ws_url()),
        ex.combined_stream_url(&["btcusdt@trade", "btcusdt@depth5@1000ms"]),
    ] {
        let mut ws = connect(&url).await;
        assert_eq!(close_and_read_answer(&mut ws).await, Some(1000), "{url}");
        // After the handshake the stream ends cleanly.
        let after = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
        assert!(after.is_none(), "{url}: {after:?}");
    }

    let bybit = hft_cache_mock::bybit::BybitMock::builder()
        .start()
        .await
        .unwrap();
    let mut ws = connect(&bybit.public_ws_url()).await;
    common::send_json(
        &mut ws,
        json!({"op": "subscribe", "args": ["orderbook.50.BTCUSDT"], "req_id": "1"}),
    )
    .await;
    let snapshot = next_matching(&mut ws, |v| v["type"] == "snapshot").await;
    assert_eq!(snapshot["topic"], "orderbook.50.BTCUSDT");
    assert_eq!(close_and_read_answer(&mut ws).await, Some(1000));
    bybit.shutdown().await;
    ex.shutdown().await;
}
