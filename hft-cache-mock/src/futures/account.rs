//! The futures account: one USDT wallet (cross margin, one-way position mode), a position and
//! a leverage per symbol, and the orders.
//!
//! Accounting, with commissions zero:
//! - a fill that adds to a position moves its entry price to the volume-weighted average;
//! - a fill that reduces it realizes `closed × (fill − entry)` (negated for a short) into the
//!   wallet; one that goes through zero closes the old position and opens the rest at the fill
//!   price;
//! - unrealized PnL is `amount × (mark − entry)`; the break-even price equals the entry price
//!   (no fees to recover);
//! - initial margin is `|amount| × mark / leverage` for a position and `remaining × price /
//!   leverage` for an open order that is not reduce-only; maintenance margin is `|amount| ×
//!   mark × maintenance rate` (0.4 %, Binance's first BTCUSDT tier);
//! - available balance is `wallet + unrealized PnL − initial margins`, floored at zero.
//!
//! Liquidation price (a plausible cross-margin model, not Binance's exact one): the mark price
//! `P` at which the margin balance equals the maintenance margin, the other symbols' PnL and
//! maintenance held fixed. With `W'` the wallet plus the other symbols' unrealized PnL minus
//! their maintenance margin, amount `q` (signed), entry `e`, rate `r` and `s` the sign of `q`:
//! `W' + q(P − e) = |q| P r`, so `P = (q e − W') / (q (1 − s r))`; `0` when that is not
//! positive (the position cannot be liquidated) or there is no position.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::book::Side;

/// Binance's maintenance margin rate of BTCUSDT's first tier.
pub(crate) const MAINT_MARGIN_RATE: Decimal = Decimal::from_parts(4, 0, 0, false, 3);
/// Orders kept once closed; older closed orders are forgotten (bounded memory), as Binance
/// stops showing old canceled orders.
const MAX_CLOSED_ORDERS: usize = 10_000;

/// The notional brackets every symbol shares, as `GET /fapi/v1/leverageBracket` lists them:
/// (bracket, initial leverage, notional floor, notional cap), a simplified version of
/// BTCUSDT's (more leverage, less room). The maintenance rate is [`MAINT_MARGIN_RATE`] in every
/// bracket (the mock's flat model), so each bracket's `cum` is 0.
pub(crate) const BRACKETS: [(u32, u32, u64, u64); 6] = [
    (1, 125, 0, 50_000),
    (2, 100, 50_000, 600_000),
    (3, 50, 600_000, 3_000_000),
    (4, 20, 3_000_000, 12_000_000),
    (5, 10, 12_000_000, 70_000_000),
    (6, 5, 70_000_000, 100_000_000),
];

/// The largest position notional allowed at `leverage`: the cap of the last bracket whose
/// initial leverage still allows it.
pub(crate) fn max_notional(leverage: u32) -> Decimal {
    let cap = BRACKETS
        .iter()
        .rev()
        .find(|(_, initial, _, _)| *initial >= leverage)
        .map_or(BRACKETS[0].3, |b| b.3);
    Decimal::from(cap)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderType {
    Limit,
    Market,
}

impl OrderType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "LIMIT",
            OrderType::Market => "MARKET",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeInForce {
    Gtc,
    Ioc,
    Fok,
    Gtx,
}

impl TimeInForce {
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        match raw {
            "GTC" => Some(TimeInForce::Gtc),
            "IOC" => Some(TimeInForce::Ioc),
            "FOK" => Some(TimeInForce::Fok),
            "GTX" => Some(TimeInForce::Gtx),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "GTC",
            TimeInForce::Ioc => "IOC",
            TimeInForce::Fok => "FOK",
            TimeInForce::Gtx => "GTX",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Expired,
}

impl OrderStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "NEW",
            OrderStatus::PartiallyFilled => "PARTIALLY_FILLED",
            OrderStatus::Filled => "FILLED",
            OrderStatus::Canceled => "CANCELED",
            OrderStatus::Expired => "EXPIRED",
        }
    }

    pub(crate) fn is_open(self) -> bool {
        matches!(self, OrderStatus::New | OrderStatus::PartiallyFilled)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) order_id: u64,
    pub(crate) client_order_id: String,
    pub(crate) symbol: String,
    pub(crate) side: Side,
    pub(crate) order_type: OrderType,
    pub(crate) time_in_force: TimeInForce,
    /// Zero for a market order.
    pub(crate) price: Decimal,
    pub(crate) orig_qty: Decimal,
    pub(crate) executed_qty: Decimal,
    pub(crate) cum_quote: Decimal,
    pub(crate) reduce_only: bool,
    pub(crate) status: OrderStatus,
    pub(crate) time: u64,
    pub(crate) update_time: u64,
}

