//! The futures market-stream WebSocket: raw streams at `/ws/<stream>[/<stream>..]`, combined
//! streams (`{"stream":..,"data":..}`) at `/stream?streams=a/b`, `SUBSCRIBE`, `UNSUBSCRIBE`
//! and `LIST_SUBSCRIPTIONS` requests, a server ping every interval, and a close on the
//! close-streams fault or at shutdown. Only the diff-depth streams are served.

use std::collections::HashMap;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::MissedTickBehavior;

use super::market::{Speed, StreamEvent};
use super::state::{FuturesState, Shared};
use crate::api_error::ApiError;

/// Binance's cap on the streams of one connection.
const MAX_STREAMS: usize = 1024;
/// How long a close frame may take to go out to a client that stopped reading.
const CLOSE_FLUSH: std::time::Duration = std::time::Duration::from_secs(1);

/// One subscription: the stream its events are published under, and the name the client used.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Subscription {
    published: String,
    label: String,
}

/// A stream the mock serves, or why not: `<symbol>@depth`, `@depth@100ms`, `@depth@250ms`,
/// `@depth@500ms` of a listed symbol.
fn parse_one(state: &Shared, name: &str) -> Result<Subscription, String> {
    let (symbol, suffix) = name
        .split_once('@')
        .ok_or_else(|| format!("Invalid stream name '{name}'."))?;
    let speed = Speed::parse(suffix).ok_or_else(|| format!("Invalid stream name '{name}'."))?;
    if symbol.is_empty() || symbol.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("Invalid stream name '{name}'."));
    }
    if !state
        .lock()
        .markets
        .contains_key(&symbol.to_ascii_uppercase())
    {
        return Err(format!("Invalid symbol in stream '{name}'."));
    }
    Ok(Subscription {
        published: speed.stream(symbol),
        label: name.to_owned(),
    })
}

fn parse_all<'a>(
    state: &Shared,
    names: impl Iterator<Item = &'a str>,
) -> Result<Vec<Subscription>, ApiError> {
    let mut out: Vec<Subscription> = Vec::new();
    for name in names {
        let s = parse_one(state, name)
            .map_err(|msg| ApiError::new(StatusCode::BAD_REQUEST, -1121, msg))?;
        if !out.iter().any(|o| o.label == s.label) {
            out.push(s);
        }
        if out.len() > MAX_STREAMS {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1101,
                "Too many streams.",
            ));
        }
    }
    Ok(out)
}

/// `GET /ws/{streams}`: raw streams; events come unwrapped.
pub(crate) async fn raw(
    State(state): State<FuturesState>,
    Path(streams): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    match parse_all(&state, streams.split('/').filter(|s| !s.is_empty())) {
        Ok(names) => open(state, upgrade, names, false),
        Err(e) => e.into_response(),
    }
}

/// `GET /ws`: a raw connection with no stream yet (subscribe with `SUBSCRIBE`).
pub(crate) async fn raw_empty(
    State(state): State<FuturesState>,
    upgrade: WebSocketUpgrade,
) -> Response {
    open(state, upgrade, Vec::new(), false)
}

/// `GET /stream?streams=a/b`: combined streams.
pub(crate) async fn combined(
    State(state): State<FuturesState>,
    Query(params): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let streams = params.get("streams").map_or("", String::as_str);
    match parse_all(&state, streams.split('/').filter(|s| !s.is_empty())) {
        Ok(names) => open(state, upgrade, names, true),
        Err(e) => e.into_response(),
    }
}

fn open(
    state: FuturesState,
    upgrade: WebSocketUpgrade,
    streams: Vec<Subscription>,
    combined: bool,
) -> Response {
    // Subscribed before the handshake answer goes out, so that nothing published after the
    // client connected is missed.
    let events = state.bus.subscribe();
    let close = state.faults.shared.inner.close_sockets.subscribe();
    upgrade.on_upgrade(move |socket| async move {
        let mut connection = Connection {
            state,
            streams,
            combined,
        };
        connection.run(socket, events, close).await;
    })
}

struct Connection {
    state: FuturesState,
    streams: Vec<Subscription>,
    combined: bool,
}

