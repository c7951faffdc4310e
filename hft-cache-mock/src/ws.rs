//! The market-stream WebSocket, as Binance serves it: raw streams at `/ws` and `/ws/<streams>`,
//! combined streams (`{"stream":..,"data":..}`) at `/stream?streams=a/b`, the live
//! `SUBSCRIBE` / `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` / `SET_PROPERTY` / `GET_PROPERTY`
//! requests, a server ping every interval, `serverShutdown`, and a disconnect at the end of a
//! connection's lifetime.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tokio::time::MissedTickBehavior;

use super::api_error::ApiError;
use super::faults::FaultState;
use super::market::StreamEvent;
use super::state::Shared;
use super::stream_name::StreamName;
use super::wire;

/// What a market-stream WebSocket needs from the venue it serves: the venue's event bus, its
/// fault state, its cadences and shutdown signal, and the stream names it serves. The spot
/// mock and the futures mock both implement it, so both serve this one WebSocket.
pub(crate) trait StreamHost: Send + Sync + 'static {
    /// A receiver of every event the venue publishes.
    fn events(&self) -> broadcast::Receiver<StreamEvent>;
    /// The stream faults (stall, close, server shutdown).
    fn fault_state(&self) -> &FaultState;
    fn ping_interval(&self) -> Duration;
    fn connection_lifetime(&self) -> Duration;
    /// Turns `true` when the venue shuts down.
    fn shutdown_signal(&self) -> watch::Receiver<bool>;
    /// The subscription a client's stream name asks for, or why the venue does not serve it.
    fn subscription(&self, name: &str) -> Result<Subscription, String>;
}

impl StreamHost for Shared {
    fn events(&self) -> broadcast::Receiver<StreamEvent> {
        self.bus.subscribe()
    }

    fn fault_state(&self) -> &FaultState {
        &self.faults.inner
    }

    fn ping_interval(&self) -> Duration {
        self.ping_interval
    }

    fn connection_lifetime(&self) -> Duration {
        self.connection_lifetime
    }

    fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    fn subscription(&self, name: &str) -> Result<Subscription, String> {
        let parsed =
            StreamName::parse(name).ok_or_else(|| format!("Invalid stream name '{name}'."))?;
        if !self.markets.contains_key(&parsed.symbol) {
            return Err(format!("Invalid symbol in stream '{name}'."));
        }
        Ok(Subscription {
            published: parsed.canonical(),
            label: parsed.label(),
        })
    }
}

/// Binance's cap on the streams of one connection.
const MAX_STREAMS: usize = 1024;

/// How long the answering Close frame may take to go out to a client that closed.
const CLOSE_FLUSH: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /ws`: a raw-stream connection with no stream yet (subscribe with `SUBSCRIBE`).
pub(crate) async fn raw_empty<H: StreamHost>(
    State(state): State<Arc<H>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    open(state, upgrade, Vec::new(), false)
}

/// `GET /ws/{streams}`: raw streams, `/`-separated; events come unwrapped.
///
/// A segment without `@` is not a stream name and is ignored, as Binance does: ccxt connects to
/// `/ws/0` (its own connection index) and then subscribes. A malformed stream name or an
/// unknown symbol is refused with HTTP 400, so that a typo fails loudly.
pub(crate) async fn raw<H: StreamHost>(
    State(state): State<Arc<H>>,
    Path(streams): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let names = streams.split('/').filter(|s| s.contains('@'));
    match parse_all(&*state, names) {
        Ok(names) => open(state, upgrade, names, false),
        Err(e) => e.into_response(),
    }
}

/// `GET /stream?streams=a/b`: combined streams; events come as `{"stream":..,"data":..}`.
pub(crate) async fn combined<H: StreamHost>(
    State(state): State<Arc<H>>,
    Query(params): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let streams = params.get("streams").map_or("", String::as_str);
    match parse_all(&*state, streams.split('/').filter(|s| !s.is_empty())) {
        Ok(names) => open(state, upgrade, names, true),
        Err(e) => e.into_response(),
    }
}

fn parse_all<'a, H: StreamHost>(
    state: &H,
    names: impl Iterator<Item = &'a str>,
) -> Result<Vec<Subscription>, ApiError> {
    let mut out = Vec::new();
    for name in names {
        let canonical = state
            .subscription(name)
            .map_err(|msg| ApiError::new(StatusCode::BAD_REQUEST, -1121, msg))?;
        if !out
            .iter()
            .any(|s: &Subscription| s.label == canonical.label)
        {
            out.push(canonical);
        }
    }
    if out.len() > MAX_STREAMS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1101,
            "Too many streams.",
        ));
    }
    Ok(out)
}

fn open<H: StreamHost>(
    state: Arc<H>,
    upgrade: WebSocketUpgrade,
    streams: Vec<Subscription>,
    combined: bool,
) -> Response {
    // Subscribed before the handshake answer goes out: a client that connects and then makes
    // something happen (an order, a fault) sees it, however late the socket task starts.
    let signals = Signals {
        events: state.events(),
        close: state.fault_state().close_sockets.subscribe(),
        announce: state.fault_state().server_shutdown.subscribe(),
    };
    upgrade.on_upgrade(move |socket| {
        Connection {
            state,
            streams,
            combined,
        }
        .run(socket, signals)
    })
}

/// What a connection listens to besides its socket.
struct Signals {
    events: broadcast::Receiver<StreamEvent>,
    close: watch::Receiver<u64>,
    announce: watch::Receiver<u64>,
}

/// One subscription: the stream its events are published under, and the name the client
/// used for it (they differ for `@depth@1000ms`, the same stream as `@depth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub(crate) published: String,
    pub(crate) label: String,
}

