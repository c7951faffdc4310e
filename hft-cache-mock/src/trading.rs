//! Signed account and order endpoints: balances, open orders, placing, querying and cancelling.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
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

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing_param(name))
}

fn decimal(params: &Params, name: &str) -> Result<Decimal, ApiError> {
    required(params, name)?
        .parse::<Decimal>()
        .ok()
        .filter(|d| !d.is_sign_negative())
        .ok_or_else(|| ApiError::illegal_param(name))
}

fn order_ref(params: &Params) -> Result<(Option<u64>, Option<&str>), ApiError> {
    let id = match params.get("orderId").filter(|v| !v.is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.parse::<u64>()
                .map_err(|_| ApiError::illegal_param("orderId"))?,
        ),
    };
    let client_id = params
        .get("origClientOrderId")
        .map(String::as_str)
        .filter(|v| !v.is_empty());
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
    let symbol = match params.get("symbol").filter(|s| !s.is_empty()) {
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

/// `GET /api/v3/order`.
pub(crate) async fn query_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<wire::QueryOrder>, ApiError> {
    let symbol = state
        .market(required(&params, "symbol")?)?
        .spec
        .symbol
        .clone();
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
    let symbol = state
        .market(required(&params, "symbol")?)?
        .spec
        .symbol
        .clone();
    let (id, client_id) = order_ref(&params)?;
    let now = wire::now_ms();
    let mut ledger = state.ledger();
    let order = ledger
        .find(&symbol, id, client_id)
        .filter(|o| o.status.is_open())
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, -2011, "Unknown order sent."))?;
    let (asset, amount) = (order.locked_asset.clone(), order.locked);
    order.status = OrderStatus::Canceled;
    order.locked = Decimal::ZERO;
    order.update_time = now;
    let view = wire::CanceledOrder {
        symbol: order.symbol.clone(),
        orig_client_order_id: order.client_order_id.clone(),
        order_id: order.order_id,
        order_list_id: -1,
        client_order_id: format!("cancel-{}", order.order_id),
        transact_time: now,
        price: wire::dec(order.price),
        orig_qty: wire::dec(order.orig_qty),
        executed_qty: wire::dec(order.executed_qty),
        orig_quote_order_qty: wire::dec(Decimal::ZERO),
        cummulative_quote_qty: wire::dec(order.cummulative_quote_qty),
        status: order.status.as_str(),
        time_in_force: order.time_in_force.as_str(),
        order_type: order.order_type.as_str(),
        side: order.side.as_str(),
        self_trade_prevention_mode: "EXPIRE_MAKER",
    };
    let holding = ledger.holding(&asset);
    holding.locked -= amount;
    holding.free += amount;
    ledger.update_time = now;
    Ok(Json(view))
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
        orig_quote_order_qty: wire::dec(Decimal::ZERO),
        self_trade_prevention_mode: "EXPIRE_MAKER",
    }
}

