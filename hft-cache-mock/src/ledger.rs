//! The mock account: balances (free and locked per asset) and the orders placed on it.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::book::Side;

/// Free and locked amounts of one asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Holding {
    pub(crate) free: Decimal,
    pub(crate) locked: Decimal,
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
    pub(crate) executed_qty: Decimal,
    pub(crate) cummulative_quote_qty: Decimal,
    pub(crate) status: OrderStatus,
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
    next_order_id: u64,
    next_trade_id: u64,
    pub(crate) update_time: u64,
}

impl Ledger {
    pub(crate) fn new(holdings: BTreeMap<String, Holding>) -> Self {
        Ledger {
            holdings,
            orders: BTreeMap::new(),
            next_order_id: 1,
            next_trade_id: 1,
            update_time: 0,
        }
    }

    pub(crate) fn next_order_id(&mut self) -> u64 {
        let id = self.next_order_id;
        self.next_order_id += 1;
        id
    }

    pub(crate) fn next_trade_id(&mut self) -> u64 {
        let id = self.next_trade_id;
        self.next_trade_id += 1;
        id
    }

    pub(crate) fn free(&self, asset: &str) -> Decimal {
        self.holdings.get(asset).map_or(Decimal::ZERO, |h| h.free)
    }

    pub(crate) fn holding(&mut self, asset: &str) -> &mut Holding {
        self.holdings.entry(asset.to_owned()).or_default()
    }

    /// Finds an order of `symbol` by id or client order id.
    pub(crate) fn find(
        &mut self,
        symbol: &str,
        order_id: Option<u64>,
        client_order_id: Option<&str>,
    ) -> Option<&mut Order> {
        match order_id {
            Some(id) => self.orders.get_mut(&id).filter(|o| o.symbol == symbol),
            None => self.orders.values_mut().rev().find(|o| {
                o.symbol == symbol && Some(o.client_order_id.as_str()) == client_order_id
            }),
        }
    }
}