impl Connection {
    async fn run(
        &mut self,
        socket: WebSocket,
        mut events: tokio::sync::broadcast::Receiver<StreamEvent>,
        mut close: tokio::sync::watch::Receiver<u64>,
    ) {
        let mut shutdown = self.state.shutdown.clone();
        let mut pings = tokio::time::interval(self.state.ping_interval);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        pings.tick().await;
        let (mut sink, mut incoming) = socket.split();
        let frame: Option<(u16, &str)> = loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        let mut failed = false;
                        for s in self.streams.iter().filter(|s| *s.published == *event.stream) {
                            if sink.send(Message::Text(self.frame(s, &event))).await.is_err() {
                                failed = true;
                                break;
                            }
                        }
                        if failed {
                            break None;
                        }
                    }
                    Err(RecvError::Lagged(_)) => break Some((1008, "client too slow")),
                    Err(RecvError::Closed) => break Some((1001, "server shutting down")),
                },
                _ = pings.tick() => {
                    if !self.state.faults.shared.inner.is_stalled()
                        && sink.send(Message::Ping(axum::body::Bytes::from_static(b"mock"))).await.is_err()
                    {
                        break None;
                    }
                }
                msg = incoming.next() => match msg {
                    Some(Ok(Message::Close(_))) => {
                        let _ = tokio::time::timeout(CLOSE_FLUSH, sink.close()).await;
                        break None;
                    }
                    None | Some(Err(_)) => break None,
                    Some(Ok(Message::Text(text))) => {
                        let reply = self.handle_request(&text);
                        if sink.send(Message::Text(reply.into())).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(_)) => {}
                },
                _ = close.changed() => break Some((1001, "closed by fault injection")),
                _ = shutdown.changed() => break Some((1001, "server shutting down")),
            }
        };
        if let Some((code, reason)) = frame {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = tokio::time::timeout(CLOSE_FLUSH, sink.send(Message::Close(Some(frame)))).await;
        }
    }

    fn frame(&self, s: &Subscription, event: &StreamEvent) -> Utf8Bytes {
        if !self.combined || event.raw {
            return event.payload.clone();
        }
        format!(
            r#"{{"stream":"{}","data":{}}}"#,
            s.label,
            event.payload.as_str()
        )
        .into()
    }

    /// Answers one request frame (`{"method":..,"params":..,"id":..}`).
    fn handle_request(&mut self, text: &str) -> String {
        let request: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return json!({ "code": 3, "msg": format!("Invalid JSON: {e}") }).to_string(),
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let error =
            |code: i64, msg: String| json!({ "code": code, "msg": msg, "id": id }).to_string();
        let names: Option<Vec<&str>> = request
            .get("params")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_str).collect());
        let result = match request.get("method").and_then(Value::as_str) {
            Some(method @ ("SUBSCRIBE" | "UNSUBSCRIBE")) => {
                let Some(names) = names else {
                    return error(
                        2,
                        "Invalid request: params must be a list of stream names".into(),
                    );
                };
                let mut parsed = Vec::with_capacity(names.len());
                for name in names {
                    match parse_one(&self.state, name) {
                        Ok(s) => parsed.push(s),
                        Err(msg) => return error(2, format!("Invalid request: {msg}")),
                    }
                }
                if method == "SUBSCRIBE" {
                    for s in parsed {
                        if !self.streams.iter().any(|o| o.label == s.label) {
                            self.streams.push(s);
                        }
                    }
                    if self.streams.len() > MAX_STREAMS {
                        self.streams.truncate(MAX_STREAMS);
                        return error(2, "Invalid request: too many streams".into());
                    }
                } else {
                    self.streams
                        .retain(|o| !parsed.iter().any(|s| s.label == o.label));
                }
                Value::Null
            }
            Some("LIST_SUBSCRIPTIONS") => {
                json!(self.streams.iter().map(|s| &s.label).collect::<Vec<_>>())
            }
            Some(other) => return error(2, format!("Invalid request: unknown method `{other}`")),
            None => return error(2, "Invalid request: missing field `method`".into()),
        };
        json!({ "result": result, "id": id }).to_string()
    }
}