impl Order {
    pub(crate) fn remaining(&self) -> Decimal {
        self.orig_qty - self.executed_qty
    }

    pub(crate) fn avg_price(&self) -> Decimal {
        if self.executed_qty.is_zero() {
            Decimal::ZERO
        } else {
            self.cum_quote
                .checked_div(self.executed_qty)
                .unwrap_or_default()
                .round_dp(8)
        }
    }

    /// Records a fill of `qty` at `price`, and the status it leads to.
    pub(crate) fn fill(&mut self, qty: Decimal, price: Decimal, now: u64) {
        self.executed_qty = self.executed_qty.saturating_add(qty);
        self.cum_quote = self.cum_quote.saturating_add(qty.saturating_mul(price));
        self.status = if self.remaining() <= Decimal::ZERO {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        self.update_time = now;
    }
}

/// One symbol's position (one-way mode: `positionSide` `BOTH`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Position {
    /// Signed: positive long, negative short.
    pub(crate) amount: Decimal,
    pub(crate) entry: Decimal,
    pub(crate) update_time: u64,
}

impl Position {
    pub(crate) fn unrealized(&self, mark: Decimal) -> Decimal {
        self.amount.saturating_mul(mark.saturating_sub(self.entry))
    }

    pub(crate) fn notional(&self, mark: Decimal) -> Decimal {
        self.amount.saturating_mul(mark)
    }

    pub(crate) fn maint_margin(&self, mark: Decimal) -> Decimal {
        self.notional(mark).abs().saturating_mul(MAINT_MARGIN_RATE)
    }
}

/// The account: wallet, positions, leverages, orders.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) wallet: Decimal,
    pub(crate) positions: BTreeMap<String, Position>,
    pub(crate) leverage: BTreeMap<String, u32>,
    pub(crate) orders: BTreeMap<u64, Order>,
    next_order_id: u64,
    pub(crate) update_time: u64,
}

impl Account {
    pub(crate) fn new(wallet: Decimal, leverage: BTreeMap<String, u32>) -> Self {
        Account {
            wallet,
            positions: BTreeMap::new(),
            leverage,
            orders: BTreeMap::new(),
            next_order_id: 4_000_000_000,
            // A funded wallet was last updated when it was funded (now); USD-M shows an asset
            // never touched with `updateTime` 0, which clients skip as uninitialized.
            update_time: if wallet.is_zero() {
                0
            } else {
                crate::wire::now_ms()
            },
        }
    }

    pub(crate) fn next_order_id(&mut self) -> u64 {
        self.next_order_id += 1;
        self.next_order_id
    }

    pub(crate) fn position(&self, symbol: &str) -> Position {
        self.positions.get(symbol).copied().unwrap_or_default()
    }

    pub(crate) fn leverage_of(&self, symbol: &str) -> u32 {
        self.leverage.get(symbol).copied().unwrap_or(20).max(1)
    }

