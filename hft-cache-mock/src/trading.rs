//! Signed account and order endpoints: balances, orders (placing, testing, querying,
//! cancelling one or all, listing) and the account's trades.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use rust_decimal::Decimal;

use super::api_error::ApiError;
use super::auth::Signed;
use super::book::{Fill, Side};
use super::ledger::{Ledger, Order, OrderStatus, OrderType, TimeInForce};
use super::market::Market;
use super::state::AppState;
use super::symbol::SymbolSpec;
use super::wire;

type Params = BTreeMap<String, String>;

/// Binance's default and largest page sizes for `allOrders` and `myTrades`.
const DEFAULT_LIST_LIMIT: usize = 500;
const MAX_LIST_LIMIT: usize = 1000;

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

fn decimal(params: &Params, name: &str) -> Result<Decimal, ApiError> {
    parse_decimal(required(params, name)?, name)
}

/// The most decimals a quantity or price may carry: the assets' precision (8) in
/// `exchangeInfo`.
const MAX_DECIMALS: usize = 8;

/// A decimal parameter in Binance's form, `^([0-9]{1,20})(\.[0-9]{1,20})?$` (anything else,
/// a sign or an exponent included, is -1100), with at most eight significant decimals (more
/// is -1111). Every value that passes fits a `Decimal` exactly (at most 28 digits), so the
/// checked arithmetic after it only fails on products and sums, never on parsing.
pub(crate) fn parse_decimal(raw: &str, name: &str) -> Result<Decimal, ApiError> {
    let (whole, fraction) = match raw.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (raw, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(ApiError::illegal_param(name));
    }
    let fraction = fraction.map_or("", |f| f.trim_end_matches('0'));
    if fraction.len() > MAX_DECIMALS {
        return Err(ApiError::too_much_precision(name));
    }
    let exact = if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    };
    exact
        .parse::<Decimal>()
        .map_err(|_| ApiError::illegal_param(name))
}

fn number(params: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    optional(params, name)
        .map(|raw| {
            raw.parse::<u64>()
                .map_err(|_| ApiError::illegal_param(name))
        })
        .transpose()
}

fn list_limit(params: &Params) -> Result<usize, ApiError> {
    Ok(number(params, "limit")?
        .map_or(DEFAULT_LIST_LIMIT, |n| n as usize)
        .clamp(1, MAX_LIST_LIMIT))
}

fn symbol_of<'a>(state: &'a AppState, params: &Params) -> Result<&'a Market, ApiError> {
    state.market(required(params, "symbol")?).map(|m| &**m)
}

fn order_ref(params: &Params) -> Result<(Option<u64>, Option<&str>), ApiError> {
    let id = number(params, "orderId")?;
    let client_id = optional(params, "origClientOrderId");
    if id.is_none() && client_id.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
        ));
    }
    Ok((id, client_id))
}