/// What `POST /api/v3/order` was asked to do, parsed and checked against the filters.
struct NewOrderRequest {
    side: Side,
    order_type: OrderType,
    time_in_force: TimeInForce,
    qty: Decimal,
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
    let qty = decimal(params, "quantity")?;
    let (time_in_force, price, limit_ticks) = match order_type {
        OrderType::Limit => {
            let tif = match required(params, "timeInForce")? {
                "GTC" => TimeInForce::Gtc,
                "IOC" => TimeInForce::Ioc,
                "FOK" => TimeInForce::Fok,
                _ => {
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
    let on_step = ((qty - spec.min_qty) % spec.step_size).is_zero();
    if qty < spec.min_qty || qty > spec.max_qty || !on_step {
        return Err(ApiError::filter_failure("LOT_SIZE"));
    }
    if order_type == OrderType::Limit {
        let notional = price * qty;
        if notional < spec.min_notional || notional > spec.max_notional {
            return Err(ApiError::filter_failure("NOTIONAL"));
        }
    }
    Ok(NewOrderRequest {
        side,
        order_type,
        time_in_force,
        qty,
        limit_ticks,
        price,
        client_order_id: params.get("newClientOrderId").cloned(),
        response_type,
    })
}

/// `POST /api/v3/order`: LIMIT (GTC, IOC, FOK) and MARKET orders.
///
/// The part that crosses the book fills at once as a taker, at the book's prices, and takes
/// that liquidity out of the book (published on the stream). A GTC remainder rests with its
/// funds locked; an IOC or MARKET remainder expires; a FOK that cannot fill whole expires
/// without filling.
pub(crate) async fn new_order(
    State(state): State<AppState>,
    Signed(params): Signed,
) -> Result<Json<wire::NewOrder>, ApiError> {
    let market: &Market = state.market(required(&params, "symbol")?)?;
    let spec = &market.spec;
    let req = parse_new_order(&params, spec)?;
    if spec.status != "TRADING" {
        return Err(ApiError::order_rejected("Market is closed."));
    }

    // Lock order: the market, then the ledger.
    let mut book_state = market.lock();
    let mut fills = book_state
        .book
        .quote_taker(req.side, req.qty, req.limit_ticks);
    let mut filled: Decimal = fills.iter().map(|f| f.qty).sum();
    if req.time_in_force == TimeInForce::Fok && filled < req.qty {
        fills.clear();
        filled = Decimal::ZERO;
    }
    let cost: Decimal = fills.iter().map(|f| spec.price_of(f.ticks) * f.qty).sum();
    let resting = match (req.order_type, req.time_in_force) {
        (OrderType::Limit, TimeInForce::Gtc) => req.qty - filled,
        _ => Decimal::ZERO,
    };
    if req.order_type == OrderType::Market {
        // NOTIONAL applies to market orders at the price they fill at.
        let reference = match fills.first() {
            Some(f) => spec.price_of(f.ticks),
            None => Decimal::ZERO,
        };
        if !fills.is_empty() && reference * req.qty < spec.min_notional {
            return Err(ApiError::filter_failure("NOTIONAL"));
        }
    }

    let now = wire::now_ms();
    let mut ledger = state.ledger();
    let (locked_asset, locked) = match req.side {
        Side::Buy => (spec.quote.clone(), resting * req.price),
        Side::Sell => (spec.base.clone(), resting),
    };
    let enough = match req.side {
        Side::Buy => ledger.free(&spec.quote) >= cost + locked,
        Side::Sell => ledger.free(&spec.base) >= req.qty,
    };
    if !enough {
        return Err(ApiError::order_rejected(
            "Account has insufficient balance for requested action.",
        ));
    }
    settle(&mut ledger, spec, req.side, filled, cost);
    let holding = ledger.holding(&locked_asset);
    holding.free -= locked;
    holding.locked += locked;
    ledger.update_time = now;

    let changes = book_state.book.apply_fills(req.side, &fills);
    market.publish(&mut book_state, changes, &state.faults.inner);
    drop(book_state);

    let status = if filled == req.qty {
        OrderStatus::Filled
    } else if !resting.is_zero() && filled.is_zero() {
        OrderStatus::New
    } else if !resting.is_zero() {
        OrderStatus::PartiallyFilled
    } else {
        OrderStatus::Expired
    };
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
        orig_qty: req.qty,
        executed_qty: filled,
        cummulative_quote_qty: cost,
        status,
        time: now,
        update_time: now,
        locked,
        locked_asset,
    };
    let response = new_order_view(&mut ledger, &order, &fills, spec, req.response_type);
    ledger.orders.insert(order_id, order);
    Ok(Json(response))
}

/// Moves the traded amounts between base and quote (commissions are zero in the mock).
fn settle(ledger: &mut Ledger, spec: &SymbolSpec, side: Side, filled: Decimal, cost: Decimal) {
    let (pay, pay_amount, get, get_amount) = match side {
        Side::Buy => (&spec.quote, cost, &spec.base, filled),
        Side::Sell => (&spec.base, filled, &spec.quote, cost),
    };
    ledger.holding(pay).free -= pay_amount;
    ledger.holding(get).free += get_amount;
}

fn new_order_view(
    ledger: &mut Ledger,
    o: &Order,
    fills: &[Fill],
    spec: &SymbolSpec,
    response_type: ResponseType,
) -> wire::NewOrder {
    let result = (response_type != ResponseType::Ack).then(|| wire::NewOrderResult {
        price: wire::dec(o.price),
        orig_qty: wire::dec(o.orig_qty),
        executed_qty: wire::dec(o.executed_qty),
        orig_quote_order_qty: wire::dec(Decimal::ZERO),
        cummulative_quote_qty: wire::dec(o.cummulative_quote_qty),
        status: o.status.as_str(),
        time_in_force: o.time_in_force.as_str(),
        order_type: o.order_type.as_str(),
        side: o.side.as_str(),
        working_time: o.time,
        self_trade_prevention_mode: "EXPIRE_MAKER",
    });
    let commission_asset = match o.side {
        Side::Buy => spec.base.clone(),
        Side::Sell => spec.quote.clone(),
    };
    let fills = (response_type == ResponseType::Full).then(|| {
        fills
            .iter()
            .map(|f| wire::OrderFill {
                price: wire::dec(spec.price_of(f.ticks)),
                qty: wire::dec(f.qty),
                commission: wire::dec(Decimal::ZERO),
                commission_asset: commission_asset.clone(),
                trade_id: ledger.next_trade_id(),
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
