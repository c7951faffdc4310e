//! `POST /v5/order/cancel-all`, as Bybit v5 answers it for the spot category: every open order
//! (of `symbol`, or all), up to 500 a call, each unlocking its funds; the result lists the
//! orders cancelled, `{"list":[{"orderId","orderLinkId"}],"success":"1"}`.
//!
//! The header signature is checked here as the other signed endpoints check it (the same
//! `timestamp + apiKey + recvWindow + body` HMAC), so that the endpoint stands on its own.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::rest::envelope;
use super::rest::now_ms;
use super::state::BybitState;

/// Bybit cancels at most this many spot orders per call; the caller repeats for the rest.
const PER_CALL: usize = 500;
/// Signed request bodies are small JSON objects.
const MAX_BODY: usize = 64 * 1024;
/// Bybit's default receive window, in milliseconds.
const DEFAULT_RECV_WINDOW_MS: i64 = 5_000;
/// A timestamp may run this far ahead of the server's clock.
const MAX_AHEAD_MS: i64 = 1_000;

fn refuse(code: i64, msg: &str) -> Response {
    envelope(code, msg, json!({}))
}

/// `POST /v5/order/cancel-all` with `{"category":"spot"[,"symbol":..]}`.
pub(crate) async fn cancel_all(
    State(state): State<BybitState>,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return refuse(10001, "params error: request body could not be read");
    };
    if let Err((code, msg)) = verify(&state, &parts.headers, &body) {
        return refuse(code, &msg);
    }
    let params: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => map,
        _ => return refuse(10001, "params error: the body is not a JSON object"),
    };
    if params.get("category").and_then(Value::as_str) != Some("spot") {
        return refuse(10001, "params error: category must be spot");
    }
    let symbol = params.get("symbol").and_then(Value::as_str);
    let mut exchange = state.lock();
    if let Some(symbol) = symbol {
        if !exchange.books.contains_key(symbol) {
            return refuse(170121, "Invalid symbol.");
        }
    }
    let mut list = Vec::new();
    let mut kept = Vec::new();
    let mut cancelled = Vec::new();
    for order in std::mem::take(&mut exchange.open_orders) {
        let in_scope = symbol.is_none_or(|s| s == order.symbol);
        if !in_scope || list.len() == PER_CALL {
            kept.push(order);
            continue;
        }
        let Some(book) = exchange.books.get(&order.symbol) else {
            kept.push(order);
            continue;
        };
        let (coin, amount) = order.locked(&book.instrument);
        let coin = coin.to_owned();
        let holding = exchange.balances.entry(coin).or_default();
        holding.locked -= amount;
        holding.free += amount;
        list.push(json!({ "orderId": order.order_id, "orderLinkId": order.order_link_id }));
        cancelled.push(order);
    }
    exchange.open_orders = kept;
    let now = now_ms();
    for order in cancelled {
        exchange.cancelled(order, now);
    }
    envelope(0, "OK", json!({ "list": list, "success": "1" }))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn verify(state: &BybitState, headers: &HeaderMap, payload: &[u8]) -> Result<(), (i64, String)> {
    let key = header(headers, "x-bapi-api-key").unwrap_or("");
    if key != state.api_key {
        return Err((10003, "API key is invalid.".to_owned()));
    }
    let timestamp = header(headers, "x-bapi-timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or((
            10002,
            "invalid request, please check your timestamp".to_owned(),
        ))?;
    let recv_window_text = header(headers, "x-bapi-recv-window");
    let recv_window = match recv_window_text {
        None => DEFAULT_RECV_WINDOW_MS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|w| *w > 0)
            .ok_or((10001, "params error: invalid recv_window".to_owned()))?,
    };
    let server = now_ms();
    if !(server - recv_window <= timestamp && timestamp < server + MAX_AHEAD_MS) {
        return Err((
            10002,
            format!("invalid request, please check your server timestamp or recv_window param. req_timestamp[{timestamp}],server_timestamp[{server}],recv_window[{recv_window}]"),
        ));
    }
    let Some(sign) = header(headers, "x-bapi-sign") else {
        return Err((10004, "error sign! missing X-BAPI-SIGN".to_owned()));
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(state.secret.as_bytes()) else {
        return Err((10004, "error sign! bad secret".to_owned()));
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(key.as_bytes());
    mac.update(recv_window_text.unwrap_or("").as_bytes());
    mac.update(payload);
    let expected = hex::encode(mac.finalize().into_bytes());
    if !expected.eq_ignore_ascii_case(sign) {
        return Err((10004, "error sign! origin_string mismatch".to_owned()));
    }
    Ok(())
}
