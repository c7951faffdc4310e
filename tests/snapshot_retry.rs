//! The depth feed's own retry of a failed REST snapshot honours the venue: a 429 with
//! `Retry-After` is waited out before the next request, whatever the feed's (much shorter)
//! backoff says. Real loopback servers: a WebSocket that stays quiet, and a snapshot endpoint
//! that rate-limits its first request.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use hft_cache::book::BookView;
use hft_cache::feed::DepthFeed;
use hft_cache::StreamCache;

use support::{wait_until, Server};

const SNAPSHOT: &str = r#"{"lastUpdateId":100,"bids":[["99.0","1.0"]],"asks":[["101.0","1.0"]]}"#;

/// `GET /api/v3/depth`: 429 with `Retry-After: 1` the first time, the snapshot after; the
/// time of every request is kept.
async fn rate_limited_snapshots() -> (String, Arc<Mutex<Vec<Instant>>>) {
    let seen: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let log = Arc::clone(&seen);
    let app = Router::new().route(
        "/api/v3/depth",
        get(move || {
            let log = Arc::clone(&log);
            async move {
                let mut seen = log.lock().unwrap();
                seen.push(Instant::now());
                if seen.len() == 1 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "1"), ("content-type", "application/json")],
                        r#"{"code":-1003,"msg":"Too many requests."}"#,
                    )
                        .into_response()
                } else {
                    ([("content-type", "application/json")], SNAPSHOT).into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn a_rate_limited_snapshot_is_retried_only_after_the_venues_retry_after() {
    let mut ws = Server::start().await;
    let (rest_url, seen) = rate_limited_snapshots().await;
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .build()
        .unwrap();
    let feed = DepthFeed::builder(ws.ws_url.clone(), rest_url)
        .symbols(["BTCUSDT"])
        // The feed's own backoff would retry within 10 ms.
        .snapshot_backoff(Duration::from_millis(5), Duration::from_millis(10))
        .spawn(&books)
        .unwrap();
    let _conn = ws.accept().await;
    wait_until("a second snapshot request", || {
        seen.lock().unwrap().len() >= 2
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    let gap = seen[1] - seen[0];
    // A sleep never ends early: the lower bound holds on any machine.
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    assert_eq!(feed.health("BTCUSDT").unwrap().snapshot_failures, 1);
    feed.shutdown();
}
