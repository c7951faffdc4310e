//! The USD-M futures mock as Binance documents USD-M: every endpoint's shape, the `pu` chain of
//! the depth stream (and its break after a lost event), the countdown that really cancels,
//! positions that follow fills, reduce-only refusals, signature and timestamp errors, faults.
//! Raw reqwest and `serde_json::Value` only: what a client of any language would see.

use std::time::Duration;

use futures_util::StreamExt;
use hft_cache_mock::futures::FuturesMock;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use sha2::Sha256;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "fut-key";
const SECRET: &str = "fut-secret";
/// How long a test waits for something that should happen within milliseconds.
const PATIENCE: Duration = Duration::from_secs(10);

/// A mock whose book does not move by itself (orders and `move_price` still move it), so that
/// what a test reads stays true until it acts.
async fn still_mock() -> FuturesMock {
    still_mock_with(dec!(10000)).await
}

async fn still_mock_with(balance: Decimal) -> FuturesMock {
    FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", dec!(60000))
        .symbol("ETHUSDT", dec!(3000))
        .balance(balance)
        .leverage(10)
        .stream_interval(Duration::from_secs(3600))
        .start()
        .await
        .expect("futures mock starts")
}

/// A mock whose book moves and publishes every 5 ms.
async fn lively_mock() -> FuturesMock {
    FuturesMock::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", dec!(60000))
        .balance(dec!(10000))
        .stream_interval(Duration::from_millis(5))
        .start()
        .await
        .expect("futures mock starts")
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn sign(query: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(query.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn code(&self) -> Option<i64> {
        self.json().get("code").and_then(Value::as_i64)
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Answer {
        status,
        headers,
        text,
    }
}

async fn public(mock: &FuturesMock, path_and_query: &str) -> Answer {
    send(reqwest::Client::new().get(format!("{}{path_and_query}", mock.http_url()))).await
}

/// A signed request: `params` plus a fresh timestamp, signed with `secret`, in the query.
async fn signed_with(
    mock: &FuturesMock,
    method: reqwest::Method,
    path: &str,
    params: &str,
    key: &str,
    secret: &str,
    timestamp: u128,
) -> Answer {
    let query = if params.is_empty() {
        format!("timestamp={timestamp}")
    } else {
        format!("{params}&timestamp={timestamp}")
    };
    let signature = sign(&query, secret);
    let url = format!("{}{path}?{query}&signature={signature}", mock.http_url());
    send(
        reqwest::Client::new()
            .request(method, url)
            .header("X-MBX-APIKEY", key),
    )
    .await
}

async fn signed(mock: &FuturesMock, method: reqwest::Method, path: &str, params: &str) -> Answer {
    signed_with(mock, method, path, params, KEY, SECRET, now_ms()).await
}

async fn order(mock: &FuturesMock, params: &str) -> Answer {
    signed(mock, reqwest::Method::POST, "/fapi/v1/order", params).await
}

fn dec_of(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .parse()
        .unwrap()
}

fn filter<'a>(symbol: &'a Value, kind: &str) -> &'a Value {
    symbol["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filterType"] == kind)
        .unwrap_or_else(|| panic!("no {kind} filter"))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Socket {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects")
        .0
}

/// The next text frame, as text.
async fn next_text(ws: &mut Socket) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => return t.to_string(),
                Some(Ok(Message::Close(_))) | None => panic!("stream closed"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("stream failed: {e}"),
            }
        }
    })
    .await
    .expect("a frame arrives")
}

