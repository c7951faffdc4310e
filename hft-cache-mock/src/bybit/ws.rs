//! The public WebSocket (`/v5/public/spot`): `orderbook.50.<SYMBOL>` as a snapshot, then
//! deltas with `u` +1 each and a rising `seq`; `{"op":"ping"}` answered with a pong.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::MissedTickBehavior;

use super::book::{changes, DEPTH};
use super::rest::now_ms;
use super::state::BybitState;

/// Moves every book one step per interval until shutdown, publishing each change.
pub(crate) async fn run_ticker(state: BybitState, interval: Duration) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => tick(&state),
            _ = shutdown.changed() => return,
        }
    }
}

fn tick(state: &BybitState) {
    let faults = &state.faults.inner;
    if faults.stalled.load(std::sync::atomic::Ordering::Relaxed)
        || faults.silenced.load(std::sync::atomic::Ordering::Relaxed)
    {
        return;
    }
    let mut exchange = state.lock();
    for (symbol, book) in exchange.books.iter_mut() {
        let delta = book.step();
        if faults
            .drop_next_delta
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            continue;
        }
        let ts = now_ms();
        let frame = json!({
            "topic": format!("orderbook.{DEPTH}.{symbol}"),
            "type": "delta",
            "ts": ts,
            "data": {
                "s": symbol,
                "b": changes(&delta.bids),
                "a": changes(&delta.asks),
                "u": delta.update_id,
                "seq": delta.seq,
            },
            "cts": ts,
        });
        // Sent under the lock, so a subscriber that takes its snapshot under the same lock
        // sees every later delta and none before.
        let _ = state
            .deltas
            .send((symbol.clone(), delta.update_id, frame.to_string().into()));
    }
}

/// `GET /v5/public/spot`
pub(crate) async fn public_spot(
    State(state): State<BybitState>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| serve(socket, state))
}

async fn serve(socket: WebSocket, state: BybitState) {
    let (mut sink, mut incoming) = socket.split();
    let mut deltas = state.deltas.subscribe();
    let mut close = state.faults.inner.close_sockets.subscribe();
    let mut shutdown = state.shutdown.clone();
    // Subscribed symbols, with the update id of the snapshot each started from.
    let mut topics: HashMap<String, u64> = HashMap::new();
    let conn_id = format!("mock-{}", now_ms());
    loop {
        tokio::select! {
            message = incoming.next() => {
                let Some(Ok(message)) = message else { return };
                if let Message::Close(_) = message {
                    // Answered with a Close (RFC 6455 §5.5.1): the WebSocket layer queued it
                    // when it read the client's; closing the sink sends it.
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
                    return;
                }
                let Message::Text(text) = message else { continue };
                let replies = handle(&state, &text, &conn_id, &mut topics);
                for reply in replies {
                    if sink.send(Message::Text(reply.into())).await.is_err() {
                        return;
                    }
                }
            }
            delta = deltas.recv() => match delta {
                Ok((symbol, update_id, frame)) => {
                    // Deltas the snapshot already contains are not sent.
                    if topics.get(&symbol).is_some_and(|from| update_id > *from)
                        && sink.send(Message::Text(frame.to_string().into())).await.is_err()
                    {
                        return;
                    }
                }
                // A subscriber too slow to keep up is cut off, as a real venue would.
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
            },
            _ = close.recv() => return,
            _ = shutdown.changed() => return,
        }
    }
}

/// The replies to one client message. The connection's delta receiver exists before any
/// snapshot is taken (under the book lock), so every delta after a snapshot reaches it; the
/// ones the snapshot already holds are skipped by update id.
fn handle(
    state: &BybitState,
    text: &str,
    conn_id: &str,
    topics: &mut HashMap<String, u64>,
) -> Vec<String> {
    let request: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let op = request["op"].as_str().unwrap_or("");
    let req_id = request.get("req_id").cloned();
    let reply = |success: bool, ret_msg: &str| {
        let mut reply =
            json!({"success": success, "ret_msg": ret_msg, "conn_id": conn_id, "op": op});
        if let Some(id) = &req_id {
            reply["req_id"] = id.clone();
        }
        reply.to_string()
    };
    match op {
        "ping" => vec![reply(true, "pong")],
        "subscribe" => {
            let args: Vec<String> = request["args"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let exchange = state.lock();
            let symbols: Option<Vec<String>> = args
                .iter()
                .map(|topic| {
                    topic
                        .strip_prefix(&format!("orderbook.{DEPTH}."))
                        .filter(|s| exchange.books.contains_key(*s))
                        .map(str::to_owned)
                })
                .collect();
            let Some(symbols) = symbols.filter(|s| !s.is_empty()) else {
                return vec![reply(
                    false,
                    &format!("Invalid topic: {args:?}; the mock serves orderbook.{DEPTH}.<SYMBOL>"),
                )];
            };
            let mut replies = vec![reply(true, "")];
            // A silenced topic is silent for new subscribers too: no snapshot, no deltas, until
            // a subscription after the silence.
            if state
                .faults
                .inner
                .silenced
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                return replies;
            }
            for symbol in symbols {
                let ts = now_ms();
                replies.push(
                    json!({
                        "topic": format!("orderbook.{DEPTH}.{symbol}"),
                        "type": "snapshot",
                        "ts": ts,
                        "data": exchange.books[&symbol].snapshot_data(DEPTH),
                        "cts": ts,
                    })
                    .to_string(),
                );
                topics.insert(symbol.clone(), exchange.books[&symbol].update_id);
            }
            replies
        }
        "unsubscribe" => {
            for topic in request["args"].as_array().into_iter().flatten() {
                if let Some(symbol) = topic
                    .as_str()
                    .and_then(|t| t.strip_prefix(&format!("orderbook.{DEPTH}.")))
                {
                    topics.remove(symbol);
                }
            }
            vec![reply(true, "")]
        }
        _ => vec![reply(false, "unknown op")],
    }
}
