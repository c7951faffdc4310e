//! The matching and risk checks of the futures mock: a new order is checked against the
//! symbol's filters, reduce-only rule and margin, takes liquidity out of the book (at the
//! book's prices) as far as it crosses, and rests (GTC) or expires (IOC, FOK, market) the
//! rest; resting orders fill at their own price when the book moves through them, as on the
//! spot mock. Every fill moves the position and the wallet ([`Account::apply_fill`]).

use axum::http::StatusCode;
use rust_decimal::Decimal;

use super::account::{max_notional, Order, OrderStatus, OrderType, TimeInForce};
use super::state::Venue;
use crate::api_error::ApiError;
use crate::book::Side;
use crate::faults::FaultState;
use crate::wire::now_ms;

/// Binance's `MAX_NUM_ORDERS` for USD-M symbols.
pub(crate) const MAX_NUM_ORDERS: usize = 200;
/// `PERCENT_PRICE`: a limit price within these multiples of the mark price.
pub(crate) const MULTIPLIER_UP: Decimal = Decimal::from_parts(105, 0, 0, false, 2);
pub(crate) const MULTIPLIER_DOWN: Decimal = Decimal::from_parts(95, 0, 0, false, 2);

/// A parsed `POST /fapi/v1/order`.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    pub(crate) symbol: String,
    pub(crate) side: Side,
    pub(crate) order_type: OrderType,
    pub(crate) time_in_force: TimeInForce,
    pub(crate) price: Decimal,
    pub(crate) quantity: Decimal,
    pub(crate) reduce_only: bool,
    pub(crate) client_order_id: Option<String>,
}

fn bad(code: i64, msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, msg)
}