async fn next_event(ws: &mut Socket) -> Value {
    let text = next_text(ws).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn id(event: &Value, field: &str) -> u64 {
    event[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} missing in {event}"))
}

#[tokio::test]
async fn public_endpoints_have_the_documented_shapes() {
    let mock = still_mock().await;
    let ping = public(&mock, "/fapi/v1/ping").await;
    assert_eq!((ping.status, ping.json()), (200, serde_json::json!({})));
    let time = public(&mock, "/fapi/v1/time").await.json();
    assert!(time["serverTime"].as_u64().unwrap() as u128 <= now_ms() + 1);

    let info = public(&mock, "/fapi/v1/exchangeInfo").await.json();
    assert_eq!(info["futuresType"], "U_MARGINED");
    assert_eq!(info["timezone"], "UTC");
    let symbols = info["symbols"].as_array().unwrap();
    assert_eq!(symbols.len(), 2);
    let btc = symbols.iter().find(|s| s["symbol"] == "BTCUSDT").unwrap();
    assert_eq!(btc["contractType"], "PERPETUAL");
    assert_eq!(btc["baseAsset"], "BTC");
    assert_eq!(btc["marginAsset"], "USDT");
    assert_eq!(btc["status"], "TRADING");
    assert_eq!(filter(btc, "PRICE_FILTER")["tickSize"], "0.1");
    assert_eq!(filter(btc, "LOT_SIZE")["stepSize"], "0.001");
    assert_eq!(filter(btc, "MARKET_LOT_SIZE")["minQty"], "0.001");
    assert_eq!(filter(btc, "MAX_NUM_ORDERS")["limit"], 200);
    // Futures spells the minimum notional `notional`, not spot's `minNotional`.
    assert_eq!(filter(btc, "MIN_NOTIONAL")["notional"], "5");
    assert!(filter(btc, "MIN_NOTIONAL").get("minNotional").is_none());
    let percent = filter(btc, "PERCENT_PRICE");
    assert_eq!(percent["multiplierUp"], "1.0500");
    assert_eq!(percent["multiplierDown"], "0.9500");
    assert_eq!(percent["multiplierDecimal"], "4");

    let depth = public(&mock, "/fapi/v1/depth?symbol=BTCUSDT&limit=5")
        .await
        .json();
    for field in ["lastUpdateId", "E", "T"] {
        assert!(depth[field].as_u64().is_some(), "{field} in {depth}");
    }
    assert_eq!(depth["lastUpdateId"].as_u64(), mock.update_id("BTCUSDT"));
    let bids = depth["bids"].as_array().unwrap();
    let asks = depth["asks"].as_array().unwrap();
    assert_eq!((bids.len(), asks.len()), (5, 5));
    let (bid, ask) = mock.best_bid_ask("BTCUSDT").unwrap();
    assert_eq!(dec_of(&bids[0][0]), bid);
    assert_eq!(dec_of(&asks[0][0]), ask);
    assert!(bid < ask);

    let unknown = public(&mock, "/fapi/v1/depth?symbol=NOPE").await;
    assert_eq!((unknown.status, unknown.code()), (400, Some(-1121)));
    let missing = public(&mock, "/fapi/v1/depth").await;
    assert_eq!(missing.code(), Some(-1102));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_pu_is_the_previous_u_across_fifty_events() {
    let mock = lively_mock().await;
    let mut ws = connect(&mock.depth_stream_url("BTCUSDT")).await;
    let first = next_event(&mut ws).await;
    for field in ["E", "T", "U", "u", "pu"] {
        assert!(first[field].as_u64().is_some(), "{field} in {first}");
    }
    assert_eq!(first["e"], "depthUpdate");
    assert_eq!(first["s"], "BTCUSDT");
    assert!(first["b"].is_array() && first["a"].is_array());
    let mut last_u = id(&first, "u");
    let mut skipped = 0;
    for _ in 0..50 {
        let event = next_event(&mut ws).await;
        assert_eq!(
            id(&event, "pu"),
            last_u,
            "pu chains to the previous u: {event}"
        );
        assert!(id(&event, "U") > last_u && id(&event, "U") <= id(&event, "u"));
        if id(&event, "U") != last_u + 1 {
            skipped += 1;
        }
        last_u = id(&event, "u");
    }
    // USD-M's ids are not contiguous between events: a spot-style `U == u + 1` check fails.
    assert!(skipped > 0, "some events skip ids");

    // The combined stream wraps the same events.
    let url = format!(
        "{}/stream?streams=btcusdt@depth@100ms/btcusdt@depth",
        mock.ws_url()
    );
    let mut combined = connect(&url).await;
    let wrapped = next_event(&mut combined).await;
    let stream = wrapped["stream"].as_str().unwrap();
    assert!(stream == "btcusdt@depth@100ms" || stream == "btcusdt@depth");
    assert_eq!(wrapped["data"]["e"], "depthUpdate");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_delta_breaks_the_pu_chain_once() {
    let mock = lively_mock().await;
    let mut ws = connect(&mock.depth_stream_url("BTCUSDT")).await;
    let mut last_u = id(&next_event(&mut ws).await, "u");
    mock.faults().drop_next_delta();
    let mut breaks = 0;
    for _ in 0..30 {
        let event = next_event(&mut ws).await;
        if id(&event, "pu") != last_u {
            breaks += 1;
            // The lost event's ids lie between what was seen and what came next.
            assert!(id(&event, "pu") > last_u);
        }
        last_u = id(&event, "u");
    }
    assert_eq!(breaks, 1, "one gap, then the chain holds again");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_faults_stall_bad_json_and_close() {
    let mock = lively_mock().await;
    let mut ws = connect(&mock.depth_stream_url("BTCUSDT")).await;
    let last_u = id(&next_event(&mut ws).await, "u");

    mock.faults().stall_stream(true);
    // Whatever was in flight arrives; then nothing while stalled.
    let mut seen = last_u;
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(Duration::from_millis(150), ws.next()).await
    {
        seen = id(&serde_json::from_str(&t).unwrap(), "u");
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(200), next_text(&mut ws))
            .await
            .is_err(),
        "a stalled stream sends nothing"
    );
    let stalled_at = mock.update_id("BTCUSDT").unwrap();
    assert!(stalled_at > seen, "the book moves while stalled");
    mock.faults().stall_stream(false);
    let resumed = next_event(&mut ws).await;
    // What the book did while stalled was never sent: the chain skips it.
    assert!(
        id(&resumed, "pu") > seen,
        "the first event after a stall does not chain to what the client saw: {resumed}"
    );

    mock.faults().send_bad_frame();
    let bad = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = next_text(&mut ws).await;
            if serde_json::from_str::<Value>(&text).is_err() {
                return text;
            }
        }
    })
    .await
    .expect("a bad frame arrives");
    assert!(bad.starts_with("{\"e\":\"depthUpdate\""));

    mock.faults().close_streams();
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket is closed");
    mock.shutdown().await;
}