    /// Applies a fill of `qty` on `side` at `price` to `symbol`'s position; the realized PnL,
    /// which goes into the wallet.
    pub(crate) fn apply_fill(
        &mut self,
        symbol: &str,
        side: Side,
        qty: Decimal,
        price: Decimal,
        now: u64,
    ) -> Decimal {
        let signed = match side {
            Side::Buy => qty,
            Side::Sell => -qty,
        };
        let pos = self.positions.entry(symbol.to_owned()).or_default();
        let mut realized = Decimal::ZERO;
        let same_way =
            pos.amount.is_zero() || pos.amount.is_sign_positive() == (signed > Decimal::ZERO);
        if same_way {
            let total = pos.amount.saturating_add(signed);
            let cost = pos
                .amount
                .abs()
                .saturating_mul(pos.entry)
                .saturating_add(qty.saturating_mul(price));
            pos.entry = cost.checked_div(total.abs()).unwrap_or(price).round_dp(8);
            pos.amount = total;
        } else {
            let closed = qty.min(pos.amount.abs());
            let direction = if pos.amount > Decimal::ZERO {
                Decimal::ONE
            } else {
                Decimal::NEGATIVE_ONE
            };
            realized = closed
                .saturating_mul(price.saturating_sub(pos.entry))
                .saturating_mul(direction);
            pos.amount = pos.amount.saturating_add(signed);
            if pos.amount.is_zero() {
                pos.entry = Decimal::ZERO;
            } else if (pos.amount > Decimal::ZERO) != (direction > Decimal::ZERO) {
                // Went through zero: the rest is a new position opened at this price.
                pos.entry = price;
            }
        }
        pos.update_time = now;
        self.wallet = self.wallet.saturating_add(realized);
        self.update_time = now;
        realized
    }

    /// The open orders of `symbol` (every symbol with `None`), by id.
    pub(crate) fn open_orders<'a>(
        &'a self,
        symbol: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Order> + 'a {
        self.orders
            .values()
            .filter(move |o| o.status.is_open() && symbol.is_none_or(|s| s == o.symbol))
    }

    /// Cancels every open order of `symbol`; how many.
    pub(crate) fn cancel_all(&mut self, symbol: &str, now: u64) -> usize {
        let mut n = 0;
        for o in self.orders.values_mut() {
            if o.symbol == symbol && o.status.is_open() {
                o.status = OrderStatus::Canceled;
                o.update_time = now;
                n += 1;
            }
        }
        self.prune();
        n
    }

    /// Stores an order, forgetting the oldest closed ones past the cap.
    pub(crate) fn insert(&mut self, order: Order) {
        self.orders.insert(order.order_id, order);
        self.prune();
    }

    fn prune(&mut self) {
        let closed = self.orders.values().filter(|o| !o.status.is_open()).count();
        if closed <= MAX_CLOSED_ORDERS {
            return;
        }
        let excess = closed - MAX_CLOSED_ORDERS;
        let old: Vec<u64> = self
            .orders
            .values()
            .filter(|o| !o.status.is_open())
            .take(excess)
            .map(|o| o.order_id)
            .collect();
        for id in old {
            self.orders.remove(&id);
        }
    }

    /// Initial margin held by `symbol`'s open orders that are not reduce-only.
    pub(crate) fn open_order_margin(&self, symbol: &str) -> Decimal {
        let leverage = Decimal::from(self.leverage_of(symbol));
        self.open_orders(Some(symbol))
            .filter(|o| !o.reduce_only)
            .map(|o| o.remaining().saturating_mul(o.price) / leverage)
            .fold(Decimal::ZERO, Decimal::saturating_add)
    }
}

/// The figures of one symbol at a mark price.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Risk {
    pub(crate) position: Position,
    pub(crate) mark: Decimal,
    pub(crate) leverage: u32,
    pub(crate) unrealized: Decimal,
    pub(crate) notional: Decimal,
    pub(crate) initial_margin: Decimal,
    pub(crate) maint_margin: Decimal,
    pub(crate) open_order_margin: Decimal,
    pub(crate) liquidation_price: Decimal,
}

/// The account's figures per symbol, given each symbol's mark price, and the totals.
#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub(crate) per_symbol: BTreeMap<String, Risk>,
    pub(crate) unrealized: Decimal,
    pub(crate) initial_margin: Decimal,
    pub(crate) position_initial_margin: Decimal,
    pub(crate) open_order_margin: Decimal,
    pub(crate) maint_margin: Decimal,
    pub(crate) available: Decimal,
}

