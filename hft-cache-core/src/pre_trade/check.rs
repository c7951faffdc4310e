//! The order the pre-trade check looks at ([`OrderTicket`]), the checks themselves, and the
//! refusal counts.

use std::time::Duration;

use rust_decimal::Decimal;

use super::controls::Limits;
use super::dec::{self, Broken, BPS};
use super::rules::{LotRule, TradingRules};
use super::{BookQuote, Refusal};
use crate::order::OrderRequest;

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderSide {
    /// Buy.
    Buy,
    /// Sell.
    Sell,
}

/// What kind of price an order carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderKind {
    /// A limit order (Binance `LIMIT`, `LIMIT_MAKER`, stop-limits; Bybit `Limit`; OKX `limit`,
    /// `post_only`, `fok`, `ioc`).
    Limit,
    /// A market order, valued at the decision's best opposite price.
    Market,
}

/// One order as the pre-trade check sees it: symbol, side, kind, limit price and quantity.
/// A signed client builds it from the placement's parameters under the venue's field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTicket<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// The side.
    pub side: OrderSide,
    /// The kind.
    pub kind: OrderKind,
    /// The limit price (`None` for a market order).
    pub price: Option<Decimal>,
    /// The quantity, in the base asset.
    pub quantity: Decimal,
}

impl<'a> OrderTicket<'a> {
    /// A limit order.
    pub fn limit(symbol: &'a str, side: OrderSide, price: Decimal, quantity: Decimal) -> Self {
        OrderTicket {
            symbol,
            side,
            kind: OrderKind::Limit,
            price: Some(price),
            quantity,
        }
    }

    /// A market order.
    pub fn market(symbol: &'a str, side: OrderSide, quantity: Decimal) -> Self {
        OrderTicket {
            symbol,
            side,
            kind: OrderKind::Market,
            price: None,
            quantity,
        }
    }

    /// The order a placement's parameters describe, as the journal read them.
    pub(crate) fn from_request(order: &'a OrderRequest) -> Result<Self, Refusal> {
        let unreadable = |reason: &str| Refusal::Unreadable {
            reason: reason.to_owned(),
        };
        let symbol = order
            .symbol
            .as_deref()
            .ok_or_else(|| unreadable("the order has no symbol"))?;
        // Compared without changing case in a new string: the check allocates nothing.
        let side = match order.side.as_deref() {
            Some(side) if side.eq_ignore_ascii_case("buy") => OrderSide::Buy,
            Some(side) if side.eq_ignore_ascii_case("sell") => OrderSide::Sell,
            _ => return Err(unreadable("the order's side is neither buy nor sell")),
        };
        let quantity = order
            .quantity
            .ok_or_else(|| unreadable("the order has no quantity in the base asset"))?;
        let kind_name = order.order_type.as_deref().unwrap_or_default();
        let is_market = ["market", "stop_loss", "take_profit"]
            .iter()
            .any(|name| kind_name.eq_ignore_ascii_case(name));
        let kind = match (is_market, order.price) {
            (true, _) => OrderKind::Market,
            (false, Some(_)) => OrderKind::Limit,
            _ => return Err(unreadable("the order is neither a market order nor priced")),
        };
        let price = match kind {
            OrderKind::Limit => order.price,
            OrderKind::Market => None,
        };
        Ok(OrderTicket {
            symbol,
            side,
            kind,
            price,
            quantity,
        })
    }
}

/// The price collar against the decision's book; returns the price the order is valued at.
/// Without `collar` (an undecided order, which has no book) the limit price is not collared.
pub(super) fn price_against_book(
    order: &OrderTicket<'_>,
    book: Option<&BookQuote>,
    limits: &Limits,
    collar: bool,
) -> Result<Option<Decimal>, Refusal> {
    let book = book.filter(|b| b.symbol() == order.symbol);
    let (bid, ask) = match book {
        Some(book) => (book.bid().map(|l| l.price), book.ask().map(|l| l.price)),
        None => (None, None),
    };
    let Some(price) = order.price else {
        // A market order is valued at the price it would take.
        let taken = match order.side {
            OrderSide::Buy => ask,
            OrderSide::Sell => bid,
        };
        return taken.map(Some).ok_or_else(|| no_book(order));
    };
    let (through_bps, mid_bps) = match collar {
        true => (limits.collar_through_bps, limits.collar_mid_bps),
        false => (None, None),
    };
    if through_bps.is_none() && mid_bps.is_none() {
        return Ok(Some(price));
    }
    let (Some(bid), Some(ask)) = (bid, ask) else {
        return Err(no_book(order));
    };
    if let Some(limit_bps) = through_bps {
        // Most limit orders rest on their own side of the book: one comparison clears them.
        let through = match order.side {
            OrderSide::Buy if dec::gt(price, ask) => Some((dec::sub(price, ask), ask, "best ask")),
            OrderSide::Sell if dec::lt(price, bid) => Some((dec::sub(bid, price), bid, "best bid")),
            _ => None,
        };
        if let Some((through, reference, name)) = through {
            let through = through.unwrap_or(Decimal::MAX);
            if dec::past(through, reference, limit_bps) {
                return Err(collar_refusal(price, name, reference, through, limit_bps));
            }
        }
    }
    if let Some(limit_bps) = mid_bps {
        if dec::past_mid(price, bid, ask, limit_bps) {
            let sum = dec::add(bid, ask).ok_or_else(|| no_book(order))?;
            return Err(mid_refusal(price, sum, limit_bps));
        }
    }
    Ok(Some(price))
}

