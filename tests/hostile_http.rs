//! Hostile HTTP venues, on loopback: servers that redirect signed requests to another host,
//! send absurd server times, or rate-limit and ban with `Retry-After`. Every one of them must
//! end in a typed error: no `Fresh<T>` from another host, no credential or signed body sent to
//! it, no panic, and the venue's `Retry-After` kept.

mod support;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use hft_cache::book::BookView;
use hft_cache::exchange::bybit::Bybit;
use hft_cache::exchange::okx::OkxSigner;
use hft_cache::exchange::{
    ExchangeErrorKind, RequestError, RequestSigner, SignRequest, SignedClient,
    SignedClientBuildError, DEFAULT_MAX_TIME_OFFSET,
};
use hft_cache::feed::DepthFeed;
use hft_cache::fetch::{FetchError, FreshClient, MAX_RETRY_AFTER};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{AssessmentState, EmergencyReport, KillSwitch};
use hft_cache::monitor::Registry;
use hft_cache::{Fresh, Live, Static, StreamCache};
use serde::Deserialize;

const KEY: &str = "hostile-test-key";
const SECRET: &str = "hostile-test-secret";

/// What any of the test types reads: the bait body every server answers 200 with.
#[derive(Live, Deserialize, Debug)]
struct Anything {
    ok: bool,
}

#[derive(Static, Deserialize, Debug)]
struct AnythingStatic {
    #[allow(dead_code)] // the bait's shape; a followed redirect would decode it
    ok: bool,
}

/// One request a server received.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: String,
}

type Answer = dyn Fn(&Seen) -> Response + Send + Sync;