/// `GET /api/v3/account`.
pub(crate) async fn account(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Json<wire::Account> {
    let omit_zero = params.get("omitZeroBalances").is_some_and(|v| v == "true");
    let ledger = state.ledger();
    let zero = wire::dec(Decimal::ZERO);
    Json(wire::Account {
        maker_commission: 0,
        taker_commission: 0,
        buyer_commission: 0,
        seller_commission: 0,
        commission_rates: wire::CommissionRates {
            maker: zero.clone(),
            taker: zero.clone(),
            buyer: zero.clone(),
            seller: zero,
        },
        can_trade: true,
        can_withdraw: true,
        can_deposit: true,
        brokered: false,
        require_self_trade_prevention: false,
        prevent_sor: false,
        update_time: ledger.update_time,
        account_type: "SPOT",
        balances: ledger
            .holdings
            .iter()
            .filter(|(_, h)| !(omit_zero && h.free.is_zero() && h.locked.is_zero()))
            .map(|(asset, h)| wire::Balance {
                asset: asset.clone(),
                free: wire::dec(h.free),
                locked: wire::dec(h.locked),
            })
            .collect(),
        permissions: vec!["SPOT"],
        uid: 1,
    })
}

/// `GET /api/v3/openOrders`, for one `symbol` or all.
pub(crate) async fn open_orders(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<Vec<wire::QueryOrder>>, ApiError> {
    let symbol = match optional(&params, "symbol") {
        Some(s) => Some(state.market(s)?.spec.symbol.clone()),
        None => None,
    };
    let ledger = state.ledger();
    let orders = ledger
        .orders
        .values()
        .filter(|o| o.status.is_open() && symbol.as_ref().is_none_or(|s| *s == o.symbol))
        .map(query_view)
        .collect();
    Ok(Json(orders))
}

/// `GET /api/v3/allOrders`: every order of a symbol, from `orderId` on or the most recent.
pub(crate) async fn all_orders(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<Vec<wire::QueryOrder>>, ApiError> {
    let symbol = symbol_of(&state, &params)?.spec.symbol.clone();
    let from_id = number(&params, "orderId")?;
    let start = number(&params, "startTime")?;
    let end = number(&params, "endTime")?;
    let limit = list_limit(&params)?;
    let ledger = state.ledger();
    let matching: Vec<&Order> = ledger
        .orders
        .values()
        .filter(|o| {
            o.symbol == symbol
                && from_id.is_none_or(|id| o.order_id >= id)
                && start.is_none_or(|t| o.time >= t)
                && end.is_none_or(|t| o.time <= t)
        })
        .collect();
    Ok(Json(
        page(&matching, from_id.is_some() || start.is_some(), limit)
            .iter()
            .map(|o| query_view(o))
            .collect(),
    ))
}

/// The first `limit` items when reading forward from a starting point, else the last `limit`.
fn page<T: Copy>(items: &[T], forward: bool, limit: usize) -> Vec<T> {
    if forward {
        items.iter().take(limit).copied().collect()
    } else {
        items[items.len().saturating_sub(limit)..].to_vec()
    }
}

/// `GET /api/v3/myTrades`: the account's fills on a symbol.
pub(crate) async fn my_trades(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<Vec<wire::MyTrade>>, ApiError> {
    let symbol = symbol_of(&state, &params)?.spec.symbol.clone();
    let order_id = number(&params, "orderId")?;
    let from_id = number(&params, "fromId")?;
    let start = number(&params, "startTime")?;
    let end = number(&params, "endTime")?;
    let limit = list_limit(&params)?;
    let ledger = state.ledger();
    let matching: Vec<_> = ledger
        .trades
        .iter()
        .filter(|t| {
            t.symbol == symbol
                && order_id.is_none_or(|id| t.order_id == id)
                && from_id.is_none_or(|id| t.id >= id)
                && start.is_none_or(|s| t.time >= s)
                && end.is_none_or(|e| t.time <= e)
        })
        .collect();
    let forward = from_id.is_some() || start.is_some() || order_id.is_some();
    let zero = wire::dec(Decimal::ZERO);
    Ok(Json(
        page(&matching, forward, limit)
            .into_iter()
            .map(|t| wire::MyTrade {
                symbol: t.symbol.clone(),
                id: t.id,
                order_id: t.order_id,
                order_list_id: -1,
                price: wire::dec(t.price),
                qty: wire::dec(t.qty),
                quote_qty: wire::dec(t.price.saturating_mul(t.qty)),
                commission: zero.clone(),
                commission_asset: t.commission_asset.clone(),
                time: t.time,
                is_buyer: t.is_buyer,
                is_maker: t.is_maker,
                is_best_match: true,
            })
            .collect(),
    ))
}

/// `GET /api/v3/order`.
pub(crate) async fn query_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<wire::QueryOrder>, ApiError> {
    let symbol = symbol_of(&state, &params)?.spec.symbol.clone();
    let (id, client_id) = order_ref(&params)?;
    let mut ledger = state.ledger();
    let order = ledger
        .find(&symbol, id, client_id)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, -2013, "Order does not exist."))?;
    Ok(Json(query_view(order)))
}

/// `DELETE /api/v3/order`: cancels an open order and unlocks what it held.
pub(crate) async fn cancel_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<wire::CanceledOrder>, ApiError> {
    let symbol = symbol_of(&state, &params)?.spec.symbol.clone();
    let (id, client_id) = order_ref(&params)?;
    let new_client_id = optional(&params, "newClientOrderId").map(str::to_owned);
    let mut ledger = state.ledger();
    let order_id = ledger
        .find(&symbol, id, client_id)
        .filter(|o| o.status.is_open())
        .map(|o| o.order_id)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, -2011, "Unknown order sent."))?;
    Ok(Json(cancel(&mut ledger, order_id, new_client_id)))
}

