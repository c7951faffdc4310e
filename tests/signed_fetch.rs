//! The signed client against the mock exchange over real sockets: Binance's signing test vector,
//! live answers as readable `Fresh` values, every exchange refusal and transport failure as a
//! typed error, and a secret that never shows up in Debug output, error text or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hft_cache::clock::ManualClock;
use hft_cache::exchange::{
    ExchangeErrorKind, RequestError, SignedClient, SignedClientBuildError, Signer,
};
use hft_cache::fetch::FetchError;
use hft_cache::{Fresh, Live, Static, Streamed};
use hft_cache_mock::MockExchange;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;

const KEY: &str = "test-api-key";
/// Distinctive, so that a leak anywhere is found by a substring search.
const SECRET: &str = "Zq7-SECRET-must-never-print-9Kx";

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Account {
    can_trade: bool,
    balances: Vec<Balance>,
}

#[derive(Live, Deserialize, Debug)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

impl Account {
    fn balance(&self, asset: &str) -> (Decimal, Decimal) {
        self.balances
            .iter()
            .find(|b| b.asset == asset)
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
    }
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct OrderAck {
    order_id: u64,
    client_order_id: String,
    status: String,
}

#[derive(Static, Deserialize, Debug)]
struct ExchangeInfo {
    symbols: Vec<SymbolName>,
}

#[derive(Static, Deserialize, Debug)]
struct SymbolName {
    symbol: String,
}

#[derive(Streamed, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct DepthSnapshot {
    last_update_id: u64,
    bids: Vec<(Decimal, Decimal)>,
}

async fn exchange() -> MockExchange {
    MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .start()
        .await
        .expect("mock exchange starts")
}

fn client(ex: &MockExchange) -> SignedClient {
    SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .expect("client builds")
}

fn failure(
    result: Result<impl std::fmt::Debug, RequestError>,
) -> (Option<ExchangeErrorKind>, RequestError) {
    let err = result.expect_err("the call fails");
    (err.exchange_kind(), err)
}

