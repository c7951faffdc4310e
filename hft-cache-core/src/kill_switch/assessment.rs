//! The assessment of an emergency: which orders may have been decided on bad data (the suspect
//! window), and, fetched fresh from the exchange, what became of them and the exposure now.

mod exchange;
mod window;

use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::clock::Timestamp;
use crate::journal::JournalEntry;
use crate::report_format::duration_ms;

pub(crate) use exchange::assess;
pub(crate) use window::suspect_window;

/// The time in which orders may have been decided on bad data: from when the triggering
/// condition began, minus the affected data's max age (data that old was already as old as it
/// may be), to the halt. With the orders the journal recorded in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuspectWindow {
    /// Start, on the kill switch's clock.
    pub from: Timestamp,
    /// End (the halt), on the kill switch's clock.
    pub to: Timestamp,
    /// Start, in milliseconds since the Unix epoch.
    pub from_unix_ms: u64,
    /// End, in milliseconds since the Unix epoch.
    pub to_unix_ms: u64,
    /// How long before the halt the triggering condition began.
    #[serde(with = "duration_ms")]
    pub condition_for: Duration,
    /// The affected data's max age, added before the condition's start.
    #[serde(with = "duration_ms")]
    pub max_age: Duration,
    /// How the window was found, in words.
    pub basis: String,
    /// Every order the journal recorded in the window, oldest first.
    pub orders: Vec<JournalEntry>,
    /// Whether the journal had already dropped entries that may have been in the window (its
    /// capacity is too small for it).
    pub journal_truncated: bool,
}

/// Where the assessment stands. The halt never waits for it: the report is returned with
/// `Pending`, and the kept report is updated as the assessment proceeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AssessmentState {
    /// No exchange client was given to the kill switch: nothing is fetched.
    NotConfigured,
    /// Running, or waiting to retry because the exchange could not be reached.
    Pending {
        /// Attempts made so far.
        attempts: u32,
        /// Why the last attempt failed.
        last_error: Option<String>,
    },
    /// Done: the orders' status, open orders and balances as fetched.
    Done(Assessment),
    /// Every attempt failed: the exchange could not be reached.
    Failed {
        /// Attempts made.
        attempts: u32,
        /// Why the last attempt failed.
        last_error: String,
    },
}

impl AssessmentState {
    /// Whether the assessment will change no more.
    pub fn is_final(&self) -> bool {
        !matches!(self, AssessmentState::Pending { .. })
    }
}

/// What the exchange said, right after the halt, about the orders of the suspect window and the
/// account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// When the answers were fetched, in milliseconds since the Unix epoch: a record of that
    /// moment, not a state to trade on.
    pub fetched_at_unix_ms: u64,
    /// Attempts it took.
    pub attempts: u32,
    /// Every order of the window that may be on the exchange, with its status then.
    pub orders: Vec<AssessedOrder>,
    /// Exposure per symbol involved.
    pub symbols: Vec<SymbolExposure>,
    /// Balances of the assets involved.
    pub assets: Vec<AssetExposure>,
    /// Exchange clock minus ours, in milliseconds, if a clock check answered (of several
    /// venues, the one furthest off).
    pub clock_offset_ms: Option<i64>,
}

/// One order of the suspect window as the exchange reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessedOrder {
    /// The venue it was sent to (`binance`, `bybit`, ...).
    pub venue: String,
    /// The journal entry's number.
    pub seq: u64,
    /// The symbol.
    pub symbol: String,
    /// The client order id it was looked up by (or `None` if by order id).
    pub client_order_id: Option<String>,
    /// The exchange's order id, if it has the order.
    pub order_id: Option<u64>,
    /// The side, as the venue spells it (`BUY`, `Sell`, `buy`).
    pub side: Option<String>,
    /// Its status, as the venue spells it (Binance `NEW`, `PARTIALLY_FILLED`, `FILLED`,
    /// `CANCELED`; Bybit `New`, `Filled`; OKX `live`, `filled`, ...), or `NOT_FOUND` when the
    /// venue has no such order (it never arrived; on Bybit, also a closed order past the 500
    /// recent ones it keeps).
    pub status: String,
    /// Quantity filled.
    pub executed_qty: Decimal,
    /// Quote quantity spent or received.
    pub quote_qty: Decimal,
    /// Quantity ordered.
    pub orig_qty: Decimal,
}

/// The exposure on one symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolExposure {
    /// The venue.
    pub venue: String,
    /// The symbol.
    pub symbol: String,
    /// Its base asset, if the exchange info listed it.
    pub base_asset: Option<String>,
    /// Its quote asset, if the exchange info listed it.
    pub quote_asset: Option<String>,
    /// Orders of the window on this symbol that may be on the exchange.
    pub suspect_orders: usize,
    /// Net base quantity filled by those orders (bought minus sold).
    pub net_filled_qty: Decimal,
    /// Net quote quantity (received minus spent).
    pub net_quote_qty: Decimal,
    /// Orders open on the symbol now (any, not only the window's).
    pub open_orders: usize,
    /// Quantity still to fill on open buys.
    pub open_buy_qty: Decimal,
    /// Quantity still to fill on open sells.
    pub open_sell_qty: Decimal,
}

/// The balance of one asset involved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetExposure {
    /// The venue that holds it.
    pub venue: String,
    /// The asset.
    pub asset: String,
    /// Free.
    pub free: Decimal,
    /// Locked in open orders.
    pub locked: Decimal,
}

/// Retry policy of the assessment when the exchange cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retry {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
    pub(crate) attempts: u32,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(5),
            attempts: 10,
        }
    }
}

impl Retry {
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let doubled = self.initial.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        doubled.min(self.max)
    }
}

crate::class::declare_class!(Plain for SuspectWindow);
crate::class::declare_class!(Plain for AssessmentState);
crate::class::declare_class!(Plain for Assessment);
crate::class::declare_class!(Plain for AssessedOrder);
crate::class::declare_class!(Plain for SymbolExposure);
crate::class::declare_class!(Plain for AssetExposure);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let retry = Retry {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(350),
            attempts: 10,
        };
        let delays: Vec<u128> = (1..=5).map(|n| retry.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350, 350]);
        assert_eq!(retry.delay(200), Duration::from_millis(350));
    }
}
