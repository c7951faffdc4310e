//! The mock account: balances (free and locked per asset) and the orders placed on it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::book::Side;
use super::symbol::SymbolSpec;

/// Free and locked amounts of one asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Holding {
    pub(crate) free: Decimal,
    pub(crate) locked: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderType {
    Limit,
    LimitMaker,
    Market,
}

impl OrderType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "LIMIT",
            OrderType::LimitMaker => "LIMIT_MAKER",
            OrderType::Market => "MARKET",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeInForce {
    Gtc,
    Ioc,
    Fok,
}

impl TimeInForce {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "GTC",
            TimeInForce::Ioc => "IOC",
            TimeInForce::Fok => "FOK",
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

/// An order as the mock keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) symbol: String,
    pub(crate) order_id: u64,
    pub(crate) client_order_id: String,
    pub(crate) side: Side,
    pub(crate) order_type: OrderType,
    /// Zero for market orders, as Binance reports them.
    pub(crate) price: Decimal,
    pub(crate) time_in_force: TimeInForce,
    pub(crate) orig_qty: Decimal,
    /// The quote amount a MARKET order by `quoteOrderQty` asked for (zero otherwise).
    pub(crate) orig_quote_order_qty: Decimal,
    pub(crate) executed_qty: Decimal,
    pub(crate) cummulative_quote_qty: Decimal,
    pub(crate) status: OrderStatus,
    /// Why an expired order expired (Binance's `expiryReason`).
    pub(crate) expiry_reason: Option<&'static str>,
    pub(crate) time: u64,
    pub(crate) update_time: u64,
    /// What the open remainder holds locked, in `locked_asset`.
    pub(crate) locked: Decimal,
    pub(crate) locked_asset: String,
}

/// Balances and orders of the one mock account.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) holdings: BTreeMap<String, Holding>,
    /// Every order ever placed, by order id.
    pub(crate) orders: BTreeMap<u64, Order>,
    /// No order below this id is open: the scans for open orders start here, so that they
    /// cost what is open, not the whole history (a long run places hundreds of thousands).
    /// Ids only grow and a closed order never reopens, so it only moves up.
    first_open: std::cell::Cell<u64>,
    /// The account's fills, oldest first (`GET /api/v3/myTrades`).
    pub(crate) trades: Vec<AccountTrade>,
    next_order_id: u64,
    pub(crate) update_time: u64,
}

/// One fill of one of the account's orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountTrade {
    pub(crate) symbol: String,
    /// The public trade id (the same as on `@trade` and `/trades`).
    pub(crate) id: u64,
    pub(crate) order_id: u64,
    pub(crate) price: Decimal,
    pub(crate) qty: Decimal,
    pub(crate) time: u64,
    pub(crate) is_buyer: bool,
    pub(crate) is_maker: bool,
    pub(crate) commission_asset: String,
}

impl Ledger {
    pub(crate) fn new(holdings: BTreeMap<String, Holding>) -> Self {
        Ledger {
            holdings,
            orders: BTreeMap::new(),
            first_open: std::cell::Cell::new(0),
            trades: Vec::new(),
            next_order_id: 1,
            update_time: 0,
        }
    }

    pub(crate) fn next_order_id(&mut self) -> u64 {
        let id = self.next_order_id;
        self.next_order_id += 1;
        id
    }

    pub(crate) fn free(&self, asset: &str) -> Decimal {
        self.holdings.get(asset).map_or(Decimal::ZERO, |h| h.free)
    }

    pub(crate) fn holding(&mut self, asset: &str) -> &mut Holding {
        self.holdings.entry(asset.to_owned()).or_default()
    }