#[tokio::test]
async fn orders_answer_as_usd_m_documents_them() {
    let mock = still_mock().await;
    let (bid, _) = mock.best_bid_ask("BTCUSDT").unwrap();
    let price = bid - dec!(100);
    let placed = order(
        &mock,
        &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price={price}&newClientOrderId=rest-1"),
    )
    .await;
    assert_eq!(placed.status, 200, "{}", placed.text);
    let o = placed.json();
    for field in [
        "orderId",
        "symbol",
        "status",
        "clientOrderId",
        "price",
        "avgPrice",
        "origQty",
        "executedQty",
        "cumQty",
        "cumQuote",
        "timeInForce",
        "type",
        "reduceOnly",
        "closePosition",
        "side",
        "positionSide",
        "stopPrice",
        "workingType",
        "priceProtect",
        "origType",
        "priceMatch",
        "selfTradePreventionMode",
        "goodTillDate",
        "updateTime",
    ] {
        assert!(o.get(field).is_some(), "{field} in {o}");
    }
    assert_eq!(o["status"], "NEW");
    assert_eq!(o["clientOrderId"], "rest-1");
    assert_eq!(o["positionSide"], "BOTH");
    assert_eq!(o["reduceOnly"], false);
    assert_eq!(dec_of(&o["price"]), price);
    let order_id = o["orderId"].as_u64().unwrap();

    let got = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={order_id}"),
    )
    .await
    .json();
    assert_eq!(got["orderId"], order_id);
    assert!(got["time"].as_u64().is_some());
    let by_client = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        "symbol=BTCUSDT&origClientOrderId=rest-1",
    )
    .await
    .json();
    assert_eq!(by_client["orderId"], order_id);

    let open = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/openOrders",
        "symbol=BTCUSDT",
    )
    .await
    .json();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(mock.open_order_count(), 1);

    let canceled = signed(
        &mock,
        reqwest::Method::DELETE,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={order_id}"),
    )
    .await;
    assert_eq!(canceled.json()["status"], "CANCELED");
    let again = signed(
        &mock,
        reqwest::Method::DELETE,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={order_id}"),
    )
    .await;
    assert_eq!((again.status, again.code()), (400, Some(-2011)));
    let nothing = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        "symbol=BTCUSDT&orderId=1",
    )
    .await;
    assert_eq!(nothing.code(), Some(-2013));
    let no_ref = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        "symbol=BTCUSDT",
    )
    .await;
    assert_eq!(no_ref.code(), Some(-1102));

    for i in 0..3 {
        let p = price - Decimal::from(i);
        let a = order(
            &mock,
            &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price={p}"),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    assert_eq!(mock.open_order_count(), 3);
    let all = signed(
        &mock,
        reqwest::Method::DELETE,
        "/fapi/v1/allOpenOrders",
        "symbol=BTCUSDT",
    )
    .await
    .json();
    assert_eq!(
        all,
        serde_json::json!({"code": 200, "msg": "The operation of cancel all open order is done."})
    );
    assert_eq!(mock.open_order_count(), 0);

    let lev = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/leverage",
        "symbol=BTCUSDT&leverage=5",
    )
    .await
    .json();
    assert_eq!(lev["leverage"], 5);
    assert_eq!(lev["symbol"], "BTCUSDT");
    assert!(lev["maxNotionalValue"].is_string());
    let bad_lev = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/leverage",
        "symbol=BTCUSDT&leverage=200",
    )
    .await;
    assert_eq!(bad_lev.code(), Some(-4028));
    mock.shutdown().await;
}

