//! OKX as a shipped venue: `SignedClient<Okx>` against an OKX-shaped REST server on 127.0.0.1
//! (axum) that checks every private request the way OKX documents it (`OK-ACCESS-SIGN` =
//! base64 HMAC-SHA256 of timestamp + method + path with query + body, the key, the
//! passphrase, and a timestamp within 30 s of its own clock) and answers in OKX's envelope:
//! success, errors without `data`, per-order `sCode` in an HTTP 200, server time; and the kill
//! switch's sweep over `orders-pending` and `cancel-order`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::Router;
use hft_cache::exchange::okx::{Okx, OrderResults};
use hft_cache::exchange::{ExchangeErrorKind, RequestError, SignedClient, Signer};
use hft_cache::kill_switch::{CancelOutcome, KillSwitch, SweepState};
use hft_cache::monitor::Registry;
use hft_cache::{Fresh, Live};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Deserialize;
use serde_json::{json, Value};

const KEY: &str = "okx-key";
const SECRET: &str = "okx-secret-7Hq";
const PASSPHRASE: &str = "okx-pass";

/// What the server saw of one private request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path_and_query: String,
    body: String,
    timestamp: String,
}

#[derive(Default)]
struct State {
    /// Added to the server's clock.
    clock_shift_ms: i64,
    usdt: Decimal,
    next_id: u64,
    /// Resting orders: (ordId, instId, side, px, sz).
    orders: Vec<(String, String, String, String, String)>,
    cancelled: Vec<String>,
    seen: Vec<Seen>,
}

