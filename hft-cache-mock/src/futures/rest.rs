//! The REST endpoints of the futures mock: public market data, signed trading and account
//! queries, and the fault middleware in front of them.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::account::{OrderType, TimeInForce};
use super::engine::{self, NewOrder};
use super::faults::Planned;
use super::state::{FuturesState, Shared};
use super::wire;
use crate::api_error::ApiError;
use crate::auth::read_signed;
use crate::book::Side;
use crate::fault_layer;
use crate::limits::{Limits, Metered};
use crate::trading::parse_decimal;
use crate::wire::now_ms;

type Params = BTreeMap<String, String>;

/// USD-M's default and largest depth limits.
const DEFAULT_DEPTH: usize = 500;
const MAX_DEPTH: usize = 1000;
/// USD-M's leverage range.
const MAX_LEVERAGE: u32 = 125;

/// The parameters of a signed request that passed the spot mock's checks (API key, timestamp
/// within `recvWindow`, HMAC-SHA256 over the query string and body).
pub(crate) struct Signed(pub(crate) Params);

impl FromRequest<FuturesState> for Signed {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &FuturesState) -> Result<Self, ApiError> {
        read_signed(request, &state.credentials()).await.map(Signed)
    }
}

fn bad(code: i64, msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, msg)
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing_param(name))
}

fn optional<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn number(params: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    optional(params, name)
        .map(|raw| {
            raw.parse::<u64>()
                .map_err(|_| ApiError::illegal_param(name))
        })
        .transpose()
}

fn boolean(params: &Params, name: &str) -> Result<bool, ApiError> {
    match optional(params, name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ApiError::illegal_param(name)),
    }
}

impl Metered for Shared {
    fn limits(&self) -> &Limits {
        &self.limits
    }

    /// USD-M's documented IP weights (placing an order weighs only on the order limits).
    fn weight_of(&self, method: &Method, path: &str, query: Option<&str>) -> u32 {
        let has_symbol = query.is_some_and(|q| {
            form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "symbol" && !v.is_empty())
        });
        let limit = query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "limit")
                .and_then(|(_, v)| v.parse::<u32>().ok())
        });
        match (method.as_str(), path) {
            ("GET", "/fapi/v1/depth") => match limit {
                Some(0..=50) => 2,
                Some(51..=100) => 5,
                None | Some(101..=500) => 10,
                Some(_) => 20,
            },
            ("POST", "/fapi/v1/order") => 0,
            ("POST", "/fapi/v1/batchOrders") => 5,
            ("GET", "/fapi/v1/openOrders") if !has_symbol => 40,
            ("POST", "/fapi/v1/countdownCancelAll") => 10,
            ("GET", "/fapi/v2/positionRisk" | "/fapi/v3/positionRisk")
            | ("GET", "/fapi/v2/account" | "/fapi/v3/account" | "/fapi/v2/balance") => 5,
            _ => 1,
        }
    }
}

/// The fault middleware: a fault aimed at this path (or a rate limit) first, then the
/// shared queue; answered by the spot mock's fault layer, or with a 429 here.
pub(crate) async fn faults(
    State(state): State<FuturesState>,
    request: Request,
    next: Next,
) -> Response {
    match state.faults.next_for(request.uri().path()) {
        None => next.run(request).await,
        Some(Planned::Rest(fault)) => fault_layer::answer(fault, request, next).await,
        Some(Planned::RateLimited(secs)) => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                -1003,
                "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. \
                 Please use the websocket for live updates to avoid polling the API.",
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        -1000,
        format!("Unknown endpoint {} on the futures mock.", uri.path()),
    )
}

pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        -1000,
        format!("Method {method} is not allowed on {}.", uri.path()),
    )
}

/// `GET /fapi/v1/ping`.
pub(crate) async fn ping() -> Json<Value> {
    Json(json!({}))
}

/// `GET /fapi/v1/time`.
pub(crate) async fn time() -> Json<Value> {
    Json(json!({ "serverTime": now_ms() }))
}