#[tokio::test]
async fn bad_orders_get_usd_m_codes() {
    let mock = still_mock().await;
    let (bid, ask) = mock.best_bid_ask("BTCUSDT").unwrap();
    let cases = [
        (
            "symbol=NOPE&side=BUY&type=MARKET&quantity=0.01".to_owned(),
            -1121,
        ),
        ("symbol=BTCUSDT&side=BUY&type=MARKET".to_owned(), -1102),
        (
            "symbol=BTCUSDT&side=UP&type=MARKET&quantity=0.01".to_owned(),
            -1117,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=STOPLOSS&quantity=0.01".to_owned(),
            -1116,
        ),
        (
            format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=XYZ&quantity=0.01&price={bid}"),
            -1115,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0105".to_owned(),
            -4023,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=5000".to_owned(),
            -4005,
        ),
        (
            format!(
                "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price={}",
                bid + dec!(0.05)
            ),
            -4014,
        ),
        (
            format!(
                "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price={}",
                (ask * dec!(1.2)).round_dp(1)
            ),
            -4016,
        ),
        (
            format!(
                "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price={}",
                (bid * dec!(0.8)).round_dp(1)
            ),
            -4024,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&positionSide=LONG".to_owned(),
            -4061,
        ),
        // 0.001 × ~3000 = 3 USDT, under the 5 USDT minimum notional.
        (
            "symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.001".to_owned(),
            -4164,
        ),
        // 10 BTC at 10× needs ~60 000 USDT of margin; the wallet has 10 000.
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=10".to_owned(),
            -2019,
        ),
        // Nothing to reduce.
        (
            "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&reduceOnly=true".to_owned(),
            -2022,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=-1".to_owned(),
            -1100,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.000000001".to_owned(),
            -1111,
        ),
        (
            format!(
                "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId={}",
                "x".repeat(33)
            ),
            -1100,
        ),
        (
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=a%20b".to_owned(),
            -1100,
        ),
    ];
    for (params, code) in cases {
        let a = order(&mock, &params).await;
        assert_eq!(
            (a.status, a.code()),
            (400, Some(code)),
            "{params}: {}",
            a.text
        );
    }
    // A wallet emptied elsewhere: nothing can be opened.
    mock.set_wallet_balance(dec!(0));
    let broke = order(&mock, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001").await;
    assert_eq!(broke.code(), Some(-2019), "{}", broke.text);
    mock.set_wallet_balance(dec!(10000));
    // At 125× the position may be worth at most 50 000 USDT: 1 BTC (~60 000) is too much.
    let lev = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/leverage",
        "symbol=BTCUSDT&leverage=125",
    )
    .await;
    assert_eq!(lev.status, 200, "{}", lev.text);
    let big = order(&mock, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1").await;
    assert_eq!(big.code(), Some(-2027), "{}", big.text);
    assert_eq!(mock.open_order_count(), 0);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0), dec!(0))));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_market_sends_nothing_and_loses_nothing() {
    let mock = lively_mock().await;
    let mut ws = connect(&mock.depth_stream_url("BTCUSDT")).await;
    let mut last_u = id(&next_event(&mut ws).await, "u");
    mock.faults().quiet_market(true);
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(Duration::from_millis(150), ws.next()).await
    {
        let event: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(id(&event, "pu"), last_u);
        last_u = id(&event, "u");
    }
    let quiet_at = mock.update_id("BTCUSDT").unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        mock.update_id("BTCUSDT").unwrap(),
        quiet_at,
        "a quiet book stands still"
    );
    // The account's own order still moves it, and the event chains to the last one.
    let a = market(&mock, "BUY", "0.010", false).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let event = next_event(&mut ws).await;
    assert_eq!(id(&event, "pu"), last_u, "nothing was lost: {event}");
    mock.shutdown().await;
}

#[tokio::test]
async fn signature_key_and_timestamp_are_checked() {
    let mock = still_mock().await;
    let path = "/fapi/v2/positionRisk";
    let get = reqwest::Method::GET;
    let ok = signed(&mock, get.clone(), path, "").await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let bad_sig = signed_with(&mock, get.clone(), path, "", KEY, "wrong", now_ms()).await;
    assert_eq!((bad_sig.status, bad_sig.code()), (400, Some(-1022)));
    let bad_key = signed_with(&mock, get.clone(), path, "", "other", SECRET, now_ms()).await;
    assert_eq!((bad_key.status, bad_key.code()), (401, Some(-2015)));
    let old = signed_with(&mock, get.clone(), path, "", KEY, SECRET, now_ms() - 60_000).await;
    assert_eq!((old.status, old.code()), (400, Some(-1021)));
    let ahead = signed_with(&mock, get.clone(), path, "", KEY, SECRET, now_ms() + 10_000).await;
    assert_eq!(ahead.code(), Some(-1021));
    let no_key = send(reqwest::Client::new().get(format!(
        "{}{path}?timestamp={}",
        mock.http_url(),
        now_ms()
    )))
    .await;
    assert_eq!((no_key.status, no_key.code()), (401, Some(-2014)));
    let unsigned = send(
        reqwest::Client::new()
            .get(format!("{}{path}?timestamp={}", mock.http_url(), now_ms()))
            .header("X-MBX-APIKEY", KEY),
    )
    .await;
    assert_eq!(unsigned.code(), Some(-1102));
    // A signed form body, as POSTs usually send it.
    let body = format!("symbol=BTCUSDT&countdownTime=0&timestamp={}", now_ms());
    let form = send(
        reqwest::Client::new()
            .post(format!("{}/fapi/v1/countdownCancelAll", mock.http_url()))
            .header("X-MBX-APIKEY", KEY)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("{body}&signature={}", sign(&body, SECRET))),
    )
    .await;
    assert_eq!(form.status, 200, "{}", form.text);
    mock.shutdown().await;
}

/// Places a market order with `RESULT` and returns (executed qty, average price).
async fn market(mock: &FuturesMock, side: &str, qty: &str, reduce_only: bool) -> Answer {
    order(
        mock,
        &format!("symbol=BTCUSDT&side={side}&type=MARKET&quantity={qty}&reduceOnly={reduce_only}&newOrderRespType=RESULT"),
    )
    .await
}