/// One client connection and its subscriptions.
struct Connection<H> {
    state: Arc<H>,
    /// In subscription order, one per label.
    streams: Vec<Subscription>,
    combined: bool,
}

/// Why a socket ended, for the close frame.
enum Ending {
    /// The client sent a Close frame: it is answered with one (RFC 6455 §5.5.1).
    ClientClosed,
    ClientGone,
    Fault,
    ServerShutdown,
    Shutdown,
    Lifetime,
    Lagged,
}

type Sink = SplitSink<WebSocket, Message>;

impl<H: StreamHost> Connection<H> {
    async fn run(mut self, socket: WebSocket, signals: Signals) {
        let state = self.state.clone();
        let Signals {
            mut events,
            mut close,
            mut announce,
        } = signals;
        let mut shutdown = state.shutdown_signal();
        let mut pings = tokio::time::interval(state.ping_interval());
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        pings.tick().await; // the first tick is immediate; the first ping waits one interval
        let lifetime = tokio::time::sleep(state.connection_lifetime());
        tokio::pin!(lifetime);
        let (mut sink, mut incoming) = socket.split();

        let ending = loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        if self.send_event(&mut sink, &event).await.is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    Err(RecvError::Lagged(_)) => break Ending::Lagged,
                    Err(RecvError::Closed) => break Ending::Shutdown,
                },
                _ = pings.tick() => {
                    if !state.fault_state().is_stalled()
                        && sink.send(Message::Ping(axum::body::Bytes::from_static(b"mock"))).await.is_err()
                    {
                        break Ending::ClientGone;
                    }
                }
                // Reading also lets the WebSocket layer answer the client's pings with pongs.
                msg = incoming.next() => match msg {
                    Some(Ok(Message::Close(_))) => break Ending::ClientClosed,
                    None | Some(Err(_)) => break Ending::ClientGone,
                    Some(Ok(Message::Text(text))) => {
                        let reply = self.handle_request(&text);
                        if sink.send(Message::Text(reply.into())).await.is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    Some(Ok(_)) => {}
                },
                _ = close.changed() => break Ending::Fault,
                _ = announce.changed() => {
                    if self.send_server_shutdown(&mut sink).await.is_err() {
                        break Ending::ClientGone;
                    }
                    break Ending::ServerShutdown;
                }
                _ = &mut lifetime => break Ending::Lifetime,
                _ = shutdown.changed() => break Ending::Shutdown,
            }
        };

        if let Ending::ClientClosed = ending {
            // The WebSocket layer queued the answering Close (echoing the client's code) when
            // it read the client's; closing the sink flushes it. Bounded: the peer may not read.
            let _ = tokio::time::timeout(CLOSE_FLUSH, sink.close()).await;
        }
        let frame = match ending {
            Ending::ClientGone | Ending::ClientClosed => None,
            Ending::Fault => Some((1001, "closed by fault injection")),
            Ending::ServerShutdown | Ending::Shutdown => Some((1001, "server shutting down")),
            Ending::Lifetime => Some((1001, "connection lifetime reached")),
            Ending::Lagged => Some((1008, "client too slow")),
        };
        if let Some((code, reason)) = frame {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
        }
        tracing::debug!(streams = ?self.streams, "mock market stream closed");
    }

    /// Sends `event` once for each subscription to its stream, under that subscription's name.
    async fn send_event(&self, sink: &mut Sink, event: &StreamEvent) -> Result<(), axum::Error> {
        for subscription in self
            .streams
            .iter()
            .filter(|s| *s.published == *event.stream)
        {
            sink.send(Message::Text(self.frame(subscription, event)))
                .await?;
        }
        Ok(())
    }

    /// The frame for `event` on `subscription`: raw, or wrapped with the subscription's name.
    fn frame(&self, subscription: &Subscription, event: &StreamEvent) -> Utf8Bytes {
        if !self.combined || event.raw {
            return event.payload.clone();
        }
        format!(
            r#"{{"stream":"{}","data":{}}}"#,
            subscription.label,
            event.payload.as_str()
        )
        .into()
    }

    async fn send_server_shutdown(&self, sink: &mut Sink) -> Result<(), axum::Error> {
        let event = serde_json::to_value(wire::ServerShutdown {
            event_type: "serverShutdown",
            event_time: wire::now_ms(),
        })
        .unwrap_or(Value::Null);
        let frame = if self.combined {
            json!({ "stream": "!serverShutdown", "data": event })
        } else {
            event
        };
        sink.send(Message::Text(frame.to_string().into())).await
    }

    /// Answers one request frame (`{"method":..,"params":..,"id":..}`).
    fn handle_request(&mut self, text: &str) -> String {
        let request: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return json!({
                    "code": 3,
                    "msg": format!("Invalid JSON: {e}"),
                })
                .to_string()
            }
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let error =
            |code: i64, msg: String| json!({ "code": code, "msg": msg, "id": id }).to_string();
        if !valid_id(&id) {
            return error(
                2,
                "Invalid request: request ID must be an unsigned integer".into(),
            );
        }
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return error(2, "Invalid request: missing field `method`".into());
        };
        let params = request.get("params");
        let result = match method {
            "SUBSCRIBE" | "UNSUBSCRIBE" => {
                let names = match string_params(params) {
                    Some(n) => n,
                    None => {
                        return error(
                            2,
                            "Invalid request: params must be a list of stream names".into(),
                        )
                    }
                };
                let mut canonical = Vec::with_capacity(names.len());
                for name in names {
                    match self.state.subscription(name) {
                        Ok(c) => canonical.push(c),
                        Err(msg) => return error(2, format!("Invalid request: {msg}")),
                    }
                }
                if method == "SUBSCRIBE" {
                    for c in canonical {
                        if !self.streams.iter().any(|s| s.label == c.label) {
                            self.streams.push(c);
                        }
                    }
                    if self.streams.len() > MAX_STREAMS {
                        self.streams.truncate(MAX_STREAMS);
                        return error(2, "Invalid request: too many streams".into());
                    }
                } else {
                    self.streams
                        .retain(|s| !canonical.iter().any(|c| c.label == s.label));
                }
                Value::Null
            }
            "LIST_SUBSCRIPTIONS" => {
                json!(self.streams.iter().map(|s| &s.label).collect::<Vec<_>>())
            }
            "SET_PROPERTY" => match params.and_then(Value::as_array).map(Vec::as_slice) {
                Some([Value::String(name), value]) if name == "combined" => match value.as_bool() {
                    Some(b) => {
                        self.combined = b;
                        Value::Null
                    }
                    None => return error(1, "Invalid value type: expected Boolean".into()),
                },
                Some([Value::String(_), _]) => return error(0, "Unknown property".into()),
                _ => return error(2, "Invalid request: property name must be a string".into()),
            },
            "GET_PROPERTY" => match params.and_then(Value::as_array).map(Vec::as_slice) {
                Some([Value::String(name)]) if name == "combined" => json!(self.combined),
                Some([Value::String(_)]) => return error(0, "Unknown property".into()),
                _ => return error(2, "Invalid request: property name must be a string".into()),
            },
            other => {
                return error(
                    2,
                    format!(
                        "Invalid request: unknown variant `{other}`, expected one of `SUBSCRIBE`, \
                         `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"
                    ),
                )
            }
        };
        json!({ "result": result, "id": id }).to_string()
    }
}

/// An id Binance accepts: a 64-bit integer, an alphanumeric string of at most 36, or null.
fn valid_id(id: &Value) -> bool {
    match id {
        Value::Null => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        Value::String(s) => s.len() <= 36 && s.bytes().all(|b| b.is_ascii_alphanumeric()),
        _ => false,
    }
}

fn string_params(params: Option<&Value>) -> Option<Vec<&str>> {
    params?.as_array()?.iter().map(Value::as_str).collect()
}