/// `GET /fapi/v1/exchangeInfo`.
pub(crate) async fn exchange_info(State(state): State<FuturesState>) -> Json<Value> {
    let venue = state.lock();
    let symbols: Vec<Value> = venue
        .markets
        .values()
        .map(|m| wire::symbol_info(m, state.listed_at))
        .collect();
    Json(json!({
        "timezone": "UTC",
        "serverTime": now_ms(),
        "futuresType": "U_MARGINED",
        "rateLimits": [
            { "rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400 },
            { "rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200 },
            { "rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300 },
        ],
        "exchangeFilters": [],
        "assets": [
            { "asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000" },
        ],
        "symbols": symbols,
    }))
}

/// `GET /fapi/v1/depth?symbol=&limit=`.
pub(crate) async fn depth(
    State(state): State<FuturesState>,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let limit = number(&params, "limit")?
        .map_or(DEFAULT_DEPTH, |n| n as usize)
        .clamp(1, MAX_DEPTH);
    let venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    Ok(Json(venue.markets[&symbol].depth(limit)))
}

fn parse_order(params: &Params, symbol: String) -> Result<(NewOrder, bool), ApiError> {
    let side = match required(params, "side")? {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        _ => return Err(bad(-1117, "Invalid side.")),
    };
    let order_type = match required(params, "type")? {
        "LIMIT" => OrderType::Limit,
        "MARKET" => OrderType::Market,
        _ => return Err(bad(-1116, "Invalid orderType.")),
    };
    if let Some(ps) = optional(params, "positionSide") {
        if ps != "BOTH" {
            return Err(bad(
                -4061,
                "Order's position side does not match user's setting.",
            ));
        }
    }
    let quantity = parse_decimal(required(params, "quantity")?, "quantity")?;
    let (price, time_in_force) = match order_type {
        OrderType::Limit => {
            let price = parse_decimal(required(params, "price")?, "price")?;
            let tif = TimeInForce::parse(required(params, "timeInForce")?)
                .ok_or_else(|| bad(-1115, "Invalid timeInForce."))?;
            (price, tif)
        }
        OrderType::Market => (Decimal::ZERO, TimeInForce::Gtc),
    };
    let result = match optional(params, "newOrderRespType") {
        None | Some("ACK") => false,
        Some("RESULT") => true,
        Some(_) => return Err(ApiError::illegal_param("newOrderRespType")),
    };
    // The documented rule: `^[\.A-Z\:/a-z0-9_-]{1,36}$`, else -4015.
    let client_order_id = optional(params, "newClientOrderId").map(str::to_owned);
    if client_order_id.as_ref().is_some_and(|id| {
        id.is_empty()
            || id.len() > 32
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-:/".contains(&b))
    }) {
        return Err(bad(-4015, "Client order id is not valid."));
    }
    Ok((
        NewOrder {
            symbol,
            side,
            order_type,
            time_in_force,
            price,
            quantity,
            reduce_only: boolean(params, "reduceOnly")?,
            client_order_id,
        },
        result,
    ))
}

/// `POST /fapi/v1/order`: `LIMIT` (`GTC`/`IOC`/`FOK`/`GTX`) or `MARKET`, `reduceOnly`,
/// `newClientOrderId`; `newOrderRespType` `ACK` (the default: the order as accepted) or
/// `RESULT` (as it stands after its taker part).
pub(crate) async fn new_order(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let mut venue = state.lock();
    place_one(&state, &mut venue, &params).map(Json)
}

fn place_one(
    state: &FuturesState,
    venue: &mut super::state::Venue,
    params: &Params,
) -> Result<Value, ApiError> {
    let symbol = venue.symbol(required(params, "symbol")?)?;
    let (req, result) = parse_order(params, symbol)?;
    let order = engine::place(venue, req, &state.faults.shared.inner)?;
    if result {
        return Ok(wire::order(&order, false));
    }
    let mut accepted = order;
    accepted.status = super::account::OrderStatus::New;
    accepted.executed_qty = Decimal::ZERO;
    accepted.cum_quote = Decimal::ZERO;
    accepted.update_time = accepted.time;
    Ok(wire::order(&accepted, false))
}

/// USD-M's cap on the orders of one batch.
const MAX_BATCH: usize = 5;

/// `POST /fapi/v1/batchOrders?batchOrders=[..]`: up to five orders, each placed as
/// `POST /fapi/v1/order` would place it, in order; the answer lists each one's order answer
/// or its `{"code","msg"}` refusal, in the same order.
pub(crate) async fn batch_orders(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let invalid = || bad(-1130, "Data sent for parameter 'batchOrders' is not valid.");
    let raw = required(&params, "batchOrders")?;
    let items: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(raw).map_err(|_| invalid())?;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(invalid());
    }
    let mut venue = state.lock();
    let answers = items
        .into_iter()
        .map(|item| {
            let mut one = Params::new();
            for (name, value) in item {
                let text = match value {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return json!({ "code": -1130, "msg": format!("Data sent for parameter '{name}' is not valid.") }),
                };
                one.insert(name, text);
            }
            place_one(&state, &mut venue, &one)
                .unwrap_or_else(|e| json!({ "code": e.code, "msg": e.msg }))
        })
        .collect();
    Ok(Json(Value::Array(answers)))
}

/// The order `params` name by `orderId` or `origClientOrderId`, on `symbol`.
fn find(
    venue: &super::state::Venue,
    symbol: &str,
    params: &Params,
) -> Result<Option<u64>, ApiError> {
    let id = number(params, "orderId")?;
    let client_id = optional(params, "origClientOrderId");
    if id.is_none() && client_id.is_none() {
        return Err(bad(
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
        ));
    }
    // A client order id is reused once its order closed: the newest order carrying it.
    Ok(venue
        .account
        .orders
        .values()
        .rev()
        .find(|o| {
            o.symbol == symbol
                && id.is_none_or(|id| o.order_id == id)
                && client_id.is_none_or(|c| o.client_order_id == c)
        })
        .map(|o| o.order_id))
}

/// `DELETE /fapi/v1/order`.
pub(crate) async fn cancel_order(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let mut venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    let unknown = || bad(-2011, "Unknown order sent.");
    let id = find(&venue, &symbol, &params)?.ok_or_else(unknown)?;
    let order = venue.account.orders.get_mut(&id).ok_or_else(unknown)?;
    if !order.status.is_open() {
        return Err(unknown());
    }
    order.status = super::account::OrderStatus::Canceled;
    order.update_time = now_ms();
    Ok(Json(wire::order(order, false)))
}

/// `GET /fapi/v1/order`.
pub(crate) async fn query_order(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    let missing = || bad(-2013, "Order does not exist.");
    let id = find(&venue, &symbol, &params)?.ok_or_else(missing)?;
    let order = venue.account.orders.get(&id).ok_or_else(missing)?;
    Ok(Json(wire::order(order, true)))
}

/// `GET /fapi/v1/openOrders`, for one `symbol` or all.
pub(crate) async fn open_orders(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let venue = state.lock();
    let symbol = optional(&params, "symbol")
        .map(|s| venue.symbol(s))
        .transpose()?;
    let orders: Vec<Value> = venue
        .account
        .open_orders(symbol.as_deref())
        .map(|o| wire::order(o, true))
        .collect();
    Ok(Json(Value::Array(orders)))
}

/// `DELETE /fapi/v1/allOpenOrders?symbol=`.
pub(crate) async fn cancel_all(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let mut venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    venue.account.cancel_all(&symbol, now_ms());
    Ok(Json(json!({
        "code": 200,
        "msg": "The operation of cancel all open order is done.",
    })))
}

/// `POST /fapi/v1/countdownCancelAll?symbol=&countdownTime=`: arms (or re-arms, replacing
/// the deadline) the symbol's countdown; `0` disarms it.
pub(crate) async fn countdown_cancel_all(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let mut venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    let ms = number(&params, "countdownTime")?
        .ok_or_else(|| ApiError::missing_param("countdownTime"))?;
    super::countdown::arm(&mut venue, &symbol, ms);
    // The documented answer spells the countdown as a string.
    Ok(Json(
        json!({ "symbol": symbol, "countdownTime": ms.to_string() }),
    ))
}

/// `POST /fapi/v1/leverage?symbol=&leverage=`.
pub(crate) async fn leverage(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let mut venue = state.lock();
    let symbol = venue.symbol(required(&params, "symbol")?)?;
    let raw = required(&params, "leverage")?;
    let leverage: u32 = raw
        .parse()
        .map_err(|_| ApiError::illegal_param("leverage"))?;
    if !(1..=MAX_LEVERAGE).contains(&leverage) {
        return Err(bad(-4028, format!("Leverage {leverage} is not valid")));
    }
    let mark = venue.markets[&symbol].mark_price();
    let notional = venue.account.position(&symbol).notional(mark).abs();
    if notional > super::account::max_notional(leverage) {
        return Err(bad(
            -2027,
            "Exceeded the maximum allowable position at current leverage.",
        ));
    }
    venue.account.leverage.insert(symbol.clone(), leverage);
    Ok(Json(json!({
        "leverage": leverage,
        "maxNotionalValue": super::account::max_notional(leverage).to_string(),
        "symbol": symbol,
    })))
}

/// `GET /fapi/v2/positionRisk[?symbol=]`: every symbol (one-way mode), or one.
pub(crate) async fn position_risk(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let venue = state.lock();
    let symbol = optional(&params, "symbol")
        .map(|s| venue.symbol(s))
        .transpose()?;
    let assessment = venue.account.assess(&venue.marks());
    let rows: Vec<Value> = assessment
        .per_symbol
        .iter()
        .filter(|(s, _)| symbol.as_ref().is_none_or(|want| want == *s))
        .map(|(s, r)| wire::position_risk(s, r))
        .collect();
    Ok(Json(Value::Array(rows)))
}

/// `GET /fapi/v3/positionRisk[?symbol=]`: the symbols with a position or open orders.
pub(crate) async fn position_risk_v3(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let venue = state.lock();
    let symbol = optional(&params, "symbol")
        .map(|s| venue.symbol(s))
        .transpose()?;
    let assessment = venue.account.assess(&venue.marks());
    let rows: Vec<Value> = assessment
        .per_symbol
        .iter()
        .filter(|(s, r)| {
            symbol.as_ref().is_none_or(|want| want == *s)
                && (!r.position.amount.is_zero()
                    || venue.account.open_orders(Some(s)).next().is_some())
        })
        .map(|(s, r)| wire::position_risk_v3(s, r))
        .collect();
    Ok(Json(Value::Array(rows)))
}

/// `GET /fapi/v2/balance`.
pub(crate) async fn balance(State(state): State<FuturesState>, Signed(_): Signed) -> Json<Value> {
    let venue = state.lock();
    let assessment = venue.account.assess(&venue.marks());
    Json(wire::balance(
        venue.account.wallet,
        &assessment,
        venue.account.update_time,
    ))
}

/// `GET /fapi/v2/account`.
pub(crate) async fn account(State(state): State<FuturesState>, Signed(_): Signed) -> Json<Value> {
    let venue = state.lock();
    let assessment = venue.account.assess(&venue.marks());
    Json(wire::account(
        venue.account.wallet,
        &assessment,
        venue.account.update_time,
    ))
}

/// `GET /fapi/v3/account`: the V2 answer's totals and asset, and only the symbols with a
/// position or open orders.
pub(crate) async fn account_v3(
    State(state): State<FuturesState>,
    Signed(_): Signed,
) -> Json<Value> {
    let venue = state.lock();
    let assessment = venue.account.assess(&venue.marks());
    Json(wire::account_v3(
        venue.account.wallet,
        &assessment,
        venue.account.update_time,
        |symbol, r| {
            !r.position.amount.is_zero() || venue.account.open_orders(Some(symbol)).next().is_some()
        },
    ))
}

/// `GET /fapi/v1/leverageBracket[?symbol=]`: every symbol's brackets as a list, or, given a
/// symbol, that symbol's entry alone (an object, as USD-M answers then).
pub(crate) async fn leverage_bracket(
    State(state): State<FuturesState>,
    Signed(params): Signed,
) -> Result<Json<Value>, ApiError> {
    let venue = state.lock();
    if let Some(symbol) = optional(&params, "symbol") {
        let symbol = venue.symbol(symbol)?;
        return Ok(Json(wire::leverage_brackets(&symbol)));
    }
    Ok(Json(Value::Array(
        venue
            .markets
            .keys()
            .map(|s| wire::leverage_brackets(s))
            .collect(),
    )))
}
