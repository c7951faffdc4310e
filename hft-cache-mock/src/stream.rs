//! The diff-depth stream: a ticker that moves every book, and the `/ws/<symbol>@depth`
//! WebSocket that forwards one symbol's events, pings, and answers pings.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::api_error::ApiError;
use super::market::Market;
use super::state::AppState;

/// Moves every symbol's book one step per interval until shutdown.
pub(crate) async fn run_ticker(state: AppState, interval: Duration) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick is immediate; the book first moves one interval in
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                for market in state.markets.values() {
                    market.tick(&state.faults.inner);
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// `GET /ws/{stream}`: `btcusdt@depth`, optionally with Binance's `@100ms` suffix.
pub(crate) async fn depth_stream(
    State(state): State<AppState>,
    Path(stream): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let mut parts = stream.split('@');
    let symbol = parts.next().unwrap_or_default();
    let kind = parts.next();
    let speed = parts.next();
    let known_speed = matches!(speed, None | Some("100ms" | "1000ms"));
    if kind != Some("depth") || !known_speed || parts.next().is_some() {
        return ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            -1121,
            "Unknown stream; the mock serves <symbol>@depth.",
        )
        .into_response();
    }
    let market = match state.market(symbol) {
        Ok(market) => Arc::clone(market),
        Err(e) => return e.into_response(),
    };
    upgrade.on_upgrade(move |socket| forward(socket, market, state))
}

/// Why a socket ended, for the close frame.
enum Ending {
    ClientGone,
    Fault,
    Shutdown,
    Lagged,
}

async fn forward(socket: WebSocket, market: Arc<Market>, state: AppState) {
    let mut events = market.subscribe();
    let mut close = state.faults.inner.close_sockets.subscribe();
    close.mark_unchanged();
    let mut shutdown: watch::Receiver<bool> = state.shutdown.clone();
    let mut pings = tokio::time::interval(state.ping_interval);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    pings.tick().await; // the first tick is immediate; the first ping waits one interval
    let (mut sink, mut incoming) = socket.split();

    let ending = loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(frame) => {
                    if sink.send(Message::Text(frame)).await.is_err() {
                        break Ending::ClientGone;
                    }
                }
                Err(RecvError::Lagged(_)) => break Ending::Lagged,
                Err(RecvError::Closed) => break Ending::Shutdown,
            },
            _ = pings.tick() => {
                if !state.faults.inner.is_stalled()
                    && sink.send(Message::Ping(axum::body::Bytes::from_static(b"mock"))).await.is_err()
                {
                    break Ending::ClientGone;
                }
            }
            // Reading also lets the WebSocket layer answer the client's pings with pongs.
            msg = incoming.next() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break Ending::ClientGone,
                Some(Ok(_)) => {}
            },
            _ = close.changed() => break Ending::Fault,
            _ = shutdown.changed() => break Ending::Shutdown,
        }
    };

    let frame = match ending {
        Ending::ClientGone => None,
        Ending::Fault => Some((1001, "closed by fault injection")),
        Ending::Shutdown => Some((1001, "server shutting down")),
        Ending::Lagged => Some((1008, "client too slow")),
    };
    if let Some((code, reason)) = frame {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = sink.send(Message::Close(Some(frame))).await;
    }
    tracing::debug!(symbol = %market.spec.symbol, "mock depth stream closed");
}