#[cold]
#[inline(never)]
pub(super) fn no_book(order: &OrderTicket<'_>) -> Refusal {
    Refusal::NoBook {
        symbol: order.symbol.to_owned(),
    }
}

#[cold]
#[inline(never)]
fn mid_refusal(price: Decimal, sum: Decimal, limit_bps: Decimal) -> Refusal {
    let mid = sum / Decimal::TWO;
    let off = price.checked_sub(mid).map_or(Decimal::MAX, |d| d.abs());
    collar_refusal(price, "mid", mid, off, limit_bps)
}

#[cold]
#[inline(never)]
fn collar_refusal(
    price: Decimal,
    reference_name: &'static str,
    reference: Decimal,
    diff: Decimal,
    limit_bps: Decimal,
) -> Refusal {
    let deviation_bps = diff
        .checked_mul(BPS)
        .and_then(|d| d.checked_div(reference))
        .map_or(Decimal::MAX, |d| {
            d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero)
        });
    Refusal::PriceCollar {
        price,
        reference_name,
        reference,
        deviation_bps,
        limit_bps,
    }
}

/// The venue's rules: price, lot, notional, open orders. `notional` is the order's price (a
/// market order's valued at the book) times its quantity.
pub(super) fn venue_rules(
    rules: &TradingRules,
    order: &OrderTicket<'_>,
    notional: Option<Decimal>,
    open_orders: Option<u32>,
) -> Result<(), Refusal> {
    if let (Some(rule), Some(price)) = (rules.price, order.price) {
        if let Some(broken) = dec::bounds(price, rule.min, rule.max, rule.tick) {
            let (what, limit) = match broken {
                Broken::Min => ("minimum price", rule.min),
                Broken::Max => ("maximum price", rule.max),
                Broken::Step => ("tick size", rule.tick),
            };
            return Err(Refusal::PriceFilter { price, what, limit });
        }
    }
    if let Some(rule) = rules.lot {
        lot(rule, order.quantity)?;
    }
    if let (OrderKind::Market, Some(rule)) = (order.kind, rules.market_lot) {
        lot(rule, order.quantity)?;
    }
    if let Some(rule) = rules.notional {
        let market = order.kind == OrderKind::Market;
        let applies = |bound: Decimal, to_market| match !market || to_market {
            true => bound,
            false => Decimal::ZERO,
        };
        let min = applies(rule.min, rule.min_applies_to_market);
        let max = applies(rule.max, rule.max_applies_to_market);
        if dec::positive(min) || dec::positive(max) {
            let notional = notional.ok_or_else(|| no_book(order))?;
            match dec::bounds(notional, min, max, Decimal::ZERO) {
                Some(Broken::Min) => {
                    return Err(notional_refusal(notional, "minimum notional", min))
                }
                Some(_) => return Err(notional_refusal(notional, "maximum notional", max)),
                None => {}
            }
        }
    }
    if let Some(max) = rules.max_open_orders {
        match open_orders {
            Some(open) if open < max => {}
            open => return Err(open_orders_refusal(order, open, max)),
        }
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn notional_refusal(notional: Decimal, what: &'static str, limit: Decimal) -> Refusal {
    Refusal::Notional {
        notional,
        what,
        limit,
    }
}

#[cold]
#[inline(never)]
fn open_orders_refusal(order: &OrderTicket<'_>, open: Option<u32>, max: u32) -> Refusal {
    Refusal::MaxOpenOrders {
        symbol: order.symbol.to_owned(),
        open,
        max,
    }
}

fn lot(rule: LotRule, qty: Decimal) -> Result<(), Refusal> {
    let (what, limit) = if !dec::positive(qty) {
        ("minimum quantity", rule.min.max(Decimal::ZERO))
    } else {
        match dec::bounds(qty, rule.min, rule.max, rule.step) {
            None => return Ok(()),
            Some(Broken::Min) => ("minimum quantity", rule.min),
            Some(Broken::Max) => ("maximum quantity", rule.max),
            Some(Broken::Step) => ("step size", rule.step),
        }
    };
    Err(Refusal::LotSize { qty, what, limit })
}

/// The order's own limits: quantity and notional.
pub(super) fn order_limits(
    limits: &Limits,
    order: &OrderTicket<'_>,
    notional: Option<Decimal>,
) -> Result<(), Refusal> {
    if let Some(limit) = limits.max_qty {
        if dec::gt(order.quantity, limit) {
            return Err(order_limit_refusal("quantity", order.quantity, limit));
        }
    }
    if let Some(limit) = limits.max_notional {
        let notional = notional.ok_or_else(|| no_book(order))?;
        if dec::gt(notional, limit) {
            return Err(order_limit_refusal("notional", notional, limit));
        }
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn order_limit_refusal(what: &'static str, value: Decimal, limit: Decimal) -> Refusal {
    Refusal::OrderLimit { what, value, limit }
}

/// How long ago `then` was, for a refusal's message.
pub(super) fn ago(now: crate::clock::Timestamp, then: crate::clock::Timestamp) -> Duration {
    now.saturating_since(then)
}

crate::class::declare_class!(Plain for OrderSide);
crate::class::declare_class!(Plain for OrderKind);
crate::class::declare_class!(['a] Plain for OrderTicket<'a>);