    /// Finds an order of `symbol` by id or client order id. With both, as Binance does, the
    /// order found by id must also carry that client order id.
    pub(crate) fn find(
        &mut self,
        symbol: &str,
        order_id: Option<u64>,
        client_order_id: Option<&str>,
    ) -> Option<&mut Order> {
        let matches_client = |o: &Order| client_order_id.is_none_or(|c| o.client_order_id == c);
        match order_id {
            Some(id) => self
                .orders
                .get_mut(&id)
                .filter(|o| o.symbol == symbol && matches_client(o)),
            None => self
                .orders
                .values_mut()
                .rev()
                .find(|o| o.symbol == symbol && matches_client(o)),
        }
    }

    /// Every open order, oldest first.
    pub(crate) fn open_orders(&self) -> impl Iterator<Item = &Order> {
        let mut first = self.first_open.get();
        for (id, order) in self.orders.range(first..) {
            if order.status.is_open() {
                break;
            }
            first = id.saturating_add(1);
        }
        self.first_open.set(first);
        self.orders
            .range(first..)
            .map(|(_, order)| order)
            .filter(|o| o.status.is_open())
    }

    /// Whether an open order already uses this client order id.
    pub(crate) fn client_id_in_use(&self, client_order_id: &str) -> bool {
        self.open_orders()
            .any(|o| o.client_order_id == client_order_id)
    }

    /// The open limit orders of `symbol`, oldest first.
    pub(crate) fn resting<'a>(&'a self, symbol: &'a str) -> impl Iterator<Item = &'a Order> + 'a {
        self.open_orders().filter(move |o| o.symbol == symbol)
    }

    /// Records a fill of one of the account's orders.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_trade(
        &mut self,
        order: &Order,
        spec: &SymbolSpec,
        trade_id: u64,
        price: Decimal,
        qty: Decimal,
        time: u64,
        is_maker: bool,
    ) {
        let commission_asset = match order.side {
            Side::Buy => spec.base.clone(),
            Side::Sell => spec.quote.clone(),
        };
        self.trades.push(AccountTrade {
            symbol: order.symbol.clone(),
            id: trade_id,
            order_id: order.order_id,
            price,
            qty,
            time,
            is_buyer: order.side == Side::Buy,
            is_maker,
            commission_asset,
        });
    }

    /// A resting order traded `qty` at its own price `price`, as the maker: the funds it held
    /// locked pay for it and the proceeds become free.
    pub(crate) fn fill_resting(
        &mut self,
        order_id: u64,
        spec: &SymbolSpec,
        trade_id: u64,
        price: Decimal,
        qty: Decimal,
        time: u64,
    ) {
        let Some(order) = self.orders.get_mut(&order_id) else {
            return;
        };
        // The order passed the NOTIONAL filter, so these stay small; saturating all the same.
        let quote = price.saturating_mul(qty);
        order.executed_qty = order.executed_qty.saturating_add(qty);
        order.cummulative_quote_qty = order.cummulative_quote_qty.saturating_add(quote);
        order.update_time = time;
        order.status = if order.executed_qty >= order.orig_qty {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        let (paid, pay_asset, got, get_asset) = match order.side {
            Side::Buy => (quote, spec.quote.clone(), qty, spec.base.clone()),
            Side::Sell => (qty, spec.base.clone(), quote, spec.quote.clone()),
        };
        // What stays locked is exactly what the rest of the order still needs.
        let paid = paid.min(order.locked);
        order.locked = order.locked.saturating_sub(paid);
        if order.status == OrderStatus::Filled && !order.locked.is_zero() {
            let left = std::mem::take(&mut order.locked);
            let holding = self.holding(&pay_asset);
            holding.locked = holding.locked.saturating_sub(left);
            holding.free = holding.free.saturating_add(left);
        }
        let order = self.orders[&order_id].clone();
        let pay = self.holding(&pay_asset);
        pay.locked = pay.locked.saturating_sub(paid);
        let get = self.holding(&get_asset);
        get.free = get.free.saturating_add(got);
        self.update_time = time;
        self.record_trade(&order, spec, trade_id, price, qty, time, true);
    }
}