/// `DELETE /api/v3/openOrders`: cancels every open order of a symbol.
pub(crate) async fn cancel_all(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<Vec<wire::CanceledOrder>>, ApiError> {
    let symbol = symbol_of(&state, &params)?.spec.symbol.clone();
    let mut ledger = state.ledger();
    let open: Vec<u64> = ledger.resting(&symbol).map(|o| o.order_id).collect();
    if open.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            -2011,
            "Unknown order sent.",
        ));
    }
    Ok(Json(
        open.into_iter()
            .map(|id| cancel(&mut ledger, id, None))
            .collect(),
    ))
}

fn cancel(
    ledger: &mut Ledger,
    order_id: u64,
    new_client_id: Option<String>,
) -> wire::CanceledOrder {
    let now = wire::now_ms();
    let order = ledger
        .orders
        .get_mut(&order_id)
        .expect("callers pass the id of an order in the ledger");
    let (asset, amount) = (order.locked_asset.clone(), order.locked);
    order.status = OrderStatus::Canceled;
    order.locked = Decimal::ZERO;
    order.update_time = now;
    let view = wire::CanceledOrder {
        symbol: order.symbol.clone(),
        orig_client_order_id: order.client_order_id.clone(),
        order_id: order.order_id,
        order_list_id: -1,
        client_order_id: new_client_id.unwrap_or_else(|| format!("cancel-{}", order.order_id)),
        transact_time: now,
        price: wire::dec(order.price),
        orig_qty: wire::dec(order.orig_qty),
        executed_qty: wire::dec(order.executed_qty),
        orig_quote_order_qty: wire::dec(order.orig_quote_order_qty),
        cummulative_quote_qty: wire::dec(order.cummulative_quote_qty),
        status: order.status.as_str(),
        time_in_force: order.time_in_force.as_str(),
        order_type: order.order_type.as_str(),
        side: order.side.as_str(),
        self_trade_prevention_mode: "EXPIRE_MAKER",
    };
    let holding = ledger.holding(&asset);
    holding.locked = holding.locked.saturating_sub(amount);
    holding.free = holding.free.saturating_add(amount);
    ledger.update_time = now;
    view
}

fn query_view(o: &Order) -> wire::QueryOrder {
    wire::QueryOrder {
        symbol: o.symbol.clone(),
        order_id: o.order_id,
        order_list_id: -1,
        client_order_id: o.client_order_id.clone(),
        price: wire::dec(o.price),
        orig_qty: wire::dec(o.orig_qty),
        executed_qty: wire::dec(o.executed_qty),
        cummulative_quote_qty: wire::dec(o.cummulative_quote_qty),
        status: o.status.as_str(),
        time_in_force: o.time_in_force.as_str(),
        order_type: o.order_type.as_str(),
        side: o.side.as_str(),
        stop_price: wire::dec(Decimal::ZERO),
        iceberg_qty: wire::dec(Decimal::ZERO),
        time: o.time,
        update_time: o.update_time,
        is_working: o.status.is_open(),
        working_time: o.time,
        orig_quote_order_qty: wire::dec(o.orig_quote_order_qty),
        self_trade_prevention_mode: "EXPIRE_MAKER",
        expiry_reason: o.expiry_reason,
    }
}

/// How much of the order to fill: a base quantity, or (MARKET only) a quote amount.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Amount {
    Base(Decimal),
    Quote(Decimal),
}

/// What `POST /api/v3/order` was asked to do, parsed and checked against the filters.
struct NewOrderRequest {
    side: Side,
    order_type: OrderType,
    time_in_force: TimeInForce,
    amount: Amount,
    /// The limit price in ticks (`None` for a market order).
    limit_ticks: Option<i64>,
    price: Decimal,
    client_order_id: Option<String>,
    response_type: ResponseType,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Ack,
    Result,
    Full,
}