#[derive(Clone)]
struct Okxish {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Okxish {
    async fn start(usdt: Decimal) -> Okxish {
        let state = Arc::new(Mutex::new(State {
            usdt,
            next_id: 312269865356374016,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let app = Router::new().fallback(move |method, uri, headers, body| {
            let state = Arc::clone(&shared);
            async move { answer(&state, method, uri, headers, body) }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Okxish { url, state }
    }

    fn client(&self, secret: &str) -> SignedClient<Okx> {
        SignedClient::builder_for(Okx::new(PASSPHRASE), self.url.clone())
            .api_key(KEY)
            .secret(secret)
            .build()
            .unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// `2020-12-08T09:08:57.715Z` in milliseconds (Howard Hinnant's `days_from_civil`).
fn parse_iso_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 || b[23] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400_000 + hh * 3_600_000 + mm * 60_000 + ss * 1_000 + ms)
}

fn envelope(code: &str, msg: &str, data: Value) -> String {
    json!({"code": code, "msg": msg, "data": data}).to_string()
}

/// The OKX-shaped venue: `GET /api/v5/public/time`, and signed `GET /api/v5/account/balance`,
/// `POST /api/v5/trade/order`, `GET /api/v5/trade/orders-pending`,
/// `POST /api/v5/trade/cancel-order`, `GET /api/v5/trade/order`.
fn answer(
    state: &Mutex<State>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let mut st = state.lock().unwrap();
    let server_now = now_ms() + st.clock_shift_ms;
    let path = uri.path();
    if path == "/api/v5/public/time" {
        let data = json!([{"ts": server_now.to_string()}]);
        return (StatusCode::OK, envelope("0", "", data));
    }
    if path == "/api/v5/public/odd" {
        return (StatusCode::OK, r#"{"code":"E42","msg":"odd"}"#.into());
    }
    // Authentication, as OKX answers it: HTTP 401, `{"msg":..,"code":..}`, no `data`.
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let unauthorized = |code: &str, msg: &str| {
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": msg, "code": code}).to_string(),
        )
    };
    if header("ok-access-key").as_deref() != Some(KEY) {
        return unauthorized("50111", "Invalid OK-ACCESS-KEY");
    }
    if header("ok-access-passphrase").as_deref() != Some(PASSPHRASE) {
        return unauthorized("50105", "Invalid OK-ACCESS-PASSPHRASE");
    }
    let Some(timestamp) = header("ok-access-timestamp") else {
        return unauthorized("50107", "OK-ACCESS-TIMESTAMP header cannot be empty");
    };
    let Some(sent_ms) = parse_iso_ms(&timestamp) else {
        return unauthorized("50112", "Invalid OK-ACCESS-TIMESTAMP");
    };
    if (server_now - sent_ms).abs() > 30_000 {
        return unauthorized("50102", "Timestamp request expired");
    }
    let path_and_query = uri.path_and_query().map_or(path, |p| p.as_str()).to_owned();
    let body = String::from_utf8_lossy(&body).into_owned();
    let prehash = format!("{timestamp}{}{path_and_query}{body}", method.as_str());
    if header("ok-access-sign").as_deref()
        != Some(Signer::new(SECRET).sign_base64(&prehash).as_str())
    {
        return unauthorized("50113", "Invalid Sign");
    }
    st.seen.push(Seen {
        method: method.as_str().to_owned(),
        path_and_query: path_and_query.clone(),
        body: body.clone(),
        timestamp,
    });
    let params: Value = if body.is_empty() {
        let query = uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    } else {
        match serde_json::from_str(&body) {
            Ok(v) => v,
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    envelope("50002", "JSON syntax error", json!([])),
                )
            }
        }
    };
    let param = |name: &str| params[name].as_str().unwrap_or_default().to_owned();
    let ts = server_now.to_string();
    match (method.as_str(), path) {
        ("GET", "/api/v5/account/balance") => {
            let data = json!([{"totalEq": "10000", "details": [
                {"ccy": "USDT", "availBal": st.usdt.to_string(), "frozenBal": "0"}
            ]}]);
            (StatusCode::OK, envelope("0", "", data))
        }
        ("POST", "/api/v5/trade/order") => {
            let (px, sz): (Decimal, Decimal) = match (param("px").parse(), param("sz").parse()) {
                (Ok(px), Ok(sz)) => (px, sz),
                _ => {
                    let data = json!([{"ordId": "", "clOrdId": param("clOrdId"), "tag": "", "ts": ts,
                        "sCode": "51000", "sMsg": "Parameter px error"}]);
                    return (StatusCode::OK, envelope("1", "Operation failed.", data));
                }
            };
            if px * sz > st.usdt {
                let data = json!([{"ordId": "", "clOrdId": param("clOrdId"), "tag": "", "ts": ts,
                    "sCode": "51008", "sMsg": "Order failed. Insufficient USDT balance in account."}]);
                return (StatusCode::OK, envelope("1", "All operations failed", data));
            }
            st.usdt -= px * sz;
            st.next_id += 1;
            let id = st.next_id.to_string();
            st.orders.push((
                id.clone(),
                param("instId"),
                param("side"),
                px.to_string(),
                sz.to_string(),
            ));
            let data = json!([{"ordId": id, "clOrdId": param("clOrdId"), "tag": "", "ts": ts,
                "sCode": "0", "sMsg": "Order placed"}]);
            (StatusCode::OK, envelope("0", "", data))
        }
        ("GET", "/api/v5/trade/orders-pending") => {
            let data: Vec<Value> = st
                .orders
                .iter()
                .rev()
                .filter(|o| params.get("instId").is_none() || o.1 == param("instId"))
                .map(|(id, inst, side, px, sz)| {
                    json!({"instType": "SPOT", "instId": inst,
                    "ordId": id, "clOrdId": "", "side": side, "ordType": "limit",
                    "px": px, "sz": sz, "accFillSz": "0", "state": "live"})
                })
                .collect();
            (StatusCode::OK, envelope("0", "", Value::Array(data)))
        }
        ("POST", "/api/v5/trade/cancel-order") => {
            let id = param("ordId");
            let Some(at) = st.orders.iter().position(|o| o.0 == id) else {
                let data = json!([{"ordId": id, "clOrdId": "", "ts": ts, "sCode": "51400",
                    "sMsg": "Order cancellation failed as the order has been filled, canceled or does not exist"}]);
                return (StatusCode::OK, envelope("1", "Operation failed.", data));
            };
            st.orders.remove(at);
            st.cancelled.push(id.clone());
            let data = json!([{"ordId": id, "clOrdId": "", "ts": ts, "sCode": "0", "sMsg": ""}]);
            (StatusCode::OK, envelope("0", "", data))
        }
        ("GET", "/api/v5/trade/order") => {
            let id = param("ordId");
            let state = if st.cancelled.contains(&id) {
                "canceled"
            } else {
                "live"
            };
            let data = json!([{"instType": "SPOT", "instId": param("instId"), "ordId": id,
                "clOrdId": "", "side": "buy", "ordType": "limit", "px": "50000", "sz": "0.01",
                "accFillSz": "0", "state": state}]);
            (StatusCode::OK, envelope("0", "", data))
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!({"msg": "Not Found", "code": "50030"}).to_string(),
        ),
    }
}

// ---- An adapter's own types: the inner `data`, never the envelope. ----

#[derive(Live, Deserialize, Debug)]
struct Balances(Vec<Balance>);

#[derive(Live, Deserialize, Debug)]
struct Balance {
    details: Vec<Detail>,
}

#[derive(Live, Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Detail {
    ccy: String,
    avail_bal: Decimal,
}

fn limit_buy(px: &str, sz: &str) -> Value {
    json!({"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": px, "sz": sz})
}

fn exchange_error(error: RequestError) -> (u16, i64, ExchangeErrorKind, String) {
    match error {
        RequestError::Exchange {
            status,
            code,
            kind,
            msg,
            ..
        } => (status, code, kind, msg),
        other => panic!("not the venue's error: {other:?}"),
    }
}

#[tokio::test]
async fn signed_get_and_post_follow_okx_scheme_and_open_the_envelope() {
    let venue = Okxish::start(dec!(10000)).await;
    let client = venue.client(SECRET);
    let balances: Fresh<Balances> = client
        .signed_get("/api/v5/account/balance", &[("ccy", "USDT")])
        .await
        .unwrap();
    let detail = &balances.read().unwrap().0[0].details[0];
    assert_eq!(
        (detail.ccy.as_str(), detail.avail_bal),
        ("USDT", dec!(10000))
    );

    let placed: Fresh<OrderResults> = client
        .signed_post("/api/v5/trade/order", &limit_buy("50000", "0.01"))
        .await
        .unwrap();
    let placed = placed.read().unwrap();
    assert_eq!(placed.results.len(), 1);
    assert_eq!(placed.results[0].ord_id, "312269865356374017");
    assert_eq!(placed.results[0].s_code, "0");

    let seen = venue.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        (
            seen[0].method.as_str(),
            seen[0].path_and_query.as_str(),
            seen[0].body.as_str()
        ),
        ("GET", "/api/v5/account/balance?ccy=USDT", "")
    );
    assert_eq!(seen[1].method, "POST");
    let body: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(body, limit_buy("50000", "0.01"), "the order as a JSON body");
    // ISO 8601 UTC with milliseconds.
    assert!(parse_iso_ms(&seen[1].timestamp).is_some(), "{seen:?}");
}

#[tokio::test]
async fn errors_without_data_are_the_venues_typed_errors() {
    let venue = Okxish::start(dec!(10000)).await;
    // A wrong secret: HTTP 401, `{"msg":"Invalid Sign","code":"50113"}`, no `data`.
    let error = venue
        .client("not-the-secret")
        .signed_get::<Balances, _>("/api/v5/account/balance", &[("ccy", "USDT")])
        .await
        .unwrap_err();
    assert_eq!(
        exchange_error(error),
        (
            401,
            50113,
            ExchangeErrorKind::InvalidSignature,
            "Invalid Sign".into()
        )
    );
    // A wrong passphrase: 50105, the key's credentials.
    let wrong_passphrase = SignedClient::builder_for(Okx::new("other"), venue.url.clone())
        .api_key(KEY)
        .secret(SECRET)
        .build()
        .unwrap();
    let error = wrong_passphrase
        .signed_get::<Balances, _>("/api/v5/account/balance", &[("ccy", "USDT")])
        .await
        .unwrap_err();
    let (status, code, kind, _) = exchange_error(error);
    assert_eq!(
        (status, code, kind),
        (401, 50105, ExchangeErrorKind::Unauthorized)
    );
    // A code that is not a number, in an HTTP 200 without `data`: still the venue's error.
    let error = venue
        .client(SECRET)
        .public_get::<Vec<Value>, _>("/api/v5/public/odd", &[("x", "1")])
        .await
        .unwrap_err();
    let (status, code, kind, msg) = exchange_error(error);
    assert_eq!((status, code, kind), (200, -1, ExchangeErrorKind::Other));
    assert!(msg.contains("E42") && msg.contains("odd"), "{msg}");
}

#[tokio::test]
async fn an_insufficient_balance_in_an_http_200_is_a_rejection_not_a_success() {
    let venue = Okxish::start(dec!(100)).await;
    let client = venue.client(SECRET);
    let error = client
        .signed_post::<OrderResults, _>("/api/v5/trade/order", &limit_buy("50000", "0.01"))
        .await
        .unwrap_err();
    let (status, code, kind, msg) = exchange_error(error);
    assert_eq!(
        (status, code, kind),
        (200, 51008, ExchangeErrorKind::OrderRejected)
    );
    assert!(msg.contains("Insufficient USDT balance"), "{msg}");
    // A parameter error is told apart from a rejection.
    let error = client
        .signed_post::<OrderResults, _>("/api/v5/trade/order", &limit_buy("cheap", "0.01"))
        .await
        .unwrap_err();
    let (_, code, kind, _) = exchange_error(error);
    assert_eq!((code, kind), (51000, ExchangeErrorKind::InvalidParameter));
    // A cancel of an order that is not open: 51400 in its entry.
    let error = client
        .signed_post::<OrderResults, _>(
            "/api/v5/trade/cancel-order",
            &json!({"instId": "BTC-USDT", "ordId": "1"}),
        )
        .await
        .unwrap_err();
    let (_, code, kind, _) = exchange_error(error);
    assert_eq!((code, kind), (51400, ExchangeErrorKind::UnknownOrder));
    assert!(venue.state.lock().unwrap().orders.is_empty());
}

#[tokio::test]
async fn requests_follow_the_server_clock_after_sync() {
    let venue = Okxish::start(dec!(10000)).await;
    // The venue's clock runs two minutes ahead: unsynchronised requests are expired.
    venue.state.lock().unwrap().clock_shift_ms = 120_000;
    let client = venue.client(SECRET);
    let error = client
        .signed_get::<Balances, _>("/api/v5/account/balance", &[("ccy", "USDT")])
        .await
        .unwrap_err();
    let (status, code, kind, _) = exchange_error(error);
    assert_eq!(
        (status, code, kind),
        (401, 50102, ExchangeErrorKind::TimestampOutsideRecvWindow)
    );
    let offset = client.sync_time().await.unwrap();
    // Two minutes, give or take a round trip (a generous bound, not a timing).
    assert!((90_000..=150_000).contains(&offset), "{offset}");
    let balances: Fresh<Balances> = client
        .signed_get("/api/v5/account/balance", &[("ccy", "USDT")])
        .await
        .unwrap();
    assert_eq!(
        balances.read().unwrap().0[0].details[0].avail_bal,
        dec!(10000)
    );
}

#[tokio::test]
async fn a_trip_sweeps_okx_orders_one_cancel_at_a_time() {
    let venue = Okxish::start(dec!(10000)).await;
    let trader = venue.client(SECRET);
    for px in ["50000", "49000"] {
        let _: Fresh<OrderResults> = trader
            .signed_post("/api/v5/trade/order", &limit_buy(px, "0.01"))
            .await
            .unwrap();
    }
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .sweep_retry(
            5,
            Duration::from_millis(10),
            Duration::from_millis(50),
            Duration::from_millis(50),
        )
        .exchange(venue.client(SECRET))
        .build();
    kill.trip("operator stop");
    let report = tokio::time::timeout(Duration::from_secs(30), kill.assessed_report())
        .await
        .expect("the sweep ends within its bounds")
        .expect("tripped");
    assert_eq!(report.cancellation.state, SweepState::Done, "{report}");
    let okx = &report.cancellation.venues[0];
    assert_eq!(okx.venue, "okx");
    let mut outcomes: Vec<_> = okx
        .orders
        .iter()
        .map(|o| (o.order.order_id.clone(), o.order.symbol.clone(), o.outcome))
        .collect();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        outcomes,
        [
            (
                "312269865356374017".into(),
                "BTC-USDT".into(),
                CancelOutcome::Cancelled
            ),
            (
                "312269865356374018".into(),
                "BTC-USDT".into(),
                CancelOutcome::Cancelled
            ),
        ]
    );
    assert!(venue.state.lock().unwrap().orders.is_empty());
    // While halted, a gated client's placement is refused before it is sent.
    let gated = SignedClient::builder_for(Okx::new(PASSPHRASE), venue.url.clone())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(kill.gate())
        .build()
        .unwrap();
    let sent = venue.seen().len();
    let refused = gated
        .signed_post::<OrderResults, _>("/api/v5/trade/order", &limit_buy("50000", "0.01"))
        .await;
    assert!(
        matches!(refused, Err(RequestError::Halted(_))),
        "{refused:?}"
    );
    assert_eq!(venue.seen().len(), sent, "nothing sent");
}

#[tokio::test]
async fn an_okx_halt_is_assessed_through_okxs_own_queries() {
    let venue = Okxish::start(dec!(10000)).await;
    let journal = hft_cache::journal::OrderJournal::new();
    let kill = KillSwitch::builder()
        .registry(&Registry::new())
        .journal(journal.clone())
        .exchange(venue.client(SECRET))
        .build();
    let trader = SignedClient::builder_for(Okx::new(PASSPHRASE), venue.url.clone())
        .api_key(KEY)
        .secret(SECRET)
        .trading_gate(kill.gate())
        .journal(journal.clone())
        .build()
        .unwrap();
    let _: Fresh<OrderResults> = trader
        .signed_post("/api/v5/trade/order", &limit_buy("50000", "0.01"))
        .await
        .unwrap();

    kill.trip("operator stop");
    let report = tokio::time::timeout(Duration::from_secs(30), kill.assessed_report())
        .await
        .expect("assessed")
        .expect("tripped");
    let hft_cache::kill_switch::AssessmentState::Done(done) = &report.assessment else {
        panic!("not assessed: {report}");
    };
    // Looked up by `ordId` after the sweep cancelled it.
    let [order] = done.orders.as_slice() else {
        panic!("{:?}", done.orders);
    };
    assert_eq!(
        (
            order.venue.as_str(),
            order.symbol.as_str(),
            order.status.as_str()
        ),
        ("okx", "BTC-USDT", "canceled")
    );
    assert_eq!(order.order_id, Some(312269865356374017));
    assert!(venue
        .seen()
        .iter()
        .any(|s| s.path_and_query.starts_with("/api/v5/trade/order?")
            && s.path_and_query.contains("ordId=312269865356374017")));
    // The instrument id names the assets; the account lists USDT only.
    let [symbol] = done.symbols.as_slice() else {
        panic!("{:?}", done.symbols);
    };
    assert_eq!(
        (symbol.base_asset.as_deref(), symbol.quote_asset.as_deref()),
        (Some("BTC"), Some("USDT"))
    );
    assert_eq!(symbol.open_orders, 0);
    let assets: Vec<(&str, &str, Decimal)> = done
        .assets
        .iter()
        .map(|a| (a.venue.as_str(), a.asset.as_str(), a.free))
        .collect();
    let usdt = venue.state.lock().unwrap().usdt;
    assert_eq!(assets, [("okx", "BTC", dec!(0)), ("okx", "USDT", usdt)]);
}
