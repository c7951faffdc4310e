//! A scripted exchange on 127.0.0.1 for feed tests: real axum WebSocket and REST endpoints whose
//! frames, snapshots and silences the test decides.

#![allow(dead_code)] // each test file uses part of it

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, RawQuery, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::mpsc;

/// What the test tells one connection to do.
enum Cmd {
    Text(String),
    Close,
    /// Stop reading and writing: pings go unanswered, as on a dead link.
    Mute,
}

/// One accepted WebSocket connection.
pub struct Conn {
    /// The request path (`/ws/btcusdt@depth@100ms`, `/stream`, `/v5/public/spot`).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    tx: mpsc::UnboundedSender<Cmd>,
    received: mpsc::UnboundedReceiver<String>,
}

impl Conn {
    /// Sends a text frame.
    pub fn send(&self, text: impl Into<String>) {
        let _ = self.tx.send(Cmd::Text(text.into()));
    }

    /// Closes the connection.
    pub fn close(&self) {
        let _ = self.tx.send(Cmd::Close);
    }

    /// Goes silent without closing: nothing sent, pings unanswered.
    pub fn mute(&self) {
        let _ = self.tx.send(Cmd::Mute);
    }

    /// The next text frame the client sent (a subscription).
    pub async fn received(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv())
            .await
            .expect("the client sent nothing")
            .expect("connection gone")
    }
}

/// A snapshot request's query pairs.
type QueryPairs = Vec<(String, String)>;

#[derive(Clone)]
struct Shared {
    conns: mpsc::UnboundedSender<Conn>,
    snapshot: Arc<Mutex<String>>,
    snapshot_queries: Arc<Mutex<Vec<QueryPairs>>>,
}

/// The server: WebSocket on every path, Binance's `GET /api/v3/depth` answering the snapshot
/// the test set.
pub struct Server {
    pub ws_url: String,
    pub http_url: String,
    conns: mpsc::UnboundedReceiver<Conn>,
    shared: Shared,
}

impl Server {
    pub async fn start() -> Server {
        let (tx, conns) = mpsc::unbounded_channel();
        let shared = Shared {
            conns: tx,
            snapshot: Arc::new(Mutex::new(String::new())),
            snapshot_queries: Arc::default(),
        };
        let app = Router::new()
            .route("/api/v3/depth", get(depth))
            .fallback(get(upgrade))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server {
            ws_url: format!("ws://{addr}"),
            http_url: format!("http://{addr}"),
            conns,
            shared,
        }
    }

    /// The next connection the client opens.
    pub async fn accept(&mut self) -> Conn {
        tokio::time::timeout(Duration::from_secs(10), self.conns.recv())
            .await
            .expect("the client never connected")
            .unwrap()
    }

    /// Whether the client opened another connection within `within`.
    pub async fn reconnected_within(&mut self, within: Duration) -> Option<Conn> {
        tokio::time::timeout(within, self.conns.recv())
            .await
            .ok()
            .flatten()
    }

    /// What `GET /api/v3/depth` answers from now on.
    pub fn set_snapshot(&self, json: impl Into<String>) {
        *self.shared.snapshot.lock().unwrap() = json.into();
    }

    /// The query of every snapshot request so far.
    pub fn snapshot_queries(&self) -> Vec<QueryPairs> {
        self.shared.snapshot_queries.lock().unwrap().clone()
    }
}

async fn depth(State(shared): State<Shared>, Query(query): Query<QueryPairs>) -> impl IntoResponse {
    shared.snapshot_queries.lock().unwrap().push(query);
    let body = shared.snapshot.lock().unwrap().clone();
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    Json(value)
}

async fn upgrade(
    State(shared): State<Shared>,
    uri: axum::http::Uri,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> impl IntoResponse {
    let path = uri.path().to_owned();
    ws.on_upgrade(move |socket| serve(socket, shared, path, query))
}

async fn serve(mut socket: WebSocket, shared: Shared, path: String, query: Option<String>) {
    let (tx, mut commands) = mpsc::unbounded_channel();
    let (received_tx, received) = mpsc::unbounded_channel();
    let _ = shared.conns.send(Conn {
        path,
        query,
        tx,
        received,
    });
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Cmd::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Some(Cmd::Close) | None => return,
                Some(Cmd::Mute) => {
                    // Hold the socket open, never read it again: no pongs.
                    let _ = commands.recv().await;
                    return;
                }
            },
            frame = socket.recv() => match frame {
                // Reading is what answers pings (axum queues the pong).
                Some(Ok(Message::Text(text))) => {
                    let _ = received_tx.send(text.to_string());
                }
                Some(Ok(_)) => {}
                _ => return,
            },
        }
    }
}

/// Polls `condition` until it holds; fails the test after 10 s.
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