impl Account {
    /// Every symbol's risk figures at `marks` (symbol → mark price).
    pub(crate) fn assess(&self, marks: &BTreeMap<String, Decimal>) -> Assessment {
        let mut per_symbol = BTreeMap::new();
        for (symbol, mark) in marks {
            let position = self.position(symbol);
            let leverage = self.leverage_of(symbol);
            let notional = position.notional(*mark);
            per_symbol.insert(
                symbol.clone(),
                Risk {
                    position,
                    mark: *mark,
                    leverage,
                    unrealized: position.unrealized(*mark),
                    notional,
                    initial_margin: notional.abs() / Decimal::from(leverage),
                    maint_margin: position.maint_margin(*mark),
                    open_order_margin: self.open_order_margin(symbol),
                    liquidation_price: Decimal::ZERO,
                },
            );
        }
        let sum = |f: fn(&Risk) -> Decimal| {
            per_symbol
                .values()
                .map(f)
                .fold(Decimal::ZERO, Decimal::saturating_add)
        };
        let unrealized = sum(|r| r.unrealized);
        let position_im = sum(|r| r.initial_margin);
        let order_im = sum(|r| r.open_order_margin);
        let maint = sum(|r| r.maint_margin);
        // Liquidation prices: the other symbols' figures held fixed.
        let symbols: Vec<String> = per_symbol.keys().cloned().collect();
        for symbol in symbols {
            let Some(r) = per_symbol.get(&symbol).copied() else {
                continue;
            };
            let q = r.position.amount;
            if q.is_zero() {
                continue;
            }
            let others = self
                .wallet
                .saturating_add(unrealized - r.unrealized)
                .saturating_sub(maint - r.maint_margin);
            let s = if q > Decimal::ZERO {
                Decimal::ONE
            } else {
                Decimal::NEGATIVE_ONE
            };
            let denominator = q.saturating_mul(Decimal::ONE - s * MAINT_MARGIN_RATE);
            let price = q
                .saturating_mul(r.position.entry)
                .saturating_sub(others)
                .checked_div(denominator)
                .unwrap_or_default();
            if let Some(entry) = per_symbol.get_mut(&symbol) {
                entry.liquidation_price = if price > Decimal::ZERO {
                    price.round_dp(8)
                } else {
                    Decimal::ZERO
                };
            }
        }
        let available = self
            .wallet
            .saturating_add(unrealized)
            .saturating_sub(position_im)
            .saturating_sub(order_im)
            .max(Decimal::ZERO);
        Assessment {
            per_symbol,
            unrealized,
            initial_margin: position_im.saturating_add(order_im),
            position_initial_margin: position_im,
            open_order_margin: order_im,
            maint_margin: maint,
            available,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn entry_is_volume_weighted_and_reductions_realize() {
        let mut a = Account::new(dec!(1000), BTreeMap::new());
        a.apply_fill("X", Side::Buy, dec!(1), dec!(100), 1);
        a.apply_fill("X", Side::Buy, dec!(1), dec!(110), 2);
        assert_eq!(a.position("X").entry, dec!(105));
        let realized = a.apply_fill("X", Side::Sell, dec!(1), dec!(115), 3);
        assert_eq!(realized, dec!(10));
        assert_eq!(a.wallet, dec!(1010));
        assert_eq!(a.position("X").amount, dec!(1));
        // Through zero: closes 1 at a loss of 5, opens a short of 1 at 100.
        let realized = a.apply_fill("X", Side::Sell, dec!(2), dec!(100), 4);
        assert_eq!(realized, dec!(-5));
        assert_eq!(a.position("X").amount, dec!(-1));
        assert_eq!(a.position("X").entry, dec!(100));
        let realized = a.apply_fill("X", Side::Buy, dec!(1), dec!(90), 5);
        assert_eq!(realized, dec!(10));
        assert!(a.position("X").amount.is_zero());
        assert!(a.position("X").entry.is_zero());
    }

    #[test]
    fn liquidation_price_follows_the_formula() {
        let mut a = Account::new(dec!(1000), BTreeMap::new());
        a.apply_fill("X", Side::Buy, dec!(1), dec!(10000), 1);
        let marks = BTreeMap::from([("X".to_owned(), dec!(10000))]);
        let r = a.assess(&marks).per_symbol["X"];
        // (1 × 10000 − 1000) / (1 × 0.996)
        assert_eq!(r.liquidation_price, (dec!(9000) / dec!(0.996)).round_dp(8));
        a.apply_fill("X", Side::Sell, dec!(2), dec!(10000), 2);
        let r = a.assess(&marks).per_symbol["X"];
        // (−10000 − 1000) / (−1 × 1.004)
        assert_eq!(r.liquidation_price, (dec!(11000) / dec!(1.004)).round_dp(8));
    }
}
