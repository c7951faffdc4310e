//! Bybit v5's REST endpoints: answers in the `{"retCode","retMsg","result","retExtInfo","time"}`
//! envelope, errors in HTTP 200, header-signed private calls.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::book::DEPTH;
use super::state::{BybitState, ClosedOrder, ClosedStatus, Exchange, OpenOrder};
use super::wire;

/// Bybit's default receive window, in milliseconds.
const DEFAULT_RECV_WINDOW_MS: i64 = 5_000;
/// A timestamp may run this far ahead of the server's clock.
const MAX_AHEAD_MS: i64 = 1_000;
/// Signed request bodies are small JSON objects.
const MAX_BODY: usize = 64 * 1024;

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(crate) fn envelope<T: serde::Serialize>(code: i64, msg: &str, result: T) -> Response {
    Json(wire::Envelope {
        ret_code: code,
        ret_msg: msg,
        result,
        ret_ext_info: wire::Empty {},
        time: now_ms(),
    })
    .into_response()
}

pub(crate) fn ok<T: serde::Serialize>(result: T) -> Response {
    envelope(0, "OK", result)
}

/// A refusal: Bybit's code and message in HTTP 200, with an empty result.
#[derive(Debug)]
pub(crate) struct BybitError {
    code: i64,
    msg: String,
}

impl BybitError {
    fn new(code: i64, msg: impl Into<String>) -> Self {
        BybitError {
            code,
            msg: msg.into(),
        }
    }

    pub(crate) fn params(msg: impl std::fmt::Display) -> Self {
        BybitError::new(10001, format!("params error: {msg}"))
    }
}

impl IntoResponse for BybitError {
    fn into_response(self) -> Response {
        envelope(self.code, &self.msg, json!({}))
    }
}

/// Injects the REST faults before a handler runs.
pub(crate) async fn faults(
    State(state): State<BybitState>,
    request: Request,
    next: Next,
) -> Response {
    let faults = &state.faults.inner;
    let fail = faults
        .fail_next
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    let path = request.uri().path();
    let fail_here = take_counted(&faults.fail_endpoint, |p: &String| p == path).is_some();
    if fail.is_ok() || fail_here {
        return (StatusCode::BAD_GATEWAY, "502 Bad Gateway").into_response();
    }
    if let Some((code, msg)) = take_counted(&faults.error_next, |_| true) {
        return BybitError::new(code, msg).into_response();
    }
    let truncate = faults
        .truncate_next
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    let response = next.run(request).await;
    match truncate {
        Ok(_) => crate::fault_layer::truncated(response).await,
        Err(_) => response,
    }
}

/// Takes one use of a fault queued for the next `n` requests, if it applies to this one: its
/// payload, and the slot emptied after the last.
fn take_counted<T: Clone>(
    slot: &std::sync::Mutex<Option<(u32, T)>>,
    applies: impl FnOnce(&T) -> bool,
) -> Option<T> {
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    let (n, payload) = slot.as_mut().filter(|(_, payload)| applies(payload))?;
    let payload = payload.clone();
    *n -= 1;
    if *n == 0 {
        *slot = None;
    }
    Some(payload)
}

pub(crate) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"retCode": 10017, "retMsg": "route not found"})),
    )
        .into_response()
}