#[test]
fn binance_documented_signature_test_vector() {
    let signer = Signer::new("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
    let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    assert_eq!(
        signer.sign(payload),
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    );
}

#[tokio::test]
async fn signed_get_returns_a_fresh_value_that_expires() {
    let ex = exchange().await;
    let clock = ManualClock::new();
    let client = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .clock(clock.shared())
        .build()
        .unwrap();
    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    let read = account.read().unwrap();
    assert!(read.can_trade);
    assert_eq!(read.balance("USDT"), (dec!(10000), dec!(0)));

    clock.advance(Duration::from_millis(251));
    assert!(account.read().is_err(), "a live value expires after 250 ms");
    ex.shutdown().await;
}

#[tokio::test]
async fn signed_post_and_delete_sign_the_body_and_the_query() {
    let ex = exchange().await;
    let client = client(&ex);
    // A client order id with characters that must be form-encoded: the signature covers the
    // encoded form exactly as sent.
    let ack: Fresh<OrderAck> = client
        .signed_post(
            "/api/v3/order",
            &[
                ("symbol", "BTCUSDT"),
                ("side", "BUY"),
                ("type", "LIMIT"),
                ("timeInForce", "GTC"),
                ("quantity", "0.01"),
                ("price", "50000"),
                ("newClientOrderId", "my order/1+é"),
            ],
        )
        .await
        .unwrap();
    let (order_id, client_id) = {
        let ack = ack.read().unwrap();
        assert_eq!(ack.status, "NEW");
        (ack.order_id, ack.client_order_id.clone())
    };
    assert_eq!(client_id, "my order/1+é");

    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    assert_eq!(
        account.read().unwrap().balance("USDT"),
        (dec!(9500), dec!(500))
    );

    let canceled: Fresh<OrderAck> = client
        .signed_delete(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", &order_id.to_string())],
        )
        .await
        .unwrap();
    assert_eq!(canceled.read().unwrap().status, "CANCELED");
    let account: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    assert_eq!(
        account.read().unwrap().balance("USDT"),
        (dec!(10000), dec!(0))
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn public_get_returns_static_data_and_snapshots_as_plain_values() {
    let ex = exchange().await;
    let client = client(&ex);
    let info: ExchangeInfo = client
        .public_get("/api/v3/exchangeInfo", &[("symbol", "BTCUSDT")])
        .await
        .unwrap();
    assert_eq!(info.symbols[0].symbol, "BTCUSDT");
    let depth: DepthSnapshot = client
        .public_get("/api/v3/depth", &[("symbol", "BTCUSDT"), ("limit", "10")])
        .await
        .unwrap();
    assert!(depth.last_update_id > 0);
    assert_eq!(depth.bids.len(), 10);
    let (k, _) = failure(
        client
            .public_get::<DepthSnapshot, _>("/api/v3/depth", &[("symbol", "NOPE")])
            .await,
    );
    assert_eq!(k, Some(ExchangeErrorKind::InvalidParameter));
    ex.shutdown().await;
}

#[tokio::test]
async fn bad_api_key_is_unauthorized() {
    let ex = exchange().await;
    let client = SignedClient::builder(ex.http_url())
        .api_key("someone-else")
        .secret(SECRET)
        .build()
        .unwrap();
    let (k, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert_eq!(k, Some(ExchangeErrorKind::Unauthorized));
    assert!(
        matches!(
            err,
            RequestError::Exchange {
                status: 401,
                code: -2015,
                ..
            }
        ),
        "{err:?}"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn tampered_signature_is_invalid_signature() {
    let ex = exchange().await;
    // Signed with another secret: the signature does not match what the exchange computes.
    let client = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret("not-the-secret")
        .build()
        .unwrap();
    let (k, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert_eq!(k, Some(ExchangeErrorKind::InvalidSignature));
    assert!(
        matches!(err, RequestError::Exchange { code: -1022, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    ex.shutdown().await;
}

#[tokio::test]
async fn stale_or_early_timestamps_are_outside_the_recv_window() {
    let ex = exchange().await;
    for offset_ms in [-10_000, 5_000] {
        let client = SignedClient::builder(ex.http_url())
            .api_key(KEY)
            .secret(SECRET)
            .recv_window(Duration::from_secs(5))
            .time_offset_ms(offset_ms)
            .build()
            .unwrap();
        let (k, _) = failure(
            client
                .signed_get::<Account, _>("/api/v3/account", &())
                .await,
        );
        assert_eq!(
            k,
            Some(ExchangeErrorKind::TimestampOutsideRecvWindow),
            "offset {offset_ms}"
        );

        // Reading the exchange's clock repairs the offset.
        let offset = client.sync_time().await.unwrap();
        assert!(offset.abs() < 1_000, "loopback clocks agree: {offset}");
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await
            .unwrap();
    }
    ex.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_typed_and_retryable() {
    let ex = exchange().await;
    let client = client(&ex);
    let faults = ex.faults();

    faults.fail_next_requests(1);
    let (_, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert!(
        matches!(
            err.fetch_error(),
            Some(FetchError::Http { status: 503, .. })
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());

    faults.error_next_requests(
        1,
        503,
        -1008,
        "Server is currently overloaded with other requests.",
    );
    let (kind_503, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert_eq!(kind_503, Some(ExchangeErrorKind::Unavailable));
    assert!(err.is_retryable());

    faults.error_next_requests(1, 429, -1003, "Too many requests.");
    let (kind_429, _) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert_eq!(kind_429, Some(ExchangeErrorKind::RateLimited));

    faults.error_next_requests(1, 418, -1003, "Way too many requests; IP banned.");
    let (kind_418, _) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert_eq!(kind_418, Some(ExchangeErrorKind::RateLimited));

    // The faults were used up; the next call succeeds.
    client
        .signed_get::<Account, _>("/api/v3/account", &())
        .await
        .unwrap();
    ex.shutdown().await;
}

#[tokio::test]
async fn order_errors_are_typed() {
    let ex = exchange().await;
    let client = client(&ex);
    let order = |qty: &'static str, price: &'static str| {
        [
            ("symbol", "BTCUSDT"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", qty),
            ("price", price),
        ]
    };
    let (k, _) = failure(
        client
            .signed_post::<OrderAck, _>("/api/v3/order", &order("1", "50000"))
            .await,
    );
    assert_eq!(
        k,
        Some(ExchangeErrorKind::OrderRejected),
        "insufficient balance"
    );
    let (k, err) = failure(
        client
            .signed_post::<OrderAck, _>("/api/v3/order", &order("0.01", "50000.001"))
            .await,
    );
    assert_eq!(
        k,
        Some(ExchangeErrorKind::InvalidParameter),
        "off the tick: {err}"
    );
    let (k, _) = failure(
        client
            .signed_get::<OrderAck, _>(
                "/api/v3/order",
                &[("symbol", "BTCUSDT"), ("orderId", "999")],
            )
            .await,
    );
    assert_eq!(k, Some(ExchangeErrorKind::UnknownOrder));
    let (k, _) = failure(
        client
            .signed_delete::<OrderAck, _>(
                "/api/v3/order",
                &[("symbol", "BTCUSDT"), ("orderId", "999")],
            )
            .await,
    );
    assert_eq!(k, Some(ExchangeErrorKind::UnknownOrder));
    ex.shutdown().await;
}

#[tokio::test]
async fn slow_answer_times_out() {
    let ex = exchange().await;
    let client = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    ex.faults().delay_next_requests(1, Duration::from_secs(2));
    let (_, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Timeout(d)) if *d == Duration::from_millis(100)),
        "{err:?}"
    );
    assert!(err.is_retryable());
    // Dropping the exchange stops the delayed handler without waiting for it.
    drop(ex);
}

#[tokio::test]
async fn truncated_and_malformed_bodies_are_typed() {
    let ex = exchange().await;
    let client = client(&ex);
    ex.faults().truncate_next_responses(1);
    let (_, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Truncated { .. })),
        "{err:?}"
    );
    ex.faults().malform_next_responses(1);
    let (_, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Malformed { .. })),
        "{err:?}"
    );
    ex.faults().truncate_next_responses(1);
    let (_, err) = failure(
        client
            .public_get::<ExchangeInfo, _>("/api/v3/exchangeInfo", &())
            .await,
    );
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Truncated { .. })),
        "{err:?}"
    );
    ex.shutdown().await;
}

#[tokio::test]
async fn unreachable_exchange_is_a_connect_error() {
    let ex = exchange().await;
    let url = ex.http_url();
    ex.shutdown().await;
    let client = SignedClient::builder(url)
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    let (_, err) = failure(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await,
    );
    assert!(
        matches!(err.fetch_error(), Some(FetchError::Connect(_))),
        "{err:?}"
    );
    // The signed URL (parameters and signature) stays out of the error text.
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !text.contains("signature") && !text.contains("timestamp="),
            "{text}"
        );
    }
}

#[tokio::test]
async fn params_that_are_not_a_form_are_a_request_error() {
    let ex = exchange().await;
    let nested = [("symbols", vec!["BTCUSDT", "ETHUSDT"])];
    let (_, err) = failure(
        client(&ex)
            .signed_get::<Account, _>("/api/v3/account", &nested)
            .await,
    );
    assert!(matches!(err, RequestError::Params { .. }), "{err:?}");
    ex.shutdown().await;
}

#[test]
fn builder_refuses_unusable_configuration() {
    let base = || {
        SignedClient::builder("http://127.0.0.1:1")
            .api_key(KEY)
            .secret(SECRET)
    };
    assert!(matches!(
        SignedClient::builder("http://127.0.0.1:1")
            .secret(SECRET)
            .build(),
        Err(SignedClientBuildError::MissingApiKey)
    ));
    assert!(matches!(
        SignedClient::builder("http://127.0.0.1:1")
            .api_key(KEY)
            .build(),
        Err(SignedClientBuildError::MissingSecret)
    ));
    assert!(matches!(
        base().recv_window(Duration::from_secs(61)).build(),
        Err(SignedClientBuildError::InvalidRecvWindow(_))
    ));
    assert!(matches!(
        SignedClient::builder("not a url")
            .api_key(KEY)
            .secret(SECRET)
            .build(),
        Err(SignedClientBuildError::InvalidBaseUrl(_))
    ));
    assert!(matches!(
        SignedClient::builder("http://127.0.0.1:1")
            .api_key("bad\nkey")
            .secret(SECRET)
            .build(),
        Err(SignedClientBuildError::InvalidApiKey)
    ));
    assert!(base().build().is_ok());
}

/// A `tracing` writer that keeps everything, to search the logs for the secret.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secret_never_appears_in_debug_errors_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global, not thread-scoped: scoped dispatchers race with other tests over the callsite
    // interest cache. Other tests' logs land here too, and must be as clean.
    tracing::subscriber::set_global_default(subscriber).expect("only this test sets one");

    let ex = exchange().await;
    let builder = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let mut texts = vec![
        builder_debug,
        format!("{client:?}"),
        format!("{:?}", Signer::new(SECRET)),
        format!("{ex:?}"),
    ];

    let ok: Fresh<Account> = client.signed_get("/api/v3/account", &()).await.unwrap();
    texts.push(format!("{ok:?}"));
    let wrong_secret = SignedClient::builder(ex.http_url())
        .api_key(KEY)
        .secret(SECRET.to_lowercase())
        .build()
        .unwrap();
    let mut errors = vec![wrong_secret
        .signed_get::<Account, _>("/api/v3/account", &())
        .await
        .unwrap_err()];
    ex.faults().fail_next_requests(1);
    errors.push(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await
            .unwrap_err(),
    );
    ex.faults().truncate_next_responses(1);
    errors.push(
        client
            .signed_get::<Account, _>("/api/v3/account", &())
            .await
            .unwrap_err(),
    );
    for err in &errors {
        texts.push(format!("{err}"));
        texts.push(format!("{err:?}"));
    }
    ex.shutdown().await;

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signed request"),
        "the requests were logged: {logs}"
    );
    texts.push(logs);
    for text in &texts {
        assert!(!text.contains(KEY), "API key leaked into: {text}");
        assert!(!text.contains(SECRET), "secret leaked into: {text}");
        assert!(
            !text.to_lowercase().contains(&SECRET.to_lowercase()),
            "secret leaked into: {text}"
        );
    }
    assert!(texts[1].contains("[REDACTED]"));
}

/// With a trading gate, a halted kill switch refuses order placement before anything is sent;
/// cancels still go through, and a validated resume lets orders through again.
#[tokio::test]
async fn a_tripped_kill_switch_stops_orders_at_the_client() {
    use hft_cache::kill_switch::KillSwitch;
    use hft_cache::monitor::Registry;

    #[derive(Live, Deserialize)]
    struct Placed {
        #[serde(rename = "orderId")]
        order_id: u64,
    }
    #[derive(Live, Deserialize)]
    struct Open(Vec<serde_json::Value>);

    let ex = MockExchange::builder()
        .api_key("key")
        .secret("secret")
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .balance("USDT", dec!(10000))
        .start()
        .await
        .unwrap();
    let kill = KillSwitch::builder().registry(&Registry::new()).build();
    let client = SignedClient::builder(ex.http_url())
        .api_key("key")
        .secret("secret")
        .trading_gate(kill.gate())
        .build()
        .unwrap();
    let order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.01"),
        ("price", "50000"),
    ];
    let resting: Fresh<Placed> = client.signed_post("/api/v3/order", &order).await.unwrap();
    let resting_id = resting.read().unwrap().order_id.to_string();

    kill.trip("operator");
    let refused = client
        .signed_post::<Placed, _>("/api/v3/order", &order)
        .await
        .unwrap_err();
    assert!(matches!(refused, RequestError::Halted(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("trading is halted"),
        "{refused}"
    );
    let open: Fresh<Open> = client
        .signed_get("/api/v3/openOrders", &[("symbol", "BTCUSDT")])
        .await
        .unwrap();
    assert_eq!(
        open.read().unwrap().0.len(),
        1,
        "the refused order never reached the exchange"
    );
    client
        .signed_delete::<Placed, _>(
            "/api/v3/order",
            &[("symbol", "BTCUSDT"), ("orderId", resting_id.as_str())],
        )
        .await
        .expect("cancels are allowed while halted");

    kill.resume().unwrap();
    client
        .signed_post::<Placed, _>("/api/v3/order", &order)
        .await
        .expect("orders flow again after a validated resume");
}
