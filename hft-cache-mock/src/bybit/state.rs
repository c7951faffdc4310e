//! What the Bybit mock holds: books, balances, open orders, credentials and faults.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use rust_decimal::Decimal;
use tokio::sync::{broadcast, watch};

use super::book::Book;
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

pub(crate) struct Exchange {
    pub(crate) books: BTreeMap<String, Book>,
    pub(crate) balances: BTreeMap<String, Holding>,
    pub(crate) open_orders: Vec<OpenOrder>,
    pub(crate) next_order_id: u64,
}