fn query_map(query: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// `GET /v5/market/time`
pub(crate) async fn time() -> Response {
    let ms = now_ms();
    ok(json!({
        "timeSecond": (ms / 1000).to_string(),
        "timeNano": (i128::from(ms) * 1_000_000).to_string(),
    }))
}

fn category(params: &BTreeMap<String, String>) -> Result<(), BybitError> {
    match params.get("category").map(String::as_str) {
        Some("spot") => Ok(()),
        Some(other) => Err(BybitError::params(format!(
            "category {other} is not served by the mock"
        ))),
        None => Err(BybitError::params("category is required")),
    }
}

/// `GET /v5/market/instruments-info?category=spot[&symbol=]`
pub(crate) async fn instruments_info(
    State(state): State<BybitState>,
    request: Request,
) -> Response {
    let params = query_map(request.uri().query().unwrap_or(""));
    if let Err(e) = category(&params) {
        return e.into_response();
    }
    let exchange = state.lock();
    let list: Vec<Value> = exchange
        .books
        .values()
        .filter(|b| {
            params
                .get("symbol")
                .is_none_or(|s| *s == b.instrument.symbol)
        })
        .enumerate()
        .map(|(position, book)| {
            let i = &book.instrument;
            json!({
                "symbolId": position + 1,
                "symbol": i.symbol,
                "baseCoin": i.base,
                "quoteCoin": i.quote,
                "innovation": "0",
                "status": "Trading",
                "marginTrading": "none",
                "stTag": "0",
                "lotSizeFilter": {
                    "basePrecision": i.base_precision.normalize().to_string(),
                    "quotePrecision": quote_precision().to_string(),
                    "minOrderQty": i.min_order_qty.normalize().to_string(),
                    "maxOrderQty": MAX_ORDER_QTY.to_string(),
                    "minOrderAmt": i.min_order_amt.normalize().to_string(),
                    "maxOrderAmt": MAX_ORDER_AMT.to_string(),
                    "maxLimitOrderQty": MAX_ORDER_QTY.to_string(),
                    "maxMarketOrderQty": MAX_ORDER_QTY.to_string(),
                    "postOnlyMaxLimitOrderSize": (MAX_ORDER_QTY * 5).to_string(),
                },
                "priceFilter": { "tickSize": i.tick_size.normalize().to_string() },
                "riskParameters": { "priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05" },
                "symbolType": "",
            })
        })
        .collect();
    ok(json!({ "category": "spot", "list": list }))
}

/// `GET /v5/market/orderbook?category=spot&symbol=&limit=` (limit 1..=1000, default 1; the
/// mock's book holds 50 levels a side).
pub(crate) async fn orderbook(State(state): State<BybitState>, request: Request) -> Response {
    let params = query_map(request.uri().query().unwrap_or(""));
    if let Err(e) = category(&params) {
        return e.into_response();
    }
    let limit = match params.get("limit").map(|l| l.parse::<usize>()) {
        None => 1,
        Some(Ok(l @ 1..=1000)) => l.min(DEPTH),
        Some(_) => return BybitError::params("limit must be 1..=1000").into_response(),
    };
    let exchange = state.lock();
    let Some(book) = params.get("symbol").and_then(|s| exchange.books.get(s)) else {
        return BybitError::new(10001, "The symbol is invalid.").into_response();
    };
    let mut data = book.snapshot_data(limit);
    data["ts"] = json!(now_ms());
    data["cts"] = json!(now_ms());
    ok(data)
}

/// The parameters of a request that passed Bybit's header authentication: the query of a
/// `GET`, the JSON object of a `POST`.
pub(crate) struct Signed(pub(crate) Map<String, Value>);

impl FromRequest<BybitState> for Signed {
    type Rejection = BybitError;

    async fn from_request(request: Request, state: &BybitState) -> Result<Self, BybitError> {
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| BybitError::params("request body could not be read"))?;
        let query = parts.uri.query().unwrap_or("");
        let payload = if parts.method == axum::http::Method::GET {
            query.as_bytes()
        } else {
            &body[..]
        };
        verify(state, &parts.headers, payload)?;
        if parts.method == axum::http::Method::GET {
            Ok(Signed(
                query_map(query)
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ))
        } else {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => Ok(Signed(map)),
                _ => Err(BybitError::params("the body is not a JSON object")),
            }
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn verify(state: &BybitState, headers: &HeaderMap, payload: &[u8]) -> Result<(), BybitError> {
    let key = header(headers, "x-bapi-api-key").unwrap_or("");
    if key != state.api_key {
        return Err(BybitError::new(10003, "API key is invalid."));
    }
    let timestamp = header(headers, "x-bapi-timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| BybitError::new(10002, "invalid request, please check your timestamp"))?;
    let recv_window_text = header(headers, "x-bapi-recv-window");
    let recv_window = match recv_window_text {
        None => DEFAULT_RECV_WINDOW_MS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|w| *w > 0)
            .ok_or_else(|| BybitError::params("invalid recv_window"))?,
    };
    let server = now_ms();
    // Saturating: a hostile recv_window (i64::MAX) or timestamp must not overflow.
    if !(server.saturating_sub(recv_window) <= timestamp
        && timestamp < server.saturating_add(MAX_AHEAD_MS))
    {
        return Err(BybitError::new(
            10002,
            format!(
                "invalid request, please check your server timestamp or recv_window param. req_timestamp[{timestamp}],server_timestamp[{server}],recv_window[{recv_window}]"
            ),
        ));
    }
    let Some(sign) = header(headers, "x-bapi-sign") else {
        return Err(BybitError::new(10004, "error sign! missing X-BAPI-SIGN"));
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(state.secret.as_bytes()) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(key.as_bytes());
    mac.update(recv_window_text.unwrap_or("").as_bytes());
    mac.update(payload);
    let expected = hex::encode(mac.finalize().into_bytes());
    if !expected.eq_ignore_ascii_case(sign) {
        return Err(BybitError::new(10004, "error sign! origin_string mismatch"));
    }
    Ok(())
}

pub(crate) fn text<'p>(params: &'p Map<String, Value>, name: &str) -> Option<&'p str> {
    params.get(name).and_then(Value::as_str)
}

/// A number parameter: digits with an optional fraction, no sign or exponent, that fits a
/// `Decimal`; anything else is Bybit's 170130.
fn decimal(params: &Map<String, Value>, name: &str) -> Result<Option<Decimal>, BybitError> {
    let Some(raw) = params.get(name) else {
        return Ok(None);
    };
    let invalid = || {
        BybitError::new(
            170130,
            format!("Data sent for paramter '{name}' is not valid."),
        )
    };
    let text = raw.as_str().ok_or_else(invalid)?;
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(invalid());
    }
    text.parse::<Decimal>().map(Some).map_err(|_| invalid())
}

