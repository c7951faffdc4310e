//! What the mock's integration tests share: a started exchange, hand-signed requests, a
//! WebSocket reader, and a check that a payload has exactly the documented fields and JSON types.

#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hft_cache::exchange::Signer;
use hft_cache_mock::{MockExchange, MockExchangeBuilder};
use rust_decimal_macros::dec;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const KEY: &str = "test-key";
pub const SECRET: &str = "test-secret";
/// How long a test waits for something that should happen within milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A fast mock with BTCUSDT and ETHUSDT and a funded account.
pub fn builder() -> MockExchangeBuilder {
    MockExchange::builder()
        .api_key(KEY)
        .secret(SECRET)
        .symbol("BTCUSDT", "BTC", "USDT", dec!(60000))
        .symbol("ETHUSDT", "ETH", "USDT", dec!(3000))
        .balance("USDT", dec!(100000))
        .balance("BTC", dec!(2))
        .stream_interval(Duration::from_millis(5))
}

pub async fn exchange() -> MockExchange {
    builder().start().await.expect("mock exchange starts")
}

pub fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// An answer: status, headers, JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Binance's error code, if the body is an error.
    pub fn code(&self) -> Option<i64> {
        self.body.get("code").and_then(Value::as_i64)
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(ex: &MockExchange, path_and_query: &str) -> Answer {
    send(reqwest::Client::new().get(format!("{}{path_and_query}", ex.http_url()))).await
}

/// A signed request: `params` plus a fresh timestamp, signed and sent in the query string.
pub async fn signed(
    ex: &MockExchange,
    method: reqwest::Method,
    path: &str,
    params: &[(&str, &str)],
) -> Answer {
    let mut query: String = form_encode(params);
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(&format!("timestamp={}", now_ms()));
    signed_raw(ex, method, path, &query, "").await
}

/// A request signed over exactly `query` followed by `body`, as Binance defines it.
pub async fn signed_raw(
    ex: &MockExchange,
    method: reqwest::Method,
    path: &str,
    query: &str,
    body: &str,
) -> Answer {
    let signature = Signer::new(SECRET).sign(&format!("{query}{body}"));
    let url = format!("{}{path}?{query}&signature={signature}", ex.http_url());
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("X-MBX-APIKEY", KEY);
    if !body.is_empty() {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
    }
    send(request).await
}

pub fn form_encode(params: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The JSON kind of each field of an object: `"string"`, `"number"`, `"bool"`, `"array"`,
/// `"object"` or `"null"`.
pub fn shape(value: &Value) -> BTreeMap<String, &'static str> {
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"));
    obj.iter()
        .map(|(k, v)| {
            let kind = match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "bool",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                Value::Null => "null",
            };
            (k.clone(), kind)
        })
        .collect()
}

/// Asserts that `value` has exactly these fields with these JSON kinds (the docs' example).
#[track_caller]
pub fn assert_shape(value: &Value, expected: &[(&str, &'static str)]) {
    let want: BTreeMap<String, &'static str> =
        expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(shape(value), want, "payload: {value}");
}

/// Every string of `value` at these fields parses as a decimal (Binance writes decimals as
/// strings).
#[track_caller]
pub fn assert_decimals(value: &Value, fields: &[&str]) {
    for f in fields {
        let s = value[f]
            .as_str()
            .unwrap_or_else(|| panic!("{f} is not a string in {value}"));
        s.parse::<rust_decimal::Decimal>()
            .unwrap_or_else(|e| panic!("{f}={s}: {e}"));
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn connect(url: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    socket
}

/// What arrives on a socket, pings and pongs aside.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    Closed(Option<u16>),
}

pub async fn next_frame(socket: &mut Socket) -> Frame {
    loop {
        let msg = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a frame within the patience window");
        match msg {
            None | Some(Err(_)) => return Frame::Closed(None),
            Some(Ok(Message::Close(frame))) => return Frame::Closed(frame.map(|f| f.code.into())),
            Some(Ok(Message::Text(text))) => {
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
                return Frame::Json(value);
            }
            Some(Ok(_)) => {}
        }
    }
}

/// The next JSON frame; fails the test if the socket closes.
pub async fn next_json(socket: &mut Socket) -> Value {
    match next_frame(socket).await {
        Frame::Json(v) => v,
        Frame::Closed(code) => panic!("socket closed ({code:?})"),
    }
}

/// The next JSON frame that satisfies `pred` (others are skipped).
pub async fn next_matching(socket: &mut Socket, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let v = next_json(socket).await;
        if pred(&v) {
            return v;
        }
    }
}

pub async fn send_json(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .expect("frame sent");
}

/// Sends a request frame and returns the reply with that `id` (events are skipped).
pub async fn request(socket: &mut Socket, value: Value) -> Value {
    let id = value["id"].clone();
    send_json(socket, value).await;
    next_matching(socket, |v| v.get("id") == Some(&id)).await
}
