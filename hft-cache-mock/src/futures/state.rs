//! What every handler of one futures mock shares: credentials, the venue (markets, account,
//! countdowns) under one lock, the faults and the stream bus.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use super::account::Account;
use super::faults::FuturesFaults;
use super::market::{FuturesMarket, StreamEvent};
use crate::api_error::ApiError;
use crate::auth::Credentials;

pub(crate) type FuturesState = Arc<Shared>;

pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) secret: SecretString,
    pub(crate) venue: Mutex<Venue>,
    pub(crate) faults: FuturesFaults,
    pub(crate) bus: broadcast::Sender<StreamEvent>,
    pub(crate) ping_interval: Duration,
    /// When the symbols were listed (`onboardDate`).
    pub(crate) listed_at: u64,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// An armed `countdownCancelAll` timer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Countdown {
    pub(crate) deadline: Instant,
}

pub(crate) struct Venue {
    /// Markets by upper-case symbol.
    pub(crate) markets: BTreeMap<String, FuturesMarket>,
    pub(crate) account: Account,
    /// Armed countdowns by symbol.
    pub(crate) countdowns: BTreeMap<String, Countdown>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Venue> {
        // A panicking handler must not take the mock down for every later request.
        self.venue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn credentials(&self) -> Credentials<'_> {
        Credentials {
            api_key: &self.api_key,
            secret: &self.secret,
        }
    }
}

impl Venue {
    /// The listed symbol `symbol` names (any case), or -1121.
    pub(crate) fn symbol(&self, symbol: &str) -> Result<String, ApiError> {
        let upper = symbol.to_ascii_uppercase();
        if self.markets.contains_key(&upper) {
            Ok(upper)
        } else {
            Err(ApiError::invalid_symbol())
        }
    }

    /// Every symbol's mark price.
    pub(crate) fn marks(&self) -> BTreeMap<String, Decimal> {
        self.markets
            .iter()
            .map(|(s, m)| (s.clone(), m.mark_price()))
            .collect()
    }
}