/// Checks and executes `req`; the order as it stands after its taker part.
pub(crate) fn place(
    venue: &mut Venue,
    req: NewOrder,
    faults: &FaultState,
) -> Result<Order, ApiError> {
    let market = venue
        .markets
        .get(&req.symbol)
        .ok_or_else(ApiError::invalid_symbol)?;
    let spec = &market.spec;
    if spec.status != "TRADING" {
        return Err(bad(-4048, "Symbol is closed."));
    }
    // LOT_SIZE (MARKET_LOT_SIZE for market orders shares its step and bounds here).
    if req.quantity <= Decimal::ZERO {
        return Err(bad(-4003, "Quantity less than or equal to zero."));
    }
    if req.quantity < spec.min_qty {
        return Err(bad(-4004, "Quantity less than min quantity."));
    }
    if req.quantity > spec.max_qty {
        return Err(bad(-4005, "Quantity greater than max quantity."));
    }
    if !req
        .quantity
        .checked_rem(spec.step_size)
        .is_some_and(|r| r.is_zero())
    {
        return Err(bad(-4023, "Quantity not increased by step size."));
    }
    let mark = market.mark_price();
    if req.order_type == OrderType::Limit {
        // PRICE_FILTER and PERCENT_PRICE.
        if req.price < spec.min_price {
            return Err(bad(-4013, "Price less than min price."));
        }
        if req.price > spec.max_price {
            return Err(bad(-4014, "Price greater than max price."));
        }
        if spec.to_ticks(req.price).is_none() {
            return Err(bad(-4014, "Price not increased by tick size."));
        }
        let up = mark.saturating_mul(MULTIPLIER_UP);
        let down = mark.saturating_mul(MULTIPLIER_DOWN);
        if req.side == Side::Buy && req.price > up {
            return Err(bad(
                -4016,
                format!("Limit price can't be higher than {}.", up.round_dp(2)),
            ));
        }
        if req.side == Side::Sell && req.price < down {
            return Err(bad(
                -4024,
                format!("Limit price can't be lower than {}.", down.round_dp(2)),
            ));
        }
    }
    let estimate = match req.order_type {
        OrderType::Limit => req.price,
        OrderType::Market => market.touch(req.side),
    };
    let notional = req.quantity.saturating_mul(estimate);
    if !req.reduce_only && notional < spec.min_notional {
        return Err(bad(
            -4164,
            format!(
                "Order's notional must be no smaller than {} (unless you choose reduce only).",
                spec.min_notional.normalize()
            ),
        ));
    }

    let account = &venue.account;
    let position = account.position(&req.symbol).amount;
    if req.reduce_only {
        // Reduce-only: must be against the position and no larger than it.
        let against = !position.is_zero() && (position > Decimal::ZERO) == (req.side == Side::Sell);
        if !against || req.quantity > position.abs() {
            return Err(bad(-2022, "ReduceOnly Order is rejected."));
        }
    }
    if let Some(id) = &req.client_order_id {
        if account.open_orders(None).any(|o| &o.client_order_id == id) {
            return Err(bad(-4116, "ClientOrderId is duplicated."));
        }
    }
    if account.open_orders(Some(&req.symbol)).count() >= MAX_NUM_ORDERS {
        return Err(bad(-2025, "Reach max open order limit."));
    }
    if !req.reduce_only {
        let after = position.saturating_add(match req.side {
            Side::Buy => req.quantity,
            Side::Sell => -req.quantity,
        });
        let leverage = account.leverage_of(&req.symbol);
        if after.abs() > position.abs()
            && after.abs().saturating_mul(estimate) > max_notional(leverage)
        {
            return Err(bad(
                -2027,
                "Exceeded the maximum allowable position at current leverage.",
            ));
        }
        // Margin for the part that opens exposure: what goes beyond closing the position.
        let reducing = if (position > Decimal::ZERO) == (req.side == Side::Sell) {
            position.abs()
        } else {
            Decimal::ZERO
        };
        let opening = (req.quantity - reducing).max(Decimal::ZERO);
        let leverage = Decimal::from(account.leverage_of(&req.symbol));
        let needed = opening.saturating_mul(estimate) / leverage;
        let available = account.assess(&venue.marks()).available;
        if needed > available {
            return Err(bad(-2019, "Margin is insufficient."));
        }
    }

    let now = now_ms();
    let order_id = venue.account.next_order_id();
    let mut order = Order {
        order_id,
        client_order_id: req
            .client_order_id
            .clone()
            .unwrap_or_else(|| format!("mock-{order_id}")),
        symbol: req.symbol.clone(),
        side: req.side,
        order_type: req.order_type,
        time_in_force: req.time_in_force,
        price: match req.order_type {
            OrderType::Limit => req.price,
            OrderType::Market => Decimal::ZERO,
        },
        orig_qty: req.quantity,
        executed_qty: Decimal::ZERO,
        cum_quote: Decimal::ZERO,
        reduce_only: req.reduce_only,
        status: OrderStatus::New,
        time: now,
        update_time: now,
    };
    take(venue, &mut order, faults);
    let open = order.status.is_open();
    match (order.order_type, order.time_in_force) {
        (OrderType::Limit, TimeInForce::Gtc | TimeInForce::Gtx) if open => {}
        _ if open => {
            // IOC, FOK and market orders never rest.
            order.status = OrderStatus::Expired;
        }
        _ => {}
    }
    venue.account.insert(order.clone());
    Ok(order)
}

/// The taker part of `order`: what crosses the book now, filled at the book's prices.
fn take(venue: &mut Venue, order: &mut Order, faults: &FaultState) {
    let Some(market) = venue.markets.get_mut(&order.symbol) else {
        return;
    };
    let limit = match order.order_type {
        OrderType::Limit => market.spec.to_ticks(order.price),
        OrderType::Market => None,
    };
    let fills = market.book.quote_taker(order.side, order.orig_qty, limit);
    let fillable: Decimal = fills.iter().map(|f| f.qty).sum();
    let refuse = match order.time_in_force {
        // Fill or kill: all now or nothing.
        TimeInForce::Fok if order.order_type == OrderType::Limit => fillable < order.orig_qty,
        // Post only: it would take, so it expires untouched.
        TimeInForce::Gtx if order.order_type == OrderType::Limit => !fills.is_empty(),
        _ => false,
    };
    if refuse || fills.is_empty() {
        if refuse {
            order.status = OrderStatus::Expired;
        }
        return;
    }
    let changes = market.book.apply_fills(order.side, &fills);
    market.apply(changes, faults);
    market.flush_all(faults);
    let priced: Vec<(Decimal, Decimal)> = fills
        .iter()
        .map(|f| (f.qty, market.spec.price_of(f.ticks)))
        .collect();
    let now = now_ms();
    for (qty, price) in priced {
        order.fill(qty, price, now);
        venue
            .account
            .apply_fill(&order.symbol, order.side, qty, price, now);
    }
}