fn parse_new_order(params: &Params, spec: &SymbolSpec) -> Result<NewOrderRequest, ApiError> {
    let side = match required(params, "side")? {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1117,
                "Invalid side.",
            ))
        }
    };
    let order_type = match required(params, "type")? {
        "LIMIT" => OrderType::Limit,
        "LIMIT_MAKER" => OrderType::LimitMaker,
        "MARKET" => OrderType::Market,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1116,
                "Invalid orderType.",
            ))
        }
    };
    let response_type = match params.get("newOrderRespType").map(String::as_str) {
        None | Some("FULL") => ResponseType::Full,
        Some("RESULT") => ResponseType::Result,
        Some("ACK") => ResponseType::Ack,
        Some(_) => return Err(ApiError::illegal_param("newOrderRespType")),
    };
    let client_order_id = match params.get("newClientOrderId") {
        Some(id) if id.is_empty() => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1118,
                "New client order ID was empty.",
            ))
        }
        other => other.cloned(),
    };
    let amount = match (
        optional(params, "quantity"),
        optional(params, "quoteOrderQty"),
        order_type,
    ) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1106,
                "Parameter 'quoteOrderQty' sent when not required.",
            ))
        }
        (Some(q), None, _) => Amount::Base(parse_decimal(q, "quantity")?),
        (None, Some(q), OrderType::Market) => Amount::Quote(parse_decimal(q, "quoteOrderQty")?),
        (None, Some(_), _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1106,
                "Parameter 'quoteOrderQty' sent when not required.",
            ))
        }
        (None, None, OrderType::Market) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
            ))
        }
        (None, None, _) => return Err(ApiError::missing_param("quantity")),
    };
    let (time_in_force, price, limit_ticks) = match order_type {
        OrderType::Limit | OrderType::LimitMaker => {
            let tif = match (order_type, optional(params, "timeInForce")) {
                (OrderType::LimitMaker, None) => TimeInForce::Gtc,
                (OrderType::LimitMaker, Some(_)) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        -1106,
                        "Parameter 'timeInForce' sent when not required.",
                    ))
                }
                (_, None) => return Err(ApiError::missing_param("timeInForce")),
                (_, Some("GTC")) => TimeInForce::Gtc,
                (_, Some("IOC")) => TimeInForce::Ioc,
                (_, Some("FOK")) => TimeInForce::Fok,
                (_, Some(_)) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        -1115,
                        "Invalid timeInForce.",
                    ))
                }
            };
            let price = decimal(params, "price")?;
            if price < spec.min_price || price > spec.max_price {
                return Err(ApiError::filter_failure("PRICE_FILTER"));
            }
            let ticks = spec
                .to_ticks(price)
                .ok_or_else(|| ApiError::filter_failure("PRICE_FILTER"))?;
            (tif, price, Some(ticks))
        }
        OrderType::Market => {
            if params.contains_key("price") {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    -1106,
                    "Parameter 'price' sent when not required.",
                ));
            }
            (TimeInForce::Gtc, Decimal::ZERO, None)
        }
    };
    if let Amount::Base(qty) = amount {
        check_lot_size(spec, qty)?;
        if order_type != OrderType::Market {
            let notional = price
                .checked_mul(qty)
                .ok_or_else(|| ApiError::filter_failure("NOTIONAL"))?;
            if notional < spec.min_notional || notional > spec.max_notional {
                return Err(ApiError::filter_failure("NOTIONAL"));
            }
        }
    }
    Ok(NewOrderRequest {
        side,
        order_type,
        time_in_force,
        amount,
        limit_ticks,
        price,
        client_order_id,
        response_type,
    })
}

fn check_lot_size(spec: &SymbolSpec, qty: Decimal) -> Result<(), ApiError> {
    let on_step = qty
        .checked_sub(spec.min_qty)
        .and_then(|above| above.checked_rem(spec.step_size))
        .is_some_and(|r| r.is_zero());
    if qty < spec.min_qty || qty > spec.max_qty || !on_step {
        return Err(ApiError::filter_failure("LOT_SIZE"));
    }
    Ok(())
}