pub(crate) fn spot(params: &Map<String, Value>) -> Result<(), BybitError> {
    match text(params, "category") {
        Some("spot") => Ok(()),
        _ => Err(BybitError::params("category must be spot")),
    }
}

/// `GET /v5/account/wallet-balance?accountType=UNIFIED[&coin=BTC,USDT]`
///
/// As Bybit documents it: without `coin`, every coin with a non-zero balance; with `coin` (a
/// comma-separated list, upper case), those coins only, a coin the account never held with
/// zeros (as the docs' own example answers `coin=BTC`).
pub(crate) async fn wallet_balance(
    State(state): State<BybitState>,
    Signed(params): Signed,
) -> Response {
    if text(&params, "accountType") != Some("UNIFIED") {
        return BybitError::params("accountType must be UNIFIED").into_response();
    }
    let asked: Option<Vec<&str>> = text(&params, "coin").map(|list| {
        let mut coins: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        coins.dedup();
        coins
    });
    let exchange = state.lock();
    let held = |coin: &str| exchange.balances.get(coin).copied().unwrap_or_default();
    let listed: Vec<(String, super::state::Holding)> = match &asked {
        Some(coins) => coins.iter().map(|c| ((*c).to_owned(), held(c))).collect(),
        None => exchange
            .balances
            .iter()
            .filter(|(_, h)| !h.free.is_zero() || !h.locked.is_zero())
            .map(|(c, h)| (c.clone(), *h))
            .collect(),
    };
    drop(exchange);
    let coins: Vec<Value> = listed
        .iter()
        .map(|(coin, h)| {
            let wallet = h.free.saturating_add(h.locked).normalize().to_string();
            json!({
                "coin": coin,
                "equity": wallet,
                "walletBalance": wallet,
                "locked": h.locked.normalize().to_string(),
                "usdValue": "",
                "unrealisedPnl": "0",
                "cumRealisedPnl": "0",
                "borrowAmount": "0",
                "accruedInterest": "0",
                "totalOrderIM": "0",
                "totalPositionIM": "0",
                "totalPositionMM": "0",
                "bonus": "0",
                "marginCollateral": true,
                "collateralSwitch": true,
                "spotHedgingQty": "0",
                "spotBorrow": "0",
                "colRes": "0",
                "availableToWithdraw": "",
                "availableToBorrow": "",
            })
        })
        .collect();
    ok(json!({
        "list": [{
            "accountType": "UNIFIED",
            "accountIMRate": "0",
            "accountMMRate": "0",
            "accountIMRateByMp": "0",
            "accountMMRateByMp": "0",
            "accountLTV": "0",
            "totalEquity": "",
            "totalWalletBalance": "",
            "totalMarginBalance": "",
            "totalAvailableBalance": "",
            "totalPerpUPL": "0",
            "totalInitialMargin": "0",
            "totalMaintenanceMargin": "0",
            "totalInitialMarginByMp": "0",
            "totalMaintenanceMarginByMp": "0",
            "coin": coins,
        }]
    }))
}