/// Fills the account's resting orders of `symbol` that the book has moved through, at their
/// own price, taking out of the book what they would have met there. A reduce-only order
/// fills at most the position it reduces and expires once there is nothing left to reduce.
pub(crate) fn match_resting(venue: &mut Venue, symbol: &str, faults: &FaultState) {
    let Some(market) = venue.markets.get(symbol) else {
        return;
    };
    let crossed: Vec<u64> = venue
        .account
        .open_orders(Some(symbol))
        .filter(|o| {
            let Some(ticks) = market.spec.to_ticks(o.price) else {
                return false;
            };
            match o.side {
                Side::Buy => market.book.best_ask().is_some_and(|a| a <= ticks),
                Side::Sell => market.book.best_bid().is_some_and(|b| b >= ticks),
            }
        })
        .map(|o| o.order_id)
        .collect();
    if crossed.is_empty() {
        return;
    }
    let now = now_ms();
    for id in crossed {
        let Some(order) = venue.account.orders.get(&id).cloned() else {
            continue;
        };
        let mut qty = order.remaining();
        if order.reduce_only {
            let position = venue.account.position(symbol).amount;
            let reduces =
                !position.is_zero() && (position > Decimal::ZERO) == (order.side == Side::Sell);
            qty = if reduces {
                qty.min(position.abs())
            } else {
                Decimal::ZERO
            };
        }
        if qty > Decimal::ZERO {
            if let Some(market) = venue.markets.get_mut(symbol) {
                if let Some(ticks) = market.spec.to_ticks(order.price) {
                    let fills = market.book.quote_taker(order.side, qty, Some(ticks));
                    let changes = market.book.apply_fills(order.side, &fills);
                    market.apply(changes, faults);
                }
            }
            venue
                .account
                .apply_fill(symbol, order.side, qty, order.price, now);
        }
        if let Some(stored) = venue.account.orders.get_mut(&id) {
            if qty > Decimal::ZERO {
                stored.fill(qty, order.price, now);
            }
            if stored.status.is_open() && stored.reduce_only && qty < order.remaining() {
                stored.status = OrderStatus::Expired;
                stored.update_time = now;
            }
        }
    }
    if let Some(market) = venue.markets.get_mut(symbol) {
        market.flush_all(faults);
    }
}

/// Moves `symbol`'s market to `ticks` at once (see the spot book's `move_to`), publishes it
/// and fills the resting orders it went through.
pub(crate) fn move_to(venue: &mut Venue, symbol: &str, ticks: i64, faults: &FaultState) {
    let Some(market) = venue.markets.get_mut(symbol) else {
        return;
    };
    let changes = market.book.move_to(ticks, &mut market.rng);
    market.apply(changes, faults);
    market.flush_all(faults);
    match_resting(venue, symbol, faults);
}

/// One step of every market's random walk, then the resting orders it crossed.
pub(crate) fn tick(venue: &mut Venue, faults: &FaultState) {
    let symbols: Vec<String> = venue.markets.keys().cloned().collect();
    for symbol in symbols {
        if let Some(market) = venue.markets.get_mut(&symbol) {
            market.evolve(faults);
        }
        match_resting(venue, &symbol, faults);
    }
}