/// What an order would do against the book now, before anything changes.
struct Plan {
    fills: Vec<Fill>,
    /// The order's quantity (for `quoteOrderQty`, the quantity it works out to).
    qty: Decimal,
    filled: Decimal,
    cost: Decimal,
    resting: Decimal,
    status: OrderStatus,
    expiry_reason: Option<&'static str>,
}

fn plan(
    req: &NewOrderRequest,
    market: &Market,
    st: &super::market::MarketState,
) -> Result<Plan, ApiError> {
    let spec = &market.spec;
    let book = &st.book;
    if req.order_type == OrderType::LimitMaker {
        let crosses = match (req.side, req.limit_ticks) {
            (Side::Buy, Some(p)) => book.best_ask().is_some_and(|a| a <= p),
            (Side::Sell, Some(p)) => book.best_bid().is_some_and(|b| b >= p),
            _ => false,
        };
        if crosses {
            return Err(ApiError::order_rejected(
                "Order would immediately match and take.",
            ));
        }
    }
    let qty = match req.amount {
        Amount::Base(qty) => qty,
        Amount::Quote(quote) => {
            let qty = qty_for_quote(book, spec, req.side, quote)
                .ok_or_else(|| ApiError::filter_failure("NOTIONAL"))?;
            if qty < spec.min_qty {
                return Err(ApiError::order_rejected(
                    "Order book liquidity is less than `LOT_SIZE` filter minimum quantity.",
                ));
            }
            qty
        }
    };
    let mut fills = match req.order_type {
        OrderType::LimitMaker => Vec::new(),
        _ => book.quote_taker(req.side, qty, req.limit_ticks),
    };
    let overflow = || ApiError::filter_failure("NOTIONAL");
    let mut filled = fills
        .iter()
        .try_fold(Decimal::ZERO, |sum, f| sum.checked_add(f.qty))
        .ok_or_else(overflow)?;
    if req.time_in_force == TimeInForce::Fok && filled < qty {
        fills.clear();
        filled = Decimal::ZERO;
    }
    let cost = fills
        .iter()
        .try_fold(Decimal::ZERO, |sum, f| {
            sum.checked_add(spec.price_of(f.ticks).checked_mul(f.qty)?)
        })
        .ok_or_else(overflow)?;
    let resting = match (req.order_type, req.time_in_force) {
        (OrderType::Limit | OrderType::LimitMaker, TimeInForce::Gtc) => {
            qty.checked_sub(filled).ok_or_else(overflow)?
        }
        _ => Decimal::ZERO,
    };
    if req.order_type == OrderType::Market {
        // NOTIONAL applies to market orders at the price they fill at.
        if let Some(first) = fills.first() {
            let notional = spec
                .price_of(first.ticks)
                .checked_mul(qty)
                .ok_or_else(overflow)?;
            if notional < spec.min_notional {
                return Err(ApiError::filter_failure("NOTIONAL"));
            }
        }
    }
    let (status, expiry_reason) = if filled == qty {
        (OrderStatus::Filled, None)
    } else if !resting.is_zero() && filled.is_zero() {
        (OrderStatus::New, None)
    } else if !resting.is_zero() {
        (OrderStatus::PartiallyFilled, None)
    } else {
        let reason = match (req.order_type, req.time_in_force) {
            (OrderType::Market, _) => "INSUFFICIENT_LIQUIDITY",
            (_, TimeInForce::Fok) => "UNFILLED_FOK_ORDER_EXPIRED",
            _ => "UNFILLED_IOC_QUANTITY_EXPIRED",
        };
        (OrderStatus::Expired, Some(reason))
    };
    Ok(Plan {
        fills,
        qty,
        filled,
        cost,
        resting,
        status,
        expiry_reason,
    })
}