fn fill_of(a: &Answer) -> (Decimal, Decimal) {
    assert_eq!(a.status, 200, "{}", a.text);
    let o = a.json();
    assert_eq!(o["status"], "FILLED", "{o}");
    (dec_of(&o["executedQty"]), dec_of(&o["avgPrice"]))
}

/// Equal up to the rounding of an average price to eight decimals.
fn assert_close(actual: Decimal, expected: Decimal) {
    assert!(
        (actual - expected).abs() < dec!(0.000001),
        "{actual} is not {expected}"
    );
}

async fn position_risk(mock: &FuturesMock) -> Value {
    let all = signed(
        mock,
        reqwest::Method::GET,
        "/fapi/v2/positionRisk",
        "symbol=BTCUSDT",
    )
    .await
    .json();
    let rows = all.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    rows[0].clone()
}

#[tokio::test]
async fn positions_follow_fills_open_add_reduce_and_close() {
    // A wallet small enough for the position to have a liquidation price.
    let mock = still_mock_with(dec!(1000)).await;
    let wallet = mock.wallet_balance();

    // Open.
    let (q1, p1) = fill_of(&market(&mock, "BUY", "0.100", false).await);
    assert_eq!(q1, dec!(0.1));
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0.1), p1)));
    let risk = position_risk(&mock).await;
    for field in [
        "symbol",
        "positionAmt",
        "entryPrice",
        "breakEvenPrice",
        "markPrice",
        "unRealizedProfit",
        "liquidationPrice",
        "leverage",
        "maxNotionalValue",
        "marginType",
        "isolatedMargin",
        "isAutoAddMargin",
        "positionSide",
        "notional",
        "isolatedWallet",
        "updateTime",
    ] {
        assert!(risk.get(field).is_some(), "{field} in {risk}");
    }
    assert_eq!(risk["positionSide"], "BOTH");
    assert_eq!(risk["leverage"], "10");
    assert_eq!(risk["marginType"], "cross");
    assert_eq!(dec_of(&risk["positionAmt"]), dec!(0.1));
    assert_eq!(dec_of(&risk["entryPrice"]), p1);
    let mark = dec_of(&risk["markPrice"]);
    assert_eq!(mark, mock.mark_price("BTCUSDT").unwrap().round_dp(8));
    assert_eq!(
        dec_of(&risk["unRealizedProfit"]),
        (dec!(0.1) * (mark - p1)).round_dp(8)
    );
    let liq = dec_of(&risk["liquidationPrice"]);
    assert!(
        liq > Decimal::ZERO && liq < p1,
        "a long's liquidation price is below entry: {liq}"
    );
    // The documented model: wallet + q(P − e) = |q| P × 0.004.
    let expected = ((dec!(0.1) * p1 - dec!(1000)) / (dec!(0.1) * dec!(0.996))).round_dp(8);
    assert_eq!(liq, expected.normalize());

    // Add: the entry is volume-weighted.
    let (q2, p2) = fill_of(&market(&mock, "BUY", "0.050", false).await);
    let entry = ((q1 * p1 + q2 * p2) / (q1 + q2)).round_dp(8).normalize();
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0.15), entry)));

    // Reduce-only may not flip the position or add to it.
    let flip = market(&mock, "SELL", "0.200", true).await;
    assert_eq!(flip.code(), Some(-2022), "{}", flip.text);
    let add = market(&mock, "BUY", "0.010", true).await;
    assert_eq!(add.code(), Some(-2022));
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0.15), entry)));

    // Reduce: PnL is realized into the wallet; the entry stays.
    let (q3, p3) = fill_of(&market(&mock, "SELL", "0.050", true).await);
    let realized = q3 * (p3 - entry);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0.1), entry)));
    assert_close(mock.wallet_balance(), wallet + realized);

    // Close.
    let (q4, p4) = fill_of(&market(&mock, "SELL", "0.100", true).await);
    let realized = realized + q4 * (p4 - entry);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0), dec!(0))));
    assert_close(mock.wallet_balance(), wallet + realized);
    let risk = position_risk(&mock).await;
    assert_eq!(dec_of(&risk["positionAmt"]), dec!(0));
    assert_eq!(dec_of(&risk["liquidationPrice"]), dec!(0));

    // The account agrees.
    let account = signed(&mock, reqwest::Method::GET, "/fapi/v2/account", "")
        .await
        .json();
    for field in [
        "totalWalletBalance",
        "availableBalance",
        "totalUnrealizedProfit",
        "totalMarginBalance",
        "totalInitialMargin",
        "totalMaintMargin",
        "maxWithdrawAmount",
    ] {
        assert!(account[field].is_string(), "{field} in {account}");
    }
    assert_close(dec_of(&account["totalWalletBalance"]), wallet + realized);
    assert_eq!(account["assets"][0]["asset"], "USDT");
    assert_eq!(account["positions"].as_array().unwrap().len(), 2);
    let balance = signed(&mock, reqwest::Method::GET, "/fapi/v2/balance", "")
        .await
        .json();
    assert_eq!(balance[0]["asset"], "USDT");
    assert_close(dec_of(&balance[0]["balance"]), wallet + realized);
    // v3 lists only symbols with a position or open orders: none now.
    let v3 = signed(&mock, reqwest::Method::GET, "/fapi/v3/positionRisk", "")
        .await
        .json();
    assert_eq!(v3, serde_json::json!([]));
    fill_of(&market(&mock, "BUY", "0.010", false).await);
    let v3 = signed(&mock, reqwest::Method::GET, "/fapi/v3/positionRisk", "")
        .await
        .json();
    assert_eq!(v3.as_array().unwrap().len(), 1);
    assert_eq!(v3[0]["symbol"], "BTCUSDT");
    assert_eq!(dec_of(&v3[0]["positionAmt"]), dec!(0.01));
    assert!(v3[0]["maintMargin"].is_string() && v3[0]["marginAsset"] == "USDT");
    mock.shutdown().await;
}