/// `POST /v5/order/create`: `Limit` (`GTC`, `IOC`, `FOK`, `PostOnly`) and `Market` spot
/// orders. A limit order's `qty` is in the base coin; a market order's follows `marketUnit`
/// as Bybit documents it: a market buy's `qty` is in the quote coin and a market sell's in the
/// base coin unless `marketUnit` says `baseCoin` or `quoteCoin`. A market order fills at the
/// best price; a limit order that crosses the book fills at once at its own price (a
/// `PostOnly` one is cancelled instead); one that does not rests and locks its funds (the
/// mock does not match resting orders later). Every amount goes through checked arithmetic: a
/// number too large for the instrument is refused with Bybit's code, never a panic.
pub(crate) async fn create_order(
    State(state): State<BybitState>,
    Signed(params): Signed,
) -> Response {
    match place(&mut state.lock(), &params) {
        Ok(order) => ok(order),
        Err(e) => e.into_response(),
    }
}

/// `maxOrderQty` (and `maxLimitOrderQty`, `maxMarketOrderQty`) in `instruments-info`.
pub(crate) const MAX_ORDER_QTY: u32 = 10_000;
/// `maxOrderAmt` in `instruments-info`.
pub(crate) const MAX_ORDER_AMT: u32 = 100_000_000;
/// `orderLinkId`: at most 36 characters.
const MAX_LINK_ID: usize = 36;

/// `quotePrecision` in `instruments-info`: 0.00000001.
pub(crate) fn quote_precision() -> Decimal {
    Decimal::new(1, 8)
}

/// Whether `value` is a whole multiple of `step`.
fn on_step(value: Decimal, step: Decimal) -> bool {
    value.checked_rem(step).is_some_and(|r| r.is_zero())
}

