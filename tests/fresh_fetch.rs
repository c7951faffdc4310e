//! `Fresh<T>` end to end: fetched from a real HTTP server on loopback, read, expired on a manual
//! clock, and every way the response can be wrong turned into a typed error.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use hft_cache::clock::ManualClock;
use hft_cache::exchange::{GatedRequest, RequestError};
use hft_cache::fetch::{ApiError, Envelope, FetchError, FreshClient, RawValue};
use hft_cache::kill_switch::KillSwitch;
use hft_cache::monitor::Registry;
use hft_cache::{Expired, Fresh, Live, Static};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

#[derive(Live, Deserialize, Debug)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

#[derive(Live, Deserialize, Debug)]
#[hft(max_age_ms = 50)]
struct Order {
    #[serde(rename = "orderId")]
    order_id: u64,
}

const BALANCE: &str = r#"{"asset":"USDT","free":"100.50","locked":"2.25"}"#;

/// Starts the test server on an ephemeral port; the manual clock lets a handler age a response.
async fn server(clock: ManualClock) -> String {
    let slow_clock = clock.clone();
    let slow_enveloped = clock.clone();
    let app = Router::new()
        .route("/balance", get(|| async { json(StatusCode::OK, BALANCE) }))
        .route(
            "/orders",
            get(|| async { json(StatusCode::OK, r#"[{"orderId":1},{"orderId":2}]"#) }),
        )
        .route(
            "/takes-100ms",
            get(move || {
                let clock = slow_clock.clone();
                async move {
                    clock.advance(Duration::from_millis(100));
                    json(StatusCode::OK, BALANCE)
                }
            }),
        )
        .route(
            "/unauthorized",
            get(|| async {
                json(
                    StatusCode::UNAUTHORIZED,
                    r#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#,
                )
            }),
        )
        .route(
            "/rate-limited",
            get(|| async {
                json(
                    StatusCode::TOO_MANY_REQUESTS,
                    r#"{"code":-1003,"msg":"Too many requests."}"#,
                )
            }),
        )
        .route(
            "/error-with-200",
            get(|| async { json(StatusCode::OK, r#"{"code":-1121,"msg":"Invalid symbol."}"#) }),
        )
        .route(
            "/unavailable",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "upstream unavailable") }),
        )
        .route("/not-found", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/malformed",
            get(|| async { json(StatusCode::OK, r#"{"asset": "USDT", free: }"#) }),
        )
        .route(
            "/truncated",
            get(|| async { json(StatusCode::OK, r#"{"asset":"USDT","free":"10"#) }),
        )
        .route(
            "/wrong-type",
            get(|| async {
                json(
                    StatusCode::OK,
                    r#"{"asset":"USDT","free":true,"locked":"0"}"#,
                )
            }),
        )
        .route(
            "/oversized",
            get(|| async { json(StatusCode::OK, &format!("[{}1]", "1,".repeat(100_000))) }),
        )
        .route(
            "/oversized-chunked",
            get(|| async {
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 4096]));
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    Body::from_stream(futures_util::stream::iter(chunks)),
                )
            }),
        )
        .route(
            "/v/balance",
            get(|| async { json(StatusCode::OK, &envelope(0, "OK", BALANCE)) }),
        )
        .route(
            "/v/insufficient",
            // Bybit-style: the error rides in HTTP 200, the payload is `{}`.
            get(|| async {
                json(
                    StatusCode::OK,
                    &envelope(170131, "Insufficient balance.", "{}"),
                )
            }),
        )
        .route(
            "/v/forbidden",
            get(|| async {
                json(
                    StatusCode::FORBIDDEN,
                    &envelope(10003, "API key is invalid.", "{}"),
                )
            }),
        )
        .route(
            "/v/wrong-payload",
            get(|| async { json(StatusCode::OK, &envelope(0, "OK", r#"{"asset":1}"#)) }),
        )
        .route(
            "/v/rules",
            get(|| async { json(StatusCode::OK, &envelope(0, "OK", RULES)) }),
        )
        .route("/rules", get(|| async { json(StatusCode::OK, RULES) }))
        .route(
            "/v/takes-100ms",
            get(move || {
                let clock = slow_enveloped.clone();
                async move {
                    clock.advance(Duration::from_millis(100));
                    json(StatusCode::OK, &envelope(0, "OK", BALANCE))
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                json(StatusCode::OK, BALANCE)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn envelope(code: i64, msg: &str, result: &str) -> String {
    format!(
        r#"{{"retCode":{code},"retMsg":"{msg}","result":{result},"retExtInfo":{{}},"time":1700000000000}}"#
    )
}

fn json(status: StatusCode, body: &str) -> impl IntoResponse {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_owned(),
    )
}

async fn setup() -> (String, FreshClient, ManualClock) {
    let clock = ManualClock::new();
    let base = server(clock.clone()).await;
    let client = FreshClient::builder()
        .clock(clock.shared())
        .timeout(Duration::from_millis(300))
        .max_body_bytes(64 * 1024)
        .build()
        .unwrap();
    (base, client, clock)
}

#[tokio::test]
async fn fetched_value_reads_until_its_max_age_then_expires() {
    let (base, client, clock) = setup().await;
    let balance: Fresh<Balance> = client.get(format!("{base}/balance")).fetch().await.unwrap();

    let b = balance.read().unwrap();
    assert_eq!(
        (b.asset.as_str(), b.free, b.locked),
        ("USDT", dec!(100.50), dec!(2.25))
    );
    assert_eq!(balance.age(), Duration::ZERO);
    assert_eq!(balance.max_age(), Duration::from_millis(250));

    clock.advance(Duration::from_millis(250));
    assert!(
        balance.read().is_ok(),
        "exactly at its max age a value is still readable"
    );

    clock.advance(Duration::from_nanos(1));
    let err = balance.read().unwrap_err();
    assert_eq!(
        err,
        Expired {
            type_name: std::any::type_name::<Balance>(),
            age: Duration::from_nanos(250_000_001),
            max_age: Duration::from_millis(250),
        }
    );
    assert!(!balance.is_fresh());
    assert!(err.to_string().contains("past its max age"), "{err}");
}

#[tokio::test]
async fn age_counts_from_when_the_request_was_sent() {
    let (base, client, _clock) = setup().await;
    // The handler moves the clock by 100 ms before answering: the value is already that old.
    let balance: Fresh<Balance> = client
        .get(format!("{base}/takes-100ms"))
        .fetch()
        .await
        .unwrap();
    assert_eq!(balance.age(), Duration::from_millis(100));
}

#[tokio::test]
async fn collections_take_their_elements_max_age() {
    let (base, client, clock) = setup().await;
    let orders: Fresh<Vec<Order>> = client.get(format!("{base}/orders")).fetch().await.unwrap();
    let ids: Vec<u64> = orders.read().unwrap().iter().map(|o| o.order_id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(orders.max_age(), Duration::from_millis(50));
    clock.advance(Duration::from_millis(51));
    assert!(orders.read().is_err());
}

#[tokio::test]
async fn debug_shows_age_not_the_value() {
    let (base, client, _clock) = setup().await;
    let balance: Fresh<Balance> = client.get(format!("{base}/balance")).fetch().await.unwrap();
    let debug = format!("{balance:?}");
    assert!(
        debug.contains("Balance") && debug.contains("age"),
        "{debug}"
    );
    assert!(!debug.contains("100.50"), "{debug}");
}

async fn fetch_err(path: &str) -> FetchError {
    let (base, client, _clock) = setup().await;
    client
        .get(format!("{base}{path}"))
        .fetch::<Balance>()
        .await
        .expect_err("the fetch must fail")
}

#[tokio::test]
async fn exchange_error_body_is_typed() {
    match fetch_err("/unauthorized").await {
        FetchError::Exchange {
            status, code, msg, ..
        } => {
            assert_eq!((status, code), (401, -2015));
            assert!(msg.starts_with("Invalid API-key"), "{msg}");
        }
        other => panic!("expected an exchange error, got {other:?}"),
    }
    let limited = fetch_err("/rate-limited").await;
    assert!(
        matches!(
            limited,
            FetchError::Exchange {
                status: 429,
                code: -1003,
                ..
            }
        ),
        "{limited:?}"
    );
    assert!(limited.is_retryable());
}

#[tokio::test]
async fn exchange_error_object_with_status_200_is_an_exchange_error() {
    let err = fetch_err("/error-with-200").await;
    assert!(
        matches!(
            err,
            FetchError::Exchange {
                code: -1121,
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn http_errors_without_an_exchange_body_keep_status_and_text() {
    match fetch_err("/unavailable").await {
        FetchError::Http {
            status: 503, body, ..
        } => assert_eq!(body, "upstream unavailable"),
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    assert!(matches!(
        fetch_err("/not-found").await,
        FetchError::Http { status: 404, .. }
    ));
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let err = fetch_err("/malformed").await;
    assert!(matches!(err, FetchError::Malformed { .. }), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn wrong_typed_json_is_malformed() {
    let err = fetch_err("/wrong-type").await;
    assert!(matches!(err, FetchError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_json_is_a_typed_error() {
    let err = fetch_err("/truncated").await;
    assert!(matches!(err, FetchError::Truncated { .. }), "{err:?}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_or_without_content_length() {
    for path in ["/oversized", "/oversized-chunked"] {
        let err = fetch_err(path).await;
        assert!(
            matches!(err, FetchError::BodyTooLarge { limit: 65_536 }),
            "{path}: {err:?}"
        );
    }
}

#[tokio::test]
async fn slow_responses_time_out() {
    let err = fetch_err("/slow").await;
    assert!(
        matches!(err, FetchError::Timeout(t) if t == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn unreachable_server_is_a_connect_error() {
    // Bind then drop a listener, so the port is very likely closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = FreshClient::new().unwrap();
    let err = client
        .get(format!("http://127.0.0.1:{port}/balance"))
        .fetch::<Balance>()
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Connect(_)), "{err:?}");
}

const RULES: &str = r#"{"symbol":"BTCUSDT","tickSize":"0.01"}"#;

/// A venue's envelope, written as an adapter would.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VenueEnvelope {
    ret_code: i64,
    ret_msg: String,
    result: Box<RawValue>,
}

impl Envelope for VenueEnvelope {
    fn open(self) -> Result<Box<RawValue>, ApiError> {
        match self.ret_code {
            0 => Ok(self.result),
            code => Err(ApiError {
                code,
                msg: self.ret_msg,
            }),
        }
    }
}

#[derive(Static, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Rules {
    symbol: String,
    tick_size: Decimal,
}

#[tokio::test]
async fn an_envelope_is_opened_inside_the_fetch() {
    let (base, client, clock) = setup().await;
    let balance: Fresh<Balance> = client
        .get(format!("{base}/v/balance"))
        .fetch_enveloped::<VenueEnvelope, Balance>()
        .await
        .unwrap();
    assert_eq!(balance.read().unwrap().free, dec!(100.50));
    clock.advance(Duration::from_millis(251));
    assert!(balance.read().is_err(), "the inner type's max age applies");
}

#[tokio::test]
async fn an_enveloped_value_ages_from_when_the_request_was_sent() {
    let (base, client, _clock) = setup().await;
    let balance = client
        .get(format!("{base}/v/takes-100ms"))
        .fetch_enveloped::<VenueEnvelope, Balance>()
        .await
        .unwrap();
    assert_eq!(balance.age(), Duration::from_millis(100));
}

#[tokio::test]
async fn an_envelope_error_keeps_the_venues_code_whatever_the_status() {
    let (base, client, _clock) = setup().await;
    for (path, status, code) in [
        ("/v/insufficient", 200, 170131),
        ("/v/forbidden", 403, 10003),
    ] {
        let err = client
            .get(format!("{base}{path}"))
            .fetch_enveloped::<VenueEnvelope, Balance>()
            .await
            .unwrap_err();
        match err {
            FetchError::Exchange {
                status: s,
                code: c,
                ref msg,
                ..
            } => {
                assert_eq!((s, c), (status, code), "{path}");
                assert!(!msg.is_empty());
            }
            other => panic!("{path}: expected the venue's error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn enveloped_bodies_of_the_wrong_shape_are_typed_errors() {
    let (base, client, _clock) = setup().await;
    let fetch = |path: &'static str| {
        let request = client.get(format!("{base}{path}"));
        async move {
            request
                .fetch_enveloped::<VenueEnvelope, Balance>()
                .await
                .unwrap_err()
        }
    };
    let wrong_payload = fetch("/v/wrong-payload").await;
    assert!(
        matches!(wrong_payload, FetchError::Malformed { .. }),
        "{wrong_payload:?}"
    );
    // A bare body where an envelope is expected, a common error object, plain text.
    assert!(matches!(
        fetch("/balance").await,
        FetchError::Malformed { .. }
    ));
    assert!(matches!(
        fetch("/error-with-200").await,
        FetchError::Exchange { code: -1121, .. }
    ));
    assert!(matches!(
        fetch("/truncated").await,
        FetchError::Truncated { .. }
    ));
    assert!(matches!(
        fetch("/unavailable").await,
        FetchError::Http { status: 503, .. }
    ));
}

#[tokio::test]
async fn static_data_is_fetched_as_a_plain_value_with_the_same_limits() {
    let (base, client, _clock) = setup().await;
    let rules: Rules = client
        .get(format!("{base}/rules"))
        .fetch_static()
        .await
        .unwrap();
    assert_eq!(
        (rules.symbol.as_str(), rules.tick_size),
        ("BTCUSDT", dec!(0.01))
    );
    let rules: Rules = client
        .get(format!("{base}/v/rules"))
        .fetch_static_enveloped::<VenueEnvelope, Rules>()
        .await
        .unwrap();
    assert_eq!(rules.tick_size, dec!(0.01));

    let too_large = client
        .get(format!("{base}/oversized"))
        .fetch_static::<Rules>()
        .await
        .unwrap_err();
    assert!(matches!(too_large, FetchError::BodyTooLarge { .. }));
    let slow = client
        .get(format!("{base}/slow"))
        .fetch_static::<Rules>()
        .await
        .unwrap_err();
    assert!(matches!(slow, FetchError::Timeout(_)), "{slow:?}");
    let refused = client
        .get(format!("{base}/unauthorized"))
        .fetch_static::<Rules>()
        .await
        .unwrap_err();
    assert!(matches!(refused, FetchError::Exchange { code: -2015, .. }));
}

#[tokio::test]
async fn a_gated_request_is_not_sent_while_trading_is_halted() {
    let (base, client, _clock) = setup().await;
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let gate = kill.gate();
    let open = GatedRequest::new(client.get(format!("{base}/balance")), &gate)
        .fetch::<Balance>()
        .await
        .unwrap();
    assert_eq!(open.read().unwrap().asset, "USDT");

    kill.trip("operator");
    let refused = GatedRequest::new(client.get(format!("{base}/v/balance")), &gate)
        .fetch_enveloped::<VenueEnvelope, Balance>()
        .await
        .unwrap_err();
    assert!(matches!(refused, RequestError::Halted(_)), "{refused:?}");

    kill.resume().unwrap();
    let failed = GatedRequest::new(client.get(format!("{base}/unauthorized")), &gate)
        .fetch::<Balance>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            failed,
            RequestError::Fetch {
                source: FetchError::Exchange { code: -2015, .. },
                kind: None
            }
        ),
        "past the gate, a bare request's failure is unclassified: {failed:?}"
    );
}
