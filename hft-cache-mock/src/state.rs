//! What every handler of one mock exchange shares.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::{broadcast, watch};

use super::api_error::ApiError;
use super::faults::Faults;
use super::ledger::Ledger;
use super::limits::Limits;
use super::market::{Market, StreamEvent};

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) secret: SecretString,
    /// Markets by upper-case symbol.
    pub(crate) markets: BTreeMap<String, Arc<Market>>,
    /// Balances and orders. Lock order: a market first, then the ledger.
    pub(crate) ledger: Mutex<Ledger>,
    pub(crate) faults: Faults,
    /// Every market event, for every WebSocket to pick its streams from.
    pub(crate) bus: broadcast::Sender<StreamEvent>,
    pub(crate) limits: Limits,
    pub(crate) ping_interval: Duration,
    pub(crate) connection_lifetime: Duration,
    /// Turns `true` when the exchange shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn market(&self, symbol: &str) -> Result<&Arc<Market>, ApiError> {
        self.markets
            .get(&symbol.to_ascii_uppercase())
            .ok_or_else(ApiError::invalid_symbol)
    }

    pub(crate) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