#[tokio::test]
async fn a_non_reduce_only_order_may_flip_and_resting_orders_fill_on_a_move() {
    let mock = still_mock().await;
    fill_of(&market(&mock, "BUY", "0.010", false).await);
    let (_, p) = fill_of(&market(&mock, "SELL", "0.030", false).await);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(-0.02), p)));
    let risk = position_risk(&mock).await;
    assert!(
        dec_of(&risk["liquidationPrice"]) > p,
        "a short's liquidation price is above entry"
    );

    // A resting buy below the market fills at its own price when the market falls through it.
    let (bid, _) = mock.best_bid_ask("BTCUSDT").unwrap();
    let limit = bid - dec!(500);
    let a = order(&mock, &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.020&price={limit}&reduceOnly=true")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(-0.02), p)));
    assert!(mock.move_price("BTCUSDT", limit - dec!(10)));
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0), dec!(0))));
    assert_eq!(mock.open_order_count(), 0);
    let id = a.json()["orderId"].as_u64().unwrap();
    let filled = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={id}"),
    )
    .await
    .json();
    assert_eq!(filled["status"], "FILLED");
    assert_eq!(dec_of(&filled["avgPrice"]), limit);
    mock.shutdown().await;
}

#[tokio::test]
async fn time_in_force_ioc_fok_and_ack() {
    let mock = still_mock().await;
    let (_, ask) = mock.best_bid_ask("BTCUSDT").unwrap();
    // FOK larger than the whole book within the price: expires, nothing filled.
    let fok = order(&mock, &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=900&price={ask}&newOrderRespType=RESULT")).await;
    let fok_body = fok.json();
    // 900 BTC needs more margin than the wallet: refused before matching.
    assert_eq!(fok_body["code"], -2019, "{fok_body}");
    let fok = order(&mock, &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=1.000&price={ask}&newOrderRespType=RESULT")).await.json();
    let best_qty: Decimal = dec_of(
        &public(&mock, "/fapi/v1/depth?symbol=BTCUSDT&limit=1")
            .await
            .json()["asks"][0][1],
    );
    if best_qty < dec!(1) {
        assert_eq!(fok["status"], "EXPIRED", "{fok}");
        assert_eq!(dec_of(&fok["executedQty"]), dec!(0));
    }
    // IOC at a price below the best ask: nothing crosses, it expires.
    let ioc = order(&mock, &format!("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.010&price={}&newOrderRespType=RESULT", ask - dec!(1))).await.json();
    assert_eq!(ioc["status"], "EXPIRED");
    assert_eq!(mock.open_order_count(), 0);
    // ACK (the default) answers with the order as accepted.
    let ack = order(&mock, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010")
        .await
        .json();
    assert_eq!(ack["status"], "NEW");
    assert_eq!(dec_of(&ack["executedQty"]), dec!(0));
    let id = ack["orderId"].as_u64().unwrap();
    let now = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={id}"),
    )
    .await
    .json();
    assert_eq!(now["status"], "FILLED");
    assert_eq!(mock.position("BTCUSDT").unwrap().0, dec!(0.01));
    mock.shutdown().await;
}

async fn countdown(mock: &FuturesMock, ms: u64) -> Answer {
    signed(
        mock,
        reqwest::Method::POST,
        "/fapi/v1/countdownCancelAll",
        &format!("symbol=BTCUSDT&countdownTime={ms}"),
    )
    .await
}

async fn rest_an_order(mock: &FuturesMock) -> u64 {
    let (bid, _) = mock.best_bid_ask("BTCUSDT").unwrap();
    let a = order(
        mock,
        &format!(
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price={}",
            bid - dec!(200)
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()["orderId"].as_u64().unwrap()
}

async fn wait_for_no_open_orders(mock: &FuturesMock) {
    tokio::time::timeout(PATIENCE, async {
        while mock.open_order_count() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the countdown cancels the open orders");
}

#[tokio::test]
async fn the_countdown_cancels_when_it_lapses_and_not_before() {
    let mock = still_mock().await;
    let id = rest_an_order(&mock).await;
    // An order on another symbol is not the countdown's business.
    let eth = order(
        &mock,
        "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=2900",
    )
    .await;
    assert_eq!(eth.status, 200, "{}", eth.text);

    let armed = countdown(&mock, 400).await.json();
    assert_eq!(
        armed,
        serde_json::json!({"symbol": "BTCUSDT", "countdownTime": "400"})
    );
    let left = mock.countdown("BTCUSDT").expect("armed");
    assert!(left <= Duration::from_millis(400));
    assert_eq!(
        mock.open_order_count(),
        2,
        "not before the countdown lapses"
    );

    tokio::time::timeout(PATIENCE, async {
        while mock.open_order_count() > 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the countdown cancels the symbol's orders");
    assert!(
        mock.countdown("BTCUSDT").is_none(),
        "a lapsed countdown is disarmed"
    );
    let o = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        &format!("symbol=BTCUSDT&orderId={id}"),
    )
    .await
    .json();
    assert_eq!(o["status"], "CANCELED");
    let eth_id = eth.json()["orderId"].as_u64().unwrap();
    let e = signed(
        &mock,
        reqwest::Method::GET,
        "/fapi/v1/order",
        &format!("symbol=ETHUSDT&orderId={eth_id}"),
    )
    .await
    .json();
    assert_eq!(e["status"], "NEW");
    mock.shutdown().await;
}

#[tokio::test]
async fn re_arming_extends_the_countdown_and_zero_disarms_it() {
    let mock = still_mock().await;
    rest_an_order(&mock).await;
    let start = tokio::time::Instant::now();
    countdown(&mock, 800).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    countdown(&mock, 2500).await;
    assert!(mock.countdown("BTCUSDT").unwrap() > Duration::from_millis(1500));
    // Past the first deadline: the re-armed countdown still holds.
    tokio::time::sleep_until(start + Duration::from_millis(1300)).await;
    assert_eq!(
        mock.open_order_count(),
        1,
        "re-arming replaced the first deadline"
    );
    wait_for_no_open_orders(&mock).await;

    rest_an_order(&mock).await;
    countdown(&mock, 300).await;
    let disarmed = countdown(&mock, 0).await.json();
    assert_eq!(disarmed["countdownTime"], "0");
    assert!(mock.countdown("BTCUSDT").is_none());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        mock.open_order_count(),
        1,
        "a disarmed countdown cancels nothing"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn rest_faults_hit_the_chosen_endpoint_and_rate_limits_say_when_to_retry() {
    let mock = still_mock().await;
    mock.faults().fail_endpoint("/fapi/v2/positionRisk", 503, 1);
    let other = signed(&mock, reqwest::Method::GET, "/fapi/v2/account", "").await;
    assert_eq!(other.status, 200, "another endpoint answers normally");
    let failed = signed(&mock, reqwest::Method::GET, "/fapi/v2/positionRisk", "").await;
    assert_eq!(failed.status, 503);
    let next = signed(&mock, reqwest::Method::GET, "/fapi/v2/positionRisk", "").await;
    assert_eq!(next.status, 200, "the fault was used once");

    mock.faults()
        .rate_limit_next(1, Duration::from_millis(1500));
    let limited = public(&mock, "/fapi/v1/time").await;
    assert_eq!((limited.status, limited.code()), (429, Some(-1003)));
    assert_eq!(limited.headers.get("retry-after").unwrap(), "2");
    assert_eq!(public(&mock, "/fapi/v1/time").await.status, 200);

    mock.faults().malform_next_responses(1);
    let malformed = public(&mock, "/fapi/v1/exchangeInfo").await;
    assert!(serde_json::from_str::<Value>(&malformed.text).is_err());

    mock.faults().fail_next_requests(1);
    assert_eq!(public(&mock, "/fapi/v1/ping").await.status, 503);

    // An order that a 5xx refused was never placed.
    mock.faults().fail_endpoint("/fapi/v1/order", 502, 1);
    let refused = market(&mock, "BUY", "0.010", false).await;
    assert_eq!(refused.status, 502);
    assert_eq!(mock.position("BTCUSDT"), Some((dec!(0), dec!(0))));
    mock.shutdown().await;
}

type Side = std::collections::BTreeMap<Decimal, Decimal>;

fn apply_levels(side: &mut Side, levels: &Value) {
    for level in levels.as_array().unwrap() {
        let (price, qty) = (dec_of(&level[0]), dec_of(&level[1]));
        if qty.is_zero() {
            side.remove(&price);
        } else {
            side.insert(price, qty);
        }
    }
}

fn book_of(depth: &Value) -> (Side, Side) {
    let (mut bids, mut asks) = (Side::new(), Side::new());
    apply_levels(&mut bids, &depth["bids"]);
    apply_levels(&mut asks, &depth["asks"]);
    (bids, asks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_synced_by_the_pu_rule_matches_the_snapshot() {
    let mock = lively_mock().await;
    let mut ws = connect(&mock.depth_stream_url("BTCUSDT")).await;
    // Let the book move so that the snapshot falls between events.
    let mut buffered = vec![next_event(&mut ws).await];
    let snapshot = public(&mock, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000")
        .await
        .json();
    let last_update_id = id(&snapshot, "lastUpdateId");
    let (mut bids, mut asks) = book_of(&snapshot);
    let mut prev_u: Option<u64> = None;
    let mut applied = 0;
    while applied < 40 {
        let event = if buffered.is_empty() {
            next_event(&mut ws).await
        } else {
            buffered.remove(0)
        };
        let (first, last, pu) = (id(&event, "U"), id(&event, "u"), id(&event, "pu"));
        match prev_u {
            // The documented start: drop what the snapshot has, then the first event holds
            // lastUpdateId (or, when the book did not change since the snapshot's event,
            // chains to it by `pu`).
            None if last < last_update_id => continue,
            None => assert!(
                (first <= last_update_id && last_update_id <= last) || pu == last_update_id,
                "the first event continues the snapshot: {event}, lastUpdateId {last_update_id}"
            ),
            Some(u) => assert_eq!(pu, u, "the chain holds"),
        }
        apply_levels(&mut bids, &event["b"]);
        apply_levels(&mut asks, &event["a"]);
        prev_u = Some(last);
        applied += 1;
    }
    // Stop the book, let the last events arrive, and compare with a fresh snapshot.
    mock.faults().quiet_market(true);
    while let Ok(Some(Ok(Message::Text(t)))) =
        tokio::time::timeout(Duration::from_millis(200), ws.next()).await
    {
        let event: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(Some(id(&event, "pu")), prev_u);
        apply_levels(&mut bids, &event["b"]);
        apply_levels(&mut asks, &event["a"]);
        prev_u = Some(id(&event, "u"));
    }
    let fresh = public(&mock, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000")
        .await
        .json();
    assert_eq!(Some(id(&fresh, "lastUpdateId")), prev_u);
    assert_eq!(
        book_of(&fresh),
        (bids, asks),
        "the streamed book is the exchange's book"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_on_a_bare_connection() {
    use futures_util::SinkExt;
    let mock = lively_mock().await;
    let mut ws = connect(&format!("{}/ws", mock.ws_url())).await;
    let request = r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":7}"#;
    ws.send(Message::Text(request.into())).await.unwrap();
    let reply = next_event(&mut ws).await;
    assert_eq!(reply, serde_json::json!({"result": null, "id": 7}));
    let event = next_event(&mut ws).await;
    assert_eq!(event["e"], "depthUpdate");
    let list = r#"{"method":"LIST_SUBSCRIPTIONS","id":8}"#;
    ws.send(Message::Text(list.into())).await.unwrap();
    let listed = loop {
        let frame = next_event(&mut ws).await;
        if frame.get("id").is_some() {
            break frame;
        }
    };
    assert_eq!(listed["result"], serde_json::json!(["btcusdt@depth@100ms"]));
    let bad = connect_refused(&format!("{}/ws/nope@depth", mock.ws_url())).await;
    assert!(bad, "an unknown symbol is refused");
    mock.shutdown().await;
}

async fn connect_refused(url: &str) -> bool {
    tokio_tungstenite::connect_async(url).await.is_err()
}

#[tokio::test]
async fn batch_orders_answer_each_order_in_turn() {
    let mock = still_mock().await;
    let (bid, _) = mock.best_bid_ask("BTCUSDT").unwrap();
    let batch = serde_json::json!([
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.010", "price": (bid - dec!(100)).to_string(), "newClientOrderId": "b-1"},
        {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.010", "reduceOnly": "true"},
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010", "newOrderRespType": "RESULT"},
    ]);
    let encoded: String = form_urlencoded::byte_serialize(batch.to_string().as_bytes()).collect();
    let a = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/batchOrders",
        &format!("batchOrders={encoded}"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let answers = a.json();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["clientOrderId"], "b-1");
    assert_eq!(answers[0]["status"], "NEW");
    assert_eq!(
        answers[1],
        serde_json::json!({"code": -2022, "msg": "ReduceOnly Order is rejected."})
    );
    assert_eq!(answers[2]["status"], "FILLED");
    assert_eq!(mock.open_order_count(), 1);
    assert_eq!(mock.position("BTCUSDT").unwrap().0, dec!(0.01));

    let six: Vec<Value> = (0..6).map(|_| batch[0].clone()).collect();
    let encoded: String =
        form_urlencoded::byte_serialize(Value::Array(six).to_string().as_bytes()).collect();
    let too_many = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/batchOrders",
        &format!("batchOrders={encoded}"),
    )
    .await;
    assert_eq!(too_many.code(), Some(-1130));
    let garbage = signed(
        &mock,
        reqwest::Method::POST,
        "/fapi/v1/batchOrders",
        "batchOrders=notjson",
    )
    .await;
    assert_eq!(garbage.code(), Some(-1130));
    mock.shutdown().await;
}
