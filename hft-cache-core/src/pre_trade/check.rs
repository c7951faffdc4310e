//! The order the pre-trade check looks at ([`OrderTicket`]), the checks themselves, and the
//! refusal counts.

use std::time::Duration;

use rust_decimal::Decimal;

use super::controls::Limits;
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

/// Basis points in one.
const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// The price collar against the decision's book; returns the price the order is valued at.
pub(super) fn price_against_book(
    order: &OrderTicket<'_>,
    book: Option<&BookQuote>,
    limits: &Limits,
) -> Result<Option<Decimal>, Refusal> {
    let book = book.filter(|b| b.symbol() == order.symbol);
    let no_book = || Refusal::NoBook {
        symbol: order.symbol.to_owned(),
    };
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
        return taken.map(Some).ok_or_else(no_book);
    };
    if limits.collar_through_bps.is_none() && limits.collar_mid_bps.is_none() {
        return Ok(Some(price));
    }
    let (Some(bid), Some(ask)) = (bid, ask) else {
        return Err(no_book());
    };
    if let Some(limit_bps) = limits.collar_through_bps {
        let (through, reference, name) = match order.side {
            OrderSide::Buy => (price.checked_sub(ask), ask, "best ask"),
            OrderSide::Sell => (bid.checked_sub(price), bid, "best bid"),
        };
        let through = through.unwrap_or(Decimal::MAX);
        if through > Decimal::ZERO && past(through, reference, limit_bps) {
            return Err(collar(price, name, reference, through, limit_bps));
        }
    }
    if let Some(limit_bps) = limits.collar_mid_bps {
        // |price − mid| / mid against the collar, as |2·price − (bid + ask)| / (bid + ask):
        // the same ratio without a division.
        let sum = bid.checked_add(ask).ok_or_else(no_book)?;
        let off = price
            .checked_mul(Decimal::TWO)
            .and_then(|twice| twice.checked_sub(sum))
            .map_or(Decimal::MAX, |d| d.abs());
        if past(off, sum, limit_bps) {
            let mid = sum / Decimal::TWO;
            let off = price.checked_sub(mid).map_or(Decimal::MAX, |d| d.abs());
            return Err(collar(price, "mid", mid, off, limit_bps));
        }
    }
    Ok(Some(price))
}

/// Whether `diff / reference` is more than `limit_bps` basis points, without dividing (an
/// overflow counts as past).
#[inline]
fn past(diff: Decimal, reference: Decimal, limit_bps: Decimal) -> bool {
    match (diff.checked_mul(BPS), limit_bps.checked_mul(reference)) {
        (Some(lhs), Some(rhs)) => lhs > rhs,
        _ => true,
    }
}

#[cold]
fn collar(
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

/// The venue's rules: price, lot, notional, open orders.
pub(super) fn venue_rules(
    rules: &TradingRules,
    order: &OrderTicket<'_>,
    value_price: Option<Decimal>,
    open_orders: Option<u32>,
) -> Result<(), Refusal> {
    if let (Some(rule), Some(price)) = (rules.price, order.price) {
        let filter = |what, limit| Refusal::PriceFilter { price, what, limit };
        if rule.min > Decimal::ZERO && price < rule.min {
            return Err(filter("minimum price", rule.min));
        }
        if rule.max > Decimal::ZERO && price > rule.max {
            return Err(filter("maximum price", rule.max));
        }
        if rule.tick > Decimal::ZERO && !on_grid(price, rule.min, rule.tick) {
            return Err(filter("tick size", rule.tick));
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
        let notional = value_price.and_then(|p| p.checked_mul(order.quantity));
        let check_min = rule.min > Decimal::ZERO && (!market || rule.min_applies_to_market);
        let check_max = rule.max > Decimal::ZERO && (!market || rule.max_applies_to_market);
        if check_min || check_max {
            let notional = notional.ok_or_else(|| Refusal::NoBook {
                symbol: order.symbol.to_owned(),
            })?;
            if check_min && notional < rule.min {
                return Err(Refusal::Notional {
                    notional,
                    what: "minimum notional",
                    limit: rule.min,
                });
            }
            if check_max && notional > rule.max {
                return Err(Refusal::Notional {
                    notional,
                    what: "maximum notional",
                    limit: rule.max,
                });
            }
        }
    }
    if let Some(max) = rules.max_open_orders {
        match open_orders {
            Some(open) if open < max => {}
            open => {
                return Err(Refusal::MaxOpenOrders {
                    symbol: order.symbol.to_owned(),
                    open,
                    max,
                })
            }
        }
    }
    Ok(())
}

fn lot(rule: LotRule, qty: Decimal) -> Result<(), Refusal> {
    let filter = |what, limit| Refusal::LotSize { qty, what, limit };
    if qty <= Decimal::ZERO {
        return Err(filter("minimum quantity", rule.min.max(Decimal::ZERO)));
    }
    if rule.min > Decimal::ZERO && qty < rule.min {
        return Err(filter("minimum quantity", rule.min));
    }
    if rule.max > Decimal::ZERO && qty > rule.max {
        return Err(filter("maximum quantity", rule.max));
    }
    if rule.step > Decimal::ZERO && !on_grid(qty, rule.min, rule.step) {
        return Err(filter("step size", rule.step));
    }
    Ok(())
}

/// Whether `value` is `origin` plus a whole number of `step`s (Binance's rule for ticks and
/// lots).
#[inline]
fn on_grid(value: Decimal, origin: Decimal, step: Decimal) -> bool {
    value
        .checked_sub(origin)
        .and_then(|above| above.checked_rem(step))
        .is_some_and(|r| r.is_zero())
}

/// The order's own limits: quantity and notional.
pub(super) fn order_limits(
    limits: &Limits,
    order: &OrderTicket<'_>,
    notional: Option<Decimal>,
) -> Result<(), Refusal> {
    if let Some(limit) = limits.max_qty {
        if order.quantity > limit {
            return Err(Refusal::OrderLimit {
                what: "quantity",
                value: order.quantity,
                limit,
            });
        }
    }
    if let Some(limit) = limits.max_notional {
        let notional = notional.ok_or_else(|| Refusal::NoBook {
            symbol: order.symbol.to_owned(),
        })?;
        if notional > limit {
            return Err(Refusal::OrderLimit {
                what: "notional",
                value: notional,
                limit,
            });
        }
    }
    Ok(())
}

/// How long ago `then` was, for a refusal's message.
pub(super) fn ago(now: crate::clock::Timestamp, then: crate::clock::Timestamp) -> Duration {
    now.saturating_since(then)
}

crate::class::declare_class!(Plain for OrderSide);
crate::class::declare_class!(Plain for OrderKind);
crate::class::declare_class!(['a] Plain for OrderTicket<'a>);