/// The quantity a MARKET order by `quoteOrderQty` works out to: as much as the book gives for
/// the quote amount, each level's share rounded down to the step size; `None` if the
/// arithmetic overflows.
fn qty_for_quote(
    book: &super::book::Book,
    spec: &SymbolSpec,
    side: Side,
    quote: Decimal,
) -> Option<Decimal> {
    let (bids, asks) = book.top(usize::MAX);
    let levels = match side {
        Side::Buy => asks,
        Side::Sell => bids,
    };
    let mut left = quote;
    let mut qty = Decimal::ZERO;
    for (ticks, level_qty) in levels {
        let price = spec.price_of(ticks);
        let affordable = left
            .checked_div(price)?
            .checked_div(spec.step_size)?
            .floor()
            .checked_mul(spec.step_size)?;
        let take = affordable.min(level_qty);
        if take.is_zero() {
            break;
        }
        qty = qty.checked_add(take)?;
        left = left.checked_sub(take.checked_mul(price)?)?;
    }
    Some(qty.min(spec.max_qty))
}

/// `POST /api/v3/order/test`: validates an order as `POST /api/v3/order` would, and places
/// nothing.
pub(crate) async fn test_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<serde_json::Value>, ApiError> {
    let market = symbol_of(&state, &params)?;
    let req = parse_new_order(&params, &market.spec)?;
    if market.spec.status != "TRADING" {
        return Err(ApiError::order_rejected("Market is closed."));
    }
    if params
        .get("computeCommissionRates")
        .is_some_and(|v| v == "true")
    {
        let zero = wire::dec(Decimal::ZERO);
        let rates = serde_json::json!({ "maker": zero, "taker": zero });
        return Ok(Json(serde_json::json!({
            "standardCommissionForOrder": rates,
            "specialCommissionForOrder": rates,
            "taxCommissionForOrder": rates,
            "discount": {
                "enabledForAccount": false,
                "enabledForSymbol": false,
                "discountAsset": "BNB",
                "discount": zero,
            },
        })));
    }
    drop(req);
    Ok(Json(serde_json::json!({})))
}

/// `POST /api/v3/order`: LIMIT (GTC, IOC, FOK), LIMIT_MAKER and MARKET (by `quantity` or
/// `quoteOrderQty`) orders.
///
/// The part that crosses the book fills at once as a taker, at the book's prices, and takes
/// that liquidity out of the book (published on the streams). A GTC remainder rests with its
/// funds locked and fills later, at its price, when the book moves through it; an IOC or MARKET
/// remainder expires; a FOK that cannot fill whole expires without filling; a LIMIT_MAKER that
/// would cross is rejected.
pub(crate) async fn new_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<(HeaderMap, Json<wire::NewOrder>), ApiError> {
    let market = symbol_of(&state, &params)?;
    let spec = &market.spec;
    let req = parse_new_order(&params, spec)?;
    if spec.status != "TRADING" {
        return Err(ApiError::order_rejected("Market is closed."));
    }

    // Lock order: the market, then the ledger.
    let mut book_state = market.lock();
    let plan = plan(&req, market, &book_state)?;
    let now = wire::now_ms();
    let mut ledger = state.ledger();
    if let Some(id) = &req.client_order_id {
        if ledger.client_id_in_use(id) {
            return Err(ApiError::order_rejected("Duplicate order sent."));
        }
    }
    let overflow = || ApiError::filter_failure("NOTIONAL");
    let (locked_asset, locked) = match req.side {
        Side::Buy => (
            spec.quote.clone(),
            plan.resting.checked_mul(req.price).ok_or_else(overflow)?,
        ),
        Side::Sell => (spec.base.clone(), plan.resting),
    };
    let enough = match req.side {
        Side::Buy => {
            ledger.free(&spec.quote) >= plan.cost.checked_add(locked).ok_or_else(overflow)?
        }
        Side::Sell => ledger.free(&spec.base) >= plan.qty,
    };
    if !enough {
        return Err(ApiError::order_rejected(
            "Account has insufficient balance for requested action.",
        ));
    }
    settle(&mut ledger, spec, req.side, plan.filled, plan.cost);
    let holding = ledger.holding(&locked_asset);
    holding.free = holding.free.saturating_sub(locked);
    holding.locked = holding.locked.saturating_add(locked);
    ledger.update_time = now;

    let faults = &state.faults.inner;
    let changes = book_state.book.apply_fills(req.side, &plan.fills);
    market.apply(&mut book_state, changes, faults);
    let order_id = ledger.next_order_id();
    let order = Order {
        symbol: spec.symbol.clone(),
        order_id,
        client_order_id: req
            .client_order_id
            .clone()
            .unwrap_or_else(|| format!("mock-{order_id}")),
        side: req.side,
        order_type: req.order_type,
        price: req.price,
        time_in_force: req.time_in_force,
        orig_qty: plan.qty,
        orig_quote_order_qty: match req.amount {
            Amount::Quote(q) => q,
            Amount::Base(_) => Decimal::ZERO,
        },
        executed_qty: plan.filled,
        cummulative_quote_qty: plan.cost,
        status: plan.status,
        expiry_reason: plan.expiry_reason,
        time: now,
        update_time: now,
        locked,
        locked_asset,
    };
    let mut trade_ids = Vec::with_capacity(plan.fills.len());
    for f in &plan.fills {
        let price = spec.price_of(f.ticks);
        let buyer_is_maker = req.side == Side::Sell;
        let trade = market.record_trade(&mut book_state, price, f.qty, now, buyer_is_maker, faults);
        ledger.record_trade(&order, spec, trade.id, price, f.qty, now, false);
        trade_ids.push(trade.id);
    }
    if !plan.fills.is_empty() {
        market.flush_now(&mut book_state, faults);
    }
    drop(book_state);
    let response = new_order_view(&order, &plan.fills, &trade_ids, spec, req.response_type);
    ledger.orders.insert(order_id, order);
    drop(ledger);
    let headers = state.limits.count_order();
    Ok((headers, Json(response)))
}