/// A loopback HTTP server that records every request and answers as the test says.
struct Server {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    async fn start(answer: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Server {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let record = Arc::clone(&seen);
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
                let record = Arc::clone(&record);
                let answer = Arc::clone(&answer);
                async move {
                    let request = Seen {
                        method,
                        uri: uri.to_string(),
                        headers,
                        body,
                    };
                    let response = answer(&request);
                    record.lock().unwrap().push(request);
                    response
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, seen }
    }

    /// A server that answers every request 200 with a body every test type accepts: what a
    /// host that a redirect points to would hand back as a `Fresh`, if it were followed.
    async fn bait() -> Server {
        Server::start(|_| {
            json(
                200,
                r#"{"ok":true,"serverTime":1,"timeSecond":"1","timeNano":"1"}"#,
            )
        })
        .await
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    let mut builder = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

fn json(status: u16, body: &str) -> Response {
    response(status, &[("content-type", "application/json")], body)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn binance(url: &str) -> SignedClient {
    SignedClient::builder(url)
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap()
}

/// A venue whose every answer redirects to `target` (same path and query) with `status`.
async fn redirecting(status: u16, target: &str) -> Server {
    let target = target.to_owned();
    Server::start(move |seen| {
        let location = format!("{target}{}", seen.uri);
        response(status, &[("location", &location)], "")
    })
    .await
}

fn assert_redirect(error: &RequestError, status: u16, target: &str) {
    match error {
        RequestError::Redirect {
            status: s,
            location: Some(location),
        } => {
            assert_eq!(*s, status, "{error}");
            assert!(location.starts_with(target), "{location} vs {target}");
            assert!(!location.contains('?'), "the query is left out: {location}");
        }
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains(&format!("HTTP {status} redirect to {target}")),
        "{text}"
    );
    assert!(!text.contains("signature"), "{text}");
    assert!(!error.is_retryable());
}

// ---- 1. Redirects are never followed. ----

#[tokio::test]
async fn a_signed_get_redirected_to_another_host_is_refused_and_the_key_stays_home() {
    let target = Server::bait().await;
    for status in [301, 302, 303, 307, 308] {
        let venue = redirecting(status, &target.url).await;
        let client = binance(&venue.url);
        let result: Result<Fresh<Anything>, _> = client
            .signed_get("/api/v3/account", &[("symbol", "BTCUSDT")])
            .await;
        let error = result.expect_err("no Fresh from a redirect");
        assert_redirect(&error, status, &target.url);
        // The venue got the signed request, with its key; the other host got nothing.
        let at_venue = venue.requests();
        assert_eq!(at_venue.len(), 1);
        assert_eq!(at_venue[0].headers["x-mbx-apikey"], KEY);
        assert!(
            at_venue[0].uri.contains("signature="),
            "{}",
            at_venue[0].uri
        );
    }
    assert_eq!(target.requests().len(), 0, "{:?}", target.requests());
}

#[tokio::test]
async fn a_signed_order_answered_307_is_never_posted_to_the_other_host() {
    let target = Server::bait().await;
    for status in [307, 308, 302] {
        let venue = redirecting(status, &target.url).await;
        let client = binance(&venue.url);
        let order = [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("quantity", "1"),
            ("price", "100"),
        ];
        let result: Result<Fresh<Anything>, _> = client.signed_post("/api/v3/order", &order).await;
        let error = result.expect_err("no Fresh order acknowledgment from a redirect");
        assert_redirect(&error, status, &target.url);
        let at_venue = venue.requests();
        assert_eq!(at_venue.len(), 1);
        assert_eq!(at_venue[0].method, Method::POST);
        assert!(
            at_venue[0].body.contains("signature="),
            "{}",
            at_venue[0].body
        );
    }
    let leaked = target.requests();
    assert!(leaked.is_empty(), "the other host got {leaked:?}");
}

#[tokio::test]
async fn public_and_time_paths_refuse_redirects_too() {
    let target = Server::bait().await;
    let venue = redirecting(302, &target.url).await;
    let client = binance(&venue.url);

    let info = client
        .public_get::<AnythingStatic, _>("/api/v3/exchangeInfo", &())
        .await
        .unwrap_err();
    assert_redirect(&info, 302, &target.url);
    let price = client
        .public_get_fresh::<Anything, _>("/api/v3/ticker/price", &())
        .await
        .unwrap_err();
    assert_redirect(&price, 302, &target.url);
    let time = client.sync_time().await.unwrap_err();
    assert_redirect(&time, 302, &target.url);
    assert_eq!(client.time_offset_ms(), 0);

    // An enveloped venue (Bybit) and its header signature: the same.
    let bybit = SignedClient::builder_for(Bybit, &venue.url)
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    let wallet = bybit
        .signed_get::<Anything, _>("/v5/account/wallet-balance", &[("accountType", "UNIFIED")])
        .await
        .unwrap_err();
    assert_redirect(&wallet, 302, &target.url);
    let placed = bybit
        .signed_post::<Anything, _>("/v5/order/create", &[("symbol", "BTCUSDT")])
        .await
        .unwrap_err();
    assert_redirect(&placed, 302, &target.url);
    assert!(venue
        .requests()
        .iter()
        .any(|r| r.headers.get("x-bapi-api-key").is_some_and(|k| k == KEY)));

    assert!(target.requests().is_empty(), "{:?}", target.requests());
}

#[tokio::test]
async fn the_fresh_client_and_its_static_path_refuse_redirects() {
    let target = Server::bait().await;
    let venue = redirecting(302, &target.url).await;
    let client = FreshClient::new().unwrap();
    let fresh = client
        .get(format!("{}/api/v3/openOrders", venue.url))
        .fetch::<Anything>()
        .await
        .unwrap_err();
    assert!(
        matches!(&fresh, FetchError::Redirect { status: 302, location: Some(l) } if l.starts_with(&target.url)),
        "{fresh:?}"
    );
    assert!(!fresh.is_retryable());
    assert_eq!(fresh.status(), Some(302));
    let stat = client
        .get(format!("{}/api/v3/exchangeInfo", venue.url))
        .fetch_static::<AnythingStatic>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            stat,
            FetchError::Redirect {
                status: 307 | 302,
                ..
            }
        ),
        "{stat:?}"
    );
    let posted = client
        .post(format!("{}/order", venue.url))
        .body("secret-order")
        .fetch::<Anything>()
        .await
        .unwrap_err();
    assert!(matches!(posted, FetchError::Redirect { .. }), "{posted:?}");
    assert!(target.requests().is_empty(), "{:?}", target.requests());
}

#[tokio::test]
async fn a_relative_or_missing_location_never_echoes_the_signed_query() {
    // An empty Location resolves to the request's own URL, signature included.
    let relative = Server::start(|_| response(302, &[("location", "")], "")).await;
    let error = binance(&relative.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    match &error {
        RequestError::Redirect {
            location: Some(location),
            ..
        } => assert_eq!(location, &format!("{}/api/v3/account", relative.url)),
        other => panic!("{other:?}"),
    }
    assert!(!error.to_string().contains("signature"), "{error}");

    let missing = Server::start(|_| response(307, &[], "")).await;
    let error = binance(&missing.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RequestError::Redirect {
                status: 307,
                location: None
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "HTTP 307 redirect to an unnamed location (no Location header) refused: the crate never \
         follows redirects, nothing was sent there"
    );
}

#[tokio::test]
async fn a_path_cannot_move_the_request_to_another_host() {
    let target = Server::bait().await;
    let venue = Server::bait().await;
    let host = target.url.trim_start_matches("http://");
    let error = binance(&venue.url)
        .signed_get::<Anything, _>(&format!("@{host}/api/v3/account"), &())
        .await
        .unwrap_err();
    assert!(matches!(error, RequestError::Params { .. }), "{error:?}");
    assert!(target.requests().is_empty() && venue.requests().is_empty());
}

// ---- 2. Hostile numbers: server times. ----

/// A Binance-style venue whose `/api/v3/time` says what `time` holds; everything else is 200.
async fn clock_venue(time: Arc<AtomicI64>) -> Server {
    Server::start(move |seen| {
        if seen.uri.starts_with("/api/v3/time") {
            json(
                200,
                &format!(r#"{{"serverTime":{}}}"#, time.load(Ordering::SeqCst)),
            )
        } else {
            json(200, r#"{"ok":true}"#)
        }
    })
    .await
}

fn timestamp_sent(seen: &Seen) -> i64 {
    let query = seen.uri.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("timestamp="))
        .expect("a timestamp")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn absurd_server_times_are_refused_and_the_next_signed_call_is_sound() {
    const CENTURY_MS: i64 = 100 * 365 * 24 * 3_600 * 1_000;
    let time = Arc::new(AtomicI64::new(0));
    let venue = clock_venue(Arc::clone(&time)).await;
    let client = binance(&venue.url);
    let now = now_ms();
    for absurd in [
        i64::MIN,
        i64::MAX,
        i64::MIN + 1,
        0,
        -1,
        now + CENTURY_MS,
        now - CENTURY_MS,
        now + 6 * 60 * 1_000,
    ] {
        time.store(absurd, Ordering::SeqCst);
        let error = client
            .sync_time()
            .await
            .expect_err("an absurd time is refused");
        match &error {
            RequestError::ImplausibleServerTime {
                server_time_ms,
                max_offset,
                ..
            } => {
                assert_eq!(*server_time_ms, absurd);
                assert_eq!(*max_offset, DEFAULT_MAX_TIME_OFFSET);
            }
            other => panic!("server time {absurd}: {other:?}"),
        }
        assert!(!error.is_retryable());
        assert!(
            error
                .to_string()
                .starts_with(&format!("implausible server time {absurd} ms")),
            "{error}"
        );
        assert_eq!(client.time_offset_ms(), 0, "the offset is left as it was");

        // The next signed call goes out with a sane timestamp.
        let fresh: Fresh<Anything> = client.signed_get("/api/v3/account", &()).await.unwrap();
        assert!(fresh.read().unwrap().ok);
        let sent = timestamp_sent(venue.requests().last().unwrap());
        assert!((sent - now_ms()).abs() < 60_000, "timestamp {sent}");
    }

    // A real drift within the bound is taken.
    time.store(now_ms() + 30_000, Ordering::SeqCst);
    let offset = client.sync_time().await.unwrap();
    assert!((offset - 30_000).abs() < 5_000, "{offset}");
}

#[tokio::test]
async fn with_the_bound_lifted_an_overflowing_timestamp_is_an_error_not_a_panic() {
    let time = Arc::new(AtomicI64::new(i64::MAX));
    let venue = clock_venue(Arc::clone(&time)).await;
    let client = SignedClient::builder(&venue.url)
        .api_key(KEY)
        .secret(SECRET)
        .max_time_offset(Duration::MAX)
        .build()
        .unwrap();
    // i64::MAX minus now fits an i64: accepted, since the bound was lifted.
    let offset = client.sync_time().await.unwrap();
    assert!(offset > i64::MAX - now_ms() - 60_000);
    // The venue's clock is at i64::MAX as of the sync: a request signed in the same millisecond
    // would still fit. Any later one overflows.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let error = client
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .expect_err("the timestamp overflows");
    assert!(matches!(error, RequestError::Params { .. }), "{error:?}");
    assert!(error.to_string().contains("overflows"), "{error}");
    let orders = client
        .signed_post::<Anything, _>("/api/v3/order", &[("symbol", "BTCUSDT")])
        .await
        .expect_err("the timestamp overflows");
    assert!(matches!(orders, RequestError::Params { .. }), "{orders:?}");
    // Nothing signed was sent.
    assert!(venue
        .requests()
        .iter()
        .all(|r| r.uri.starts_with("/api/v3/time")));

    // i64::MIN minus now does not fit an i64: refused even without a bound.
    time.store(i64::MIN, Ordering::SeqCst);
    let error = client.sync_time().await.unwrap_err();
    assert!(
        matches!(error, RequestError::ImplausibleServerTime { .. }),
        "{error:?}"
    );
    assert_eq!(client.time_offset_ms(), offset, "left as it was");
}

#[tokio::test]
async fn a_bybit_time_past_i64_is_refused() {
    let venue = Server::start(|seen| {
        if seen.uri.starts_with("/v5/market/time") {
            json(
                200,
                r#"{"retCode":0,"retMsg":"OK","result":{"timeSecond":"1","timeNano":"79228162514264337593543950335"},"time":1}"#,
            )
        } else {
            json(200, r#"{"retCode":0,"retMsg":"OK","result":{"ok":true}}"#)
        }
    })
    .await;
    let client = SignedClient::builder_for(Bybit, &venue.url)
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    let error = client.sync_time().await.unwrap_err();
    assert!(
        matches!(
            error,
            RequestError::ImplausibleServerTime {
                server_time_ms: i64::MAX,
                ..
            }
        ),
        "{error:?}"
    );
    let fresh: Fresh<Anything> = client.signed_get("/v5/account/info", &()).await.unwrap();
    assert!(fresh.read().unwrap().ok);
}

#[test]
fn time_offsets_past_the_bound_are_refused_at_build() {
    for offset in [
        i64::MAX,
        i64::MIN,
        5 * 60 * 1_000 + 1,
        -(5 * 60 * 1_000 + 1),
    ] {
        let built = SignedClient::builder("http://127.0.0.1:9")
            .api_key(KEY)
            .secret(SECRET)
            .time_offset_ms(offset)
            .build();
        assert!(
            matches!(built, Err(SignedClientBuildError::InvalidTimeOffset { offset_ms, .. }) if offset_ms == offset),
            "{offset}: {built:?}"
        );
    }
    let wide = SignedClient::builder("http://127.0.0.1:9")
        .api_key(KEY)
        .secret(SECRET)
        .max_time_offset(Duration::from_secs(3_600))
        .time_offset_ms(-3_000_000)
        .build()
        .unwrap();
    assert_eq!(wide.time_offset_ms(), -3_000_000);
}

#[test]
fn signers_take_extreme_timestamps_without_panicking() {
    let okx = OkxSigner::new(KEY, SECRET, "passphrase").unwrap();
    for ts in [i64::MIN, i64::MAX, -1, 0] {
        let mut request = SignRequest::new(
            hft_cache::fetch::Method::GET,
            "/api/v5/account/balance",
            "",
            "",
            ts,
            60_000,
        );
        okx.sign(&mut request);
        assert!(request.headers.contains_key("ok-access-sign"));
    }
}

// ---- 3. Retry-After and bans. ----

const TOO_MANY: &str = r#"{"code":-1003,"msg":"Too many requests."}"#;
const BANNED: &str = r#"{"code":-1003,"msg":"Way too many requests; IP banned."}"#;

#[tokio::test]
async fn a_429_keeps_its_retry_after_and_is_retryable() {
    let venue = Server::start(|_| {
        response(
            429,
            &[("content-type", "application/json"), ("retry-after", "7")],
            TOO_MANY,
        )
    })
    .await;
    let error = binance(&venue.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            RequestError::Exchange {
                status: 429,
                code: -1003,
                kind: ExchangeErrorKind::RateLimited,
                retry_after: Some(wait),
                ..
            } if wait == Duration::from_secs(7)
        ),
        "{error:?}"
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert!(error.is_retryable());
    assert!(!error.is_banned());
    assert_eq!(
        error.to_string(),
        "exchange error -1003 (RateLimited), HTTP 429: Too many requests. (retry after 7s)"
    );
}

#[tokio::test]
async fn a_418_ban_keeps_its_retry_after_and_is_not_retryable() {
    let venue = Server::start(|_| {
        response(
            418,
            &[("content-type", "application/json"), ("retry-after", "120")],
            BANNED,
        )
    })
    .await;
    let client = binance(&venue.url);
    let error = client
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    assert_eq!(error.exchange_kind(), Some(ExchangeErrorKind::RateLimited));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert!(error.is_banned());
    assert!(!error.is_retryable(), "a ban is not retryable");
    assert_eq!(
        error.to_string(),
        "exchange error -1003 (RateLimited), HTTP 418: Way too many requests; IP banned. \
         (IP banned, not retryable; the ban lifts in 120s)"
    );

    // The bare fetch path says the same.
    let bare = FreshClient::new()
        .unwrap()
        .get(format!("{}/api/v3/account", venue.url))
        .fetch::<Anything>()
        .await
        .unwrap_err();
    assert!(bare.is_banned());
    assert!(!bare.is_retryable());
    assert_eq!(bare.retry_after(), Some(Duration::from_secs(120)));

    // A ban without Retry-After is still a ban.
    let no_header = Server::start(|_| json(418, BANNED)).await;
    let error = binance(&no_header.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    assert!(error.is_banned() && !error.is_retryable());
    assert_eq!(error.retry_after(), None);
    assert!(
        error.to_string().ends_with("(IP banned, not retryable)"),
        "{error}"
    );
}

#[tokio::test]
async fn hostile_or_odd_retry_after_values_are_bounded_or_ignored() {
    let value = Arc::new(Mutex::new(String::new()));
    let header = Arc::clone(&value);
    let venue = Server::start(move |_| {
        let v = header.lock().unwrap().clone();
        response(
            429,
            &[("content-type", "application/json"), ("retry-after", &v)],
            TOO_MANY,
        )
    })
    .await;
    let client = binance(&venue.url);
    for (sent, kept) in [
        ("0", Some(Duration::ZERO)),
        (" 3 ", Some(Duration::from_secs(3))),
        ("18446744073709551615", Some(MAX_RETRY_AFTER)),
        ("99999999999999999999999999", Some(MAX_RETRY_AFTER)),
        ("604801", Some(MAX_RETRY_AFTER)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
    ] {
        *value.lock().unwrap() = sent.to_owned();
        let error = client
            .signed_get::<Anything, _>("/api/v3/account", &())
            .await
            .unwrap_err();
        assert_eq!(error.retry_after(), kept, "Retry-After: {sent}");
        assert!(error.is_retryable(), "Retry-After: {sent}");
    }
    assert_eq!(MAX_RETRY_AFTER, Duration::from_secs(7 * 24 * 3_600));
}

#[tokio::test]
async fn retry_after_on_a_plain_503_is_kept_too() {
    let venue = Server::start(|_| response(503, &[("retry-after", "30")], "maintenance")).await;
    let error = binance(&venue.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.fetch_error(),
            Some(FetchError::Http { status: 503, retry_after: Some(wait), .. }) if *wait == Duration::from_secs(30)
        ),
        "{error:?}"
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert!(error.is_retryable());
    assert_eq!(error.to_string(), "HTTP 503: maintenance (retry after 30s)");
}

// ---- 3b. The crate's own retry (the kill switch's assessment) honours them. ----

const MAX_QTY: &str = "79228162514264337593543950335";

/// A venue that accepts an order, then answers the assessment's GETs with `assess`.
async fn assessed_venue(assess: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Server {
    Server::start(move |seen| {
        if seen.method == Method::POST {
            json(
                200,
                r#"{"ok":true,"symbol":"BTCUSDT","orderId":1,"status":"FILLED","executedQty":"1"}"#,
            )
        } else {
            assess(seen)
        }
    })
    .await
}

/// A switch whose assessment goes to `venue`, with one live order in its journal.
async fn tripped(venue: &Server, attempts: u32) -> (KillSwitch, EmergencyReport) {
    let journal = OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(binance(&venue.url))
        // These tests count the assessment's own requests; the cancel sweep has its tests.
        .keep_resting_orders()
        .assessment_retry(
            attempts,
            Duration::from_millis(5),
            Duration::from_millis(10),
        )
        .build();
    let trader = SignedClient::builder(&venue.url)
        .api_key(KEY)
        .secret(SECRET)
        .journal(journal)
        .build()
        .unwrap();
    let order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "MARKET"),
        ("quantity", "1"),
    ];
    let _: Fresh<Anything> = trader.signed_post("/api/v3/order", &order).await.unwrap();
    kill.trip("hostile venue");
    let assessed = tokio::time::timeout(Duration::from_secs(30), kill.assessed_report())
        .await
        .expect("the assessment ends")
        .expect("tripped");
    (kill, assessed)
}

fn gets(venue: &Server) -> Vec<Seen> {
    venue
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::GET)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assessment_stops_at_a_ban_instead_of_extending_it() {
    let venue = assessed_venue(|_| {
        response(
            418,
            &[("content-type", "application/json"), ("retry-after", "120")],
            BANNED,
        )
    })
    .await;
    let (kill, assessed) = tripped(&venue, 5).await;
    assert!(kill.is_halted());
    let AssessmentState::Failed {
        attempts,
        last_error,
    } = &assessed.assessment
    else {
        panic!("{:?}", assessed.assessment);
    };
    assert_eq!(*attempts, 1, "no retry during a ban");
    assert!(
        last_error.contains("HTTP 418") && last_error.contains("120s"),
        "{last_error}"
    );
    assert_eq!(gets(&venue).len(), 1, "one request, then silence");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assessment_waits_out_retry_after_before_its_next_attempt() {
    let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let venue = assessed_venue(move |_| {
        if first.swap(false, Ordering::SeqCst) {
            response(
                429,
                &[("content-type", "application/json"), ("retry-after", "1")],
                TOO_MANY,
            )
        } else {
            response(500, &[], "down")
        }
    })
    .await;
    let started = std::time::Instant::now();
    let (_kill, assessed) = tripped(&venue, 2).await;
    let AssessmentState::Failed {
        attempts,
        last_error,
    } = &assessed.assessment
    else {
        panic!("{:?}", assessed.assessment);
    };
    assert_eq!(*attempts, 2);
    assert!(last_error.contains("HTTP 500"), "{last_error}");
    assert_eq!(gets(&venue).len(), 2);
    // The backoff alone is 5 ms; the venue asked for 1 s, and a sleep never ends early.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// An order as Binance's `GET /api/v3/order` answers it, every field present.
fn binance_order(id: u64, status: &str, orig: &str, executed: &str, quote: &str) -> String {
    format!(
        r#"{{"symbol":"BTCUSDT","orderId":{id},"orderListId":-1,"clientOrderId":"c{id}","price":"100","origQty":"{orig}","executedQty":"{executed}","cummulativeQuoteQty":"{quote}","status":"{status}","timeInForce":"GTC","type":"LIMIT","side":"BUY","stopPrice":"0","icebergQty":"0","time":1,"updateTime":1,"isWorking":true,"workingTime":1,"origQuoteOrderQty":"0","selfTradePreventionMode":"NONE"}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overflowing_quantities_fail_the_assessment_instead_of_panicking_it() {
    let venue = assessed_venue(|seen| {
        let path = seen.uri.split('?').next().unwrap_or_default();
        match path {
            "/api/v3/exchangeInfo" => json(
                200,
                r#"{"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC","quoteAsset":"USDT"}]}"#,
            ),
            "/api/v3/order" => json(200, &binance_order(1, "FILLED", "1", "1", "100")),
            "/api/v3/openOrders" => json(
                200,
                &format!(
                    "[{},{}]",
                    binance_order(2, "NEW", MAX_QTY, "0", "0"),
                    binance_order(3, "NEW", MAX_QTY, "0", "0")
                ),
            ),
            "/api/v3/account" => json(200, r#"{"balances":[]}"#),
            "/api/v3/time" => json(200, &format!(r#"{{"serverTime":{}}}"#, now_ms())),
            _ => json(404, r#"{"code":-1,"msg":"no"}"#),
        }
    })
    .await;
    let (_kill, assessed) = tripped(&venue, 1).await;
    let AssessmentState::Failed { last_error, .. } = &assessed.assessment else {
        panic!("{:?}", assessed.assessment);
    };
    assert!(last_error.contains("quantities overflow"), "{last_error}");
}

#[tokio::test]
async fn a_huge_or_garbled_location_is_cut_and_named_lossily() {
    let long = format!("http://elsewhere.example/{}", "a".repeat(20_000));
    let venue = Server::start(move |_| response(302, &[("location", &long)], "")).await;
    let error = binance(&venue.url)
        .signed_get::<Anything, _>("/api/v3/account", &())
        .await
        .unwrap_err();
    let RequestError::Redirect {
        location: Some(location),
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert!(
        location.starts_with("http://elsewhere.example/aaa"),
        "{location}"
    );
    assert_eq!(location.chars().count(), 256);

    let garbled = Server::start(|_| {
        let mut answer = response(302, &[], "");
        answer.headers_mut().insert(
            "location",
            axum::http::HeaderValue::from_bytes(b"http://x.example/\xff\xfe").unwrap(),
        );
        answer
    })
    .await;
    let error = FreshClient::new()
        .unwrap()
        .get(format!("{}/x", garbled.url))
        .fetch::<Anything>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, FetchError::Redirect { location: Some(l), .. } if l.starts_with("http://x.example/")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_depth_feed_snapshot_never_follows_a_redirect() {
    let target = Server::start(|_| {
        json(
            200,
            r#"{"lastUpdateId":200,"bids":[["1.0","1.0"]],"asks":[["2.0","1.0"]]}"#,
        )
    })
    .await;
    let rest = redirecting(302, &target.url).await;
    let mut ws = support::Server::start().await;
    let books = StreamCache::<String, BookView>::builder()
        .name("books")
        .max_age(Duration::from_secs(5))
        .build()
        .unwrap();
    let _feed = DepthFeed::builder(&ws.ws_url, &rest.url)
        .symbols(["BNBBTC"])
        .snapshot_backoff(Duration::from_millis(10), Duration::from_millis(20))
        .spawn(&books)
        .unwrap();
    let _conn = ws.accept().await;
    support::wait_until("three snapshot attempts", || {
        rest.requests()
            .iter()
            .filter(|r| r.uri.starts_with("/api/v3/depth"))
            .count()
            >= 3
    })
    .await;
    assert!(target.requests().is_empty(), "{:?}", target.requests());
    assert!(
        books.read("BNBBTC", |_| ()).is_err(),
        "no book from another host"
    );
}
