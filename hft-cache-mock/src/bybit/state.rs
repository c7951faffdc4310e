//! What the Bybit mock holds: books, balances, open orders, credentials and faults.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use rust_decimal::Decimal;
use tokio::sync::{broadcast, watch};

use super::book::{Book, Instrument};
use super::faults::BybitFaults;

pub(crate) type BybitState = Arc<Shared>;

pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) secret: String,
    pub(crate) exchange: Mutex<Exchange>,
    /// Every delta frame, pre-serialized, with its symbol and update id.
    pub(crate) deltas: broadcast::Sender<(String, u64, Arc<str>)>,
    pub(crate) faults: BybitFaults,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Exchange> {
        // A panicking handler must not take the mock down for every later test request.
        self.exchange.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Holding {
    pub(crate) free: Decimal,
    pub(crate) locked: Decimal,
}

#[derive(Debug, Clone)]
pub(crate) struct OpenOrder {
    pub(crate) order_id: String,
    pub(crate) order_link_id: String,
    pub(crate) symbol: String,
    pub(crate) buy: bool,
    pub(crate) price: Decimal,
    pub(crate) qty: Decimal,
    pub(crate) time_in_force: String,
    pub(crate) created_ms: i64,
}

impl OpenOrder {
    /// The coin and amount held locked for it while it rests: a bid's quote value, an ask's
    /// quantity.
    pub(crate) fn locked<'i>(&self, instrument: &'i Instrument) -> (&'i str, Decimal) {
        if self.buy {
            (&instrument.quote, self.qty.saturating_mul(self.price))
        } else {
            (&instrument.base, self.qty)
        }
    }
}

/// Bybit keeps this many closed orders a category for `GET /v5/order/realtime?openOnly=1`;
/// the mock keeps no more for `GET /v5/order/history` either (bounded memory).
pub(crate) const MAX_CLOSED_ORDERS: usize = 500;

/// Why an order is no longer open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClosedStatus {
    Filled,
    Cancelled,
}

impl ClosedStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ClosedStatus::Filled => "Filled",
            ClosedStatus::Cancelled => "Cancelled",
        }
    }
}

/// An order that is no longer open: filled at once, or cancelled (by the client, or because
/// an `IOC`/`FOK` could not fill or a `PostOnly` would have taken).
#[derive(Debug, Clone)]
pub(crate) struct ClosedOrder {
    /// The order as placed; for a market order `price` is 0 and `qty` is in the coin
    /// `market_unit` names.
    pub(crate) order: OpenOrder,
    pub(crate) market_unit: Option<&'static str>,
    pub(crate) status: ClosedStatus,
    /// Base coin filled, and its value in the quote coin.
    pub(crate) exec_qty: Decimal,
    pub(crate) exec_value: Decimal,
    pub(crate) updated_ms: i64,
    /// Bybit's `cancelType` (`CancelByUser`, or `UNKNOWN` when the venue cancelled it).
    pub(crate) cancel_type: &'static str,
    /// Bybit's `rejectReason` (`EC_NoError`, `EC_PostOnlyWillTakeLiquidity`, ..).
    pub(crate) reject_reason: &'static str,
}

pub(crate) struct Exchange {
    pub(crate) books: BTreeMap<String, Book>,
    pub(crate) balances: BTreeMap<String, Holding>,
    pub(crate) open_orders: Vec<OpenOrder>,
    /// The most recent closed orders, oldest first, at most [`MAX_CLOSED_ORDERS`].
    pub(crate) closed_orders: VecDeque<ClosedOrder>,
    pub(crate) next_order_id: u64,
}

impl Exchange {
    /// Records an order that just closed, forgetting the oldest past [`MAX_CLOSED_ORDERS`].
    pub(crate) fn close(&mut self, closed: ClosedOrder) {
        if self.closed_orders.len() == MAX_CLOSED_ORDERS {
            self.closed_orders.pop_front();
        }
        self.closed_orders.push_back(closed);
    }

    /// Records `order` as cancelled by the client, nothing filled.
    pub(crate) fn cancelled(&mut self, order: OpenOrder, now_ms: i64) {
        self.close(ClosedOrder {
            order,
            market_unit: None,
            status: ClosedStatus::Cancelled,
            exec_qty: Decimal::ZERO,
            exec_value: Decimal::ZERO,
            updated_ms: now_ms,
            cancel_type: "CancelByUser",
            reject_reason: "EC_NoError",
        });
    }
}
