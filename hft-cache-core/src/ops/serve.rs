//! The ops endpoint's own accept loop: a connection cap, hyper's header-read timeout, an idle
//! timeout over the socket, and a bounded read of request bodies.
//!
//! `axum::serve` has none of these knobs, and the endpoint is reachable by anyone who reaches
//! its port: a slow-header client (slowloris) or a peer that never reads must not hold a task
//! and a socket for ever, and a flood of connections must not grow without bound.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use futures_util::StreamExt;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::time::Instant;

/// hyper's read buffer per connection (its smallest allowed is 8 KiB): a request head larger
/// than this is refused, and a connection's buffered input never grows past it.
const MAX_BUF_BYTES: usize = 16 * 1024;

/// The limits the server enforces on every connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) header_timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) max_connections: usize,
}

/// Accepts until `stop` fires (or its sender is dropped), then lets the open connections
/// finish their request under way and waits for them.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: oneshot::Receiver<()>,
) {
    // Semaphore::MAX_PERMITS is far above any sane cap; u32 for acquire_many below.
    let cap = limits.max_connections.clamp(1, u32::MAX as usize >> 3);
    let slots = Arc::new(Semaphore::new(cap));
    // `true` asks the connections to finish; a dropped sender (the task aborted) ends them.
    let (closing, closing_rx) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(%error, "ops endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            // Closed at once: holding it unserved would be the very leak the cap prevents.
            tracing::warn!(%peer, cap, "ops endpoint: connection limit reached, closed");
            drop(stream);
            continue;
        };
        let app = app.clone();
        let closing = closing_rx.clone();
        tokio::spawn(async move {
            connection(stream, peer, app, limits, closing).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every connection holds a permit until it ends.
    let _ = slots.acquire_many(cap as u32).await;
}

/// Serves one connection until it ends, idles past the idle timeout, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = TowerToHyperService::new(app.layer(Extension(ConnectInfo(peer))));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_BUF_BYTES)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let idle = activity.idle_for(limits.idle_timeout);
    tokio::pin!(idle);
    let mut finishing = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "ops endpoint: connection ended");
                }
                return;
            }
            () = &mut idle => {
                tracing::debug!(%peer, "ops endpoint: connection idle past its timeout, closed");
                return;
            }
            changed = closing.changed(), if !finishing => match changed {
                Ok(()) => {
                    conn.as_mut().graceful_shutdown();
                    finishing = true;
                }
                Err(_) => return,
            },
        }
    }
}

/// When a connection last moved a byte, in milliseconds since it was accepted.
#[derive(Debug)]
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved either way for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A socket that records each read or write that moved bytes.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Reads at most `cap` bytes of `body` within `timeout`, and whatever came if either runs out;
/// the rest is never read (the connection is closed after the answer).
pub(super) async fn read_capped(body: Body, cap: usize, timeout: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunks = body.into_data_stream();
    let read = async {
        while out.len() < cap {
            match chunks.next().await {
                Some(Ok(chunk)) => {
                    let room = cap - out.len();
                    out.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Some(Err(_)) | None => break,
            }
        }
    };
    let _ = tokio::time::timeout(timeout, read).await;
    out
}