fn place(exchange: &mut Exchange, params: &Map<String, Value>) -> Result<Value, BybitError> {
    spot(params)?;
    let symbol = text(params, "symbol").ok_or_else(|| BybitError::params("symbol is required"))?;
    let book = exchange
        .books
        .get(symbol)
        .ok_or_else(|| BybitError::new(170121, "Invalid symbol."))?;
    let instrument = book.instrument.clone();
    let buy = match text(params, "side") {
        Some("Buy") => true,
        Some("Sell") => false,
        _ => return Err(BybitError::new(170117, "Invalid side.")),
    };
    let qty = decimal(params, "qty")?.ok_or_else(|| BybitError::params("qty is required"))?;
    let market = match text(params, "orderType") {
        Some("Market") => true,
        Some("Limit") => false,
        _ => return Err(BybitError::new(170116, "Invalid orderType.")),
    };
    // "Market order will always use IOC"; a limit order is GTC unless told otherwise.
    let tif = if market {
        "IOC".to_owned()
    } else {
        text(params, "timeInForce").unwrap_or("GTC").to_owned()
    };
    if !matches!(tif.as_str(), "GTC" | "IOC" | "FOK" | "PostOnly") {
        return Err(BybitError::new(170115, "Invalid timeInForce."));
    }
    // For a market order, what `qty` counts: the quote coin for a buy and the base coin for a
    // sell unless `marketUnit` says otherwise. Ignored on a limit order.
    let qty_in_quote = match (market, text(params, "marketUnit")) {
        (false, _) => false,
        (true, None) => buy,
        (true, Some("baseCoin")) => false,
        (true, Some("quoteCoin")) => true,
        (true, Some(_)) => {
            return Err(BybitError::params(
                "marketUnit must be baseCoin or quoteCoin",
            ))
        }
    };
    let link_id = text(params, "orderLinkId").map(str::to_owned);
    if let Some(link) = &link_id {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if link.is_empty() || link.len() > MAX_LINK_ID || !link.bytes().all(allowed) {
            return Err(BybitError::new(
                170130,
                "Data sent for paramter 'orderLinkId' is not valid.",
            ));
        }
    }
    let best = if buy {
        book.best_ask()
    } else {
        book.best_bid()
    };
    let price = if market {
        best.ok_or_else(|| BybitError::new(170131, "Balance insufficient"))?
    } else {
        decimal(params, "price")?
            .ok_or_else(|| BybitError::params("price is required for Limit"))?
    };
    if qty.is_zero() || price.is_zero() {
        return Err(BybitError::params("qty and price must be positive"));
    }
    if !on_step(price, instrument.tick_size) {
        return Err(BybitError::new(170134, "Order price decimal too long."));
    }
    let too_much = || BybitError::new(170124, "Order amount too large.");
    // The base quantity: `qty` itself, or what a quote amount buys (or sells) at the best
    // price, rounded down to the base precision.
    let base_qty = if qty_in_quote {
        if !on_step(qty, quote_precision()) {
            return Err(BybitError::new(
                170148,
                "Market order amount decimal too long",
            ));
        }
        if qty > Decimal::from(MAX_ORDER_AMT) {
            return Err(too_much());
        }
        let steps = qty
            .checked_div(price)
            .and_then(|q| q.checked_div(instrument.base_precision))
            .ok_or_else(too_much)?
            .floor();
        steps
            .checked_mul(instrument.base_precision)
            .ok_or_else(too_much)?
    } else {
        if !on_step(qty, instrument.base_precision) {
            return Err(BybitError::new(170137, "Order volume decimal too long"));
        }
        qty
    };
    if base_qty > Decimal::from(MAX_ORDER_QTY) {
        return Err(BybitError::new(170381, "Order quantity too large."));
    }
    if base_qty < instrument.min_order_qty {
        return Err(BybitError::new(
            170136,
            "Order quantity lower than the minimum.",
        ));
    }
    let value = base_qty.checked_mul(price).ok_or_else(too_much)?;
    if value > Decimal::from(MAX_ORDER_AMT) {
        return Err(too_much());
    }
    if value < instrument.min_order_amt {
        return Err(BybitError::new(170140, "Order value exceeded lower limit"));
    }
    if let Some(link) = &link_id {
        if exchange
            .open_orders
            .iter()
            .any(|o| &o.order_link_id == link)
        {
            return Err(BybitError::new(170141, "Duplicate clientOrderId"));
        }
    }
    let crosses =
        market || best.is_some_and(|best| if buy { price >= best } else { price <= best });
    // An IOC/FOK that cannot fill now, or a PostOnly that would take, is accepted and
    // cancelled at once, nothing paid.
    let killed = if crosses && tif == "PostOnly" {
        Some("EC_PostOnlyWillTakeLiquidity")
    } else if !crosses && tif == "FOK" {
        Some("EC_FOKOrderCanNotBeFilledCompletely")
    } else if !crosses && tif == "IOC" {
        Some("EC_NoImmediateQtyToFill")
    } else {
        None
    };
    let (pay_coin, pay) = if buy {
        (&instrument.quote, value)
    } else {
        (&instrument.base, base_qty)
    };
    if killed.is_none() {
        let holding = exchange.balances.entry(pay_coin.clone()).or_default();
        if holding.free < pay {
            return Err(BybitError::new(170131, "Balance insufficient"));
        }
        holding.free -= pay;
    }
    let answer = ack(exchange, link_id.clone());
    let now = now_ms();
    let order = OpenOrder {
        order_id: answer["orderId"].as_str().unwrap_or_default().to_owned(),
        order_link_id: answer["orderLinkId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        symbol: symbol.to_owned(),
        buy,
        // A market order has no price of its own, and its `qty` counts what `marketUnit` says.
        price: if market { Decimal::ZERO } else { price },
        qty: if market { qty } else { base_qty },
        time_in_force: tif,
        created_ms: now,
    };
    let market_unit = market.then_some(if qty_in_quote {
        "quoteCoin"
    } else {
        "baseCoin"
    });
    if let Some(reason) = killed {
        exchange.close(ClosedOrder {
            order,
            market_unit,
            status: ClosedStatus::Cancelled,
            exec_qty: Decimal::ZERO,
            exec_value: Decimal::ZERO,
            updated_ms: now,
            cancel_type: "UNKNOWN",
            reject_reason: reason,
        });
        return Ok(answer);
    }
    if crosses {
        let (get_coin, get) = if buy {
            (&instrument.base, base_qty)
        } else {
            (&instrument.quote, value)
        };
        let holding = exchange.balances.entry(get_coin.clone()).or_default();
        holding.free = holding.free.saturating_add(get);
        exchange.close(ClosedOrder {
            order,
            market_unit,
            status: ClosedStatus::Filled,
            exec_qty: base_qty,
            exec_value: value,
            updated_ms: now,
            cancel_type: "UNKNOWN",
            reject_reason: "EC_NoError",
        });
    } else {
        let holding = exchange.balances.entry(pay_coin.clone()).or_default();
        holding.locked = holding.locked.saturating_add(pay);
        exchange.open_orders.push(order);
    }
    Ok(answer)
}

fn ack(exchange: &mut Exchange, link_id: Option<String>) -> Value {
    exchange.next_order_id += 1;
    let order_id = format!("{}", 1_800_000_000_000_000_000u64 + exchange.next_order_id);
    let link_id = link_id.unwrap_or_else(|| format!("mock-{}", exchange.next_order_id));
    json!({ "orderId": order_id, "orderLinkId": link_id })
}

/// `POST /v5/order/cancel` by `orderId` or `orderLinkId`; the funds unlock.
pub(crate) async fn cancel_order(
    State(state): State<BybitState>,
    Signed(params): Signed,
) -> Response {
    if let Err(e) = spot(&params) {
        return e.into_response();
    }
    let Some(symbol) = text(&params, "symbol") else {
        return BybitError::params("symbol is required").into_response();
    };
    // Either id is required; given both, Bybit goes by `orderId`.
    let by_id = text(&params, "orderId").filter(|id| !id.is_empty());
    let by_link = text(&params, "orderLinkId").filter(|id| !id.is_empty());
    if by_id.is_none() && by_link.is_none() {
        return BybitError::params("orderId or orderLinkId is required").into_response();
    }
    let mut exchange = state.lock();
    let position = exchange.open_orders.iter().position(|o| {
        symbol == o.symbol
            && match by_id {
                Some(id) => id == o.order_id,
                None => by_link == Some(o.order_link_id.as_str()),
            }
    });
    let Some(position) = position else {
        return BybitError::new(170213, "Order does not exist.").into_response();
    };
    let order = exchange.open_orders.remove(position);
    let instrument = exchange.books[&order.symbol].instrument.clone();
    let (coin, amount) = order.locked(&instrument);
    let holding = exchange.balances.entry(coin.to_owned()).or_default();
    holding.locked = holding.locked.saturating_sub(amount);
    holding.free = holding.free.saturating_add(amount);
    let answer = json!({ "orderId": order.order_id, "orderLinkId": order.order_link_id });
    exchange.cancelled(order, now_ms());
    ok(answer)
}