/// Moves the traded amounts between base and quote (commissions are zero in the mock).
fn settle(ledger: &mut Ledger, spec: &SymbolSpec, side: Side, filled: Decimal, cost: Decimal) {
    let (pay, pay_amount, get, get_amount) = match side {
        Side::Buy => (&spec.quote, cost, &spec.base, filled),
        Side::Sell => (&spec.base, filled, &spec.quote, cost),
    };
    // Checked against the balance before: saturating only guards balances a test set near
    // `Decimal::MAX`.
    let pay = ledger.holding(pay);
    pay.free = pay.free.saturating_sub(pay_amount);
    let get = ledger.holding(get);
    get.free = get.free.saturating_add(get_amount);
}

fn new_order_view(
    o: &Order,
    fills: &[Fill],
    trade_ids: &[u64],
    spec: &SymbolSpec,
    response_type: ResponseType,
) -> wire::NewOrder {
    let result = (response_type != ResponseType::Ack).then(|| wire::NewOrderResult {
        price: wire::dec(o.price),
        orig_qty: wire::dec(o.orig_qty),
        executed_qty: wire::dec(o.executed_qty),
        orig_quote_order_qty: wire::dec(o.orig_quote_order_qty),
        cummulative_quote_qty: wire::dec(o.cummulative_quote_qty),
        status: o.status.as_str(),
        time_in_force: o.time_in_force.as_str(),
        order_type: o.order_type.as_str(),
        side: o.side.as_str(),
        working_time: o.time,
        self_trade_prevention_mode: "EXPIRE_MAKER",
        expiry_reason: o.expiry_reason,
    });
    let commission_asset = match o.side {
        Side::Buy => spec.base.clone(),
        Side::Sell => spec.quote.clone(),
    };
    let fills = (response_type == ResponseType::Full).then(|| {
        fills
            .iter()
            .zip(trade_ids)
            .map(|(f, id)| wire::OrderFill {
                price: wire::dec(spec.price_of(f.ticks)),
                qty: wire::dec(f.qty),
                commission: wire::dec(Decimal::ZERO),
                commission_asset: commission_asset.clone(),
                trade_id: *id,
            })
            .collect()
    });
    wire::NewOrder {
        symbol: o.symbol.clone(),
        order_id: o.order_id,
        order_list_id: -1,
        client_order_id: o.client_order_id.clone(),
        transact_time: o.time,
        result,
        fills,
    }
}
