//! The assessment of an emergency: which orders may have been decided on bad data (the suspect
//! window), and, fetched fresh from the exchange, what became of them and the exposure now.

use std::collections::BTreeMap;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::TripReason;
use crate::clock::Timestamp;
use crate::exchange::SignedClient;
use crate::fetch::{ExchangeErrorKind, FetchError};
use crate::fresh::Fresh;
use crate::journal::{JournalEntry, OrderJournal, OrderMode};
use crate::monitor::durations::{duration_ms, unix_millis};
use crate::monitor::ComplianceReport;
use crate::{Live, Static};

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
    /// Exchange clock minus ours, in milliseconds, if the clock check answered.
    pub clock_offset_ms: Option<i64>,
}

/// One order of the suspect window as the exchange reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessedOrder {
    /// The journal entry's number.
    pub seq: u64,
    /// The symbol.
    pub symbol: String,
    /// The client order id it was looked up by (or `None` if by order id).
    pub client_order_id: Option<String>,
    /// The exchange's order id, if it has the order.
    pub order_id: Option<u64>,
    /// `BUY` or `SELL`.
    pub side: Option<String>,
    /// Its status: the exchange's (`NEW`, `PARTIALLY_FILLED`, `FILLED`, `CANCELED`, ...), or
    /// `NOT_FOUND` when the exchange has no such order (it never arrived).
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

/// The suspect window of a trip at `at`, from the compliance report taken then.
pub(crate) fn suspect_window(
    reason: &TripReason,
    at: Timestamp,
    at_unix_ms: u64,
    compliance: &ComplianceReport,
    journal: Option<&OrderJournal>,
    manual_window: Duration,
) -> SuspectWindow {
    let max_age_of = |cache: &str| compliance.cache(cache).map(|c| c.info.max_age);
    let longest = compliance
        .caches
        .iter()
        .map(|c| c.info.max_age)
        .max()
        .unwrap_or_default()
        .max(manual_window);
    let (condition_for, max_age, basis) = window_basis(reason, &max_age_of, longest);
    let back = condition_for.saturating_add(max_age);
    let from = Timestamp::from_nanos(
        at.as_nanos()
            .saturating_sub(u64::try_from(back.as_nanos()).unwrap_or(u64::MAX)),
    );
    let back_ms = u64::try_from(back.as_millis()).unwrap_or(u64::MAX);
    let (orders, journal_truncated) = journal.map_or((Vec::new(), false), |j| {
        let (entries, truncated) = j.since(from);
        (
            entries.into_iter().filter(|e| e.at <= at).collect(),
            truncated,
        )
    });
    SuspectWindow {
        from,
        to: at,
        from_unix_ms: at_unix_ms.saturating_sub(back_ms),
        to_unix_ms: at_unix_ms,
        condition_for,
        max_age,
        basis,
        orders,
        journal_truncated,
    }
}

fn window_basis(
    reason: &TripReason,
    max_age_of: &dyn Fn(&str) -> Option<Duration>,
    longest: Duration,
) -> (Duration, Duration, String) {
    // A cache no longer registered: the safe side is the longest window.
    let of = |cache: &str| max_age_of(cache).unwrap_or(longest);
    match reason {
        TripReason::FeedUnhealthy {
            cache,
            unhealthy_for,
            ..
        } => (
            *unhealthy_for,
            of(cache),
            format!("feed of `{cache}` unhealthy for {unhealthy_for:?}, plus the cache's max age"),
        ),
        TripReason::StaleRefusals { cache, within, .. } => (
            *within,
            of(cache),
            format!("stale refusals of `{cache}` counted over {within:?}, plus the cache's max age"),
        ),
        TripReason::RefreshFailingPastMaxAge {
            cache,
            age,
            max_age,
            ..
        } => {
            let past = age.map_or(Duration::ZERO, |age| age.saturating_sub(*max_age));
            (
                past,
                *max_age,
                format!("data of `{cache}` past its max age for {past:?}, plus its max age"),
            )
        }
        TripReason::ComplianceViolation { violation } => {
            let cache = violation.cache();
            (
                Duration::ZERO,
                of(cache),
                format!("violation on `{cache}` at the halt, plus the cache's max age"),
            )
        }
        TripReason::Relapse { cause, .. } => window_basis(cause, max_age_of, longest),
        TripReason::Manual { .. } | TripReason::PaperFault { .. } => (
            Duration::ZERO,
            longest,
            "no condition named: the manual window or the longest max age of the caches, whichever is longer".to_owned(),
        ),
    }
}

#[derive(Live, Deserialize)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
struct OrderNow {
    order_id: u64,
    #[serde(default)]
    client_order_id: Option<String>,
    status: String,
    side: String,
    #[serde(default)]
    orig_qty: Decimal,
    #[serde(default)]
    executed_qty: Decimal,
    #[serde(default)]
    cummulative_quote_qty: Decimal,
}

#[derive(Live, Deserialize)]
#[hft(crate = "crate")]
struct AccountNow {
    balances: Vec<BalanceNow>,
}

#[derive(Live, Deserialize)]
#[hft(crate = "crate")]
struct BalanceNow {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

#[derive(Static, Deserialize)]
#[hft(crate = "crate")]
struct SymbolsInfo {
    symbols: Vec<SymbolAssets>,
}

#[derive(Static, Deserialize)]
#[hft(crate = "crate")]
#[serde(rename_all = "camelCase")]
struct SymbolAssets {
    symbol: String,
    base_asset: String,
    quote_asset: String,
}

/// One attempt: every order that may be on the exchange, the open orders and balances of the
/// symbols and assets involved, and a clock check.
pub(crate) async fn assess(
    client: &SignedClient,
    orders: &[JournalEntry],
    attempts: u32,
) -> Result<Assessment, String> {
    let suspects: Vec<&JournalEntry> = orders
        .iter()
        .filter(|e| e.mode == OrderMode::Live && e.outcome.may_be_on_exchange(e.mode))
        .filter(|e| e.symbol.is_some())
        .collect();
    let mut symbols: BTreeMap<String, SymbolExposure> = BTreeMap::new();
    for entry in orders.iter().filter(|e| e.mode == OrderMode::Live) {
        if let Some(symbol) = &entry.symbol {
            symbols
                .entry(symbol.clone())
                .or_insert_with(|| SymbolExposure::new(symbol));
        }
    }
    if !symbols.is_empty() {
        let info: SymbolsInfo = client
            .public_get("/api/v3/exchangeInfo", &())
            .await
            .map_err(|e| format!("exchange info: {e}"))?;
        for s in info.symbols {
            if let Some(exposure) = symbols.get_mut(&s.symbol) {
                exposure.base_asset = Some(s.base_asset);
                exposure.quote_asset = Some(s.quote_asset);
            }
        }
    }

    let mut assessed = Vec::with_capacity(suspects.len());
    for entry in suspects {
        let symbol = entry.symbol.clone().unwrap_or_default();
        let order = lookup(client, entry, &symbol)
            .await
            .map_err(|e| format!("order #{} on {symbol}: {e}", entry.seq))?;
        let exposure = symbols
            .entry(symbol.clone())
            .or_insert_with(|| SymbolExposure::new(&symbol));
        exposure.suspect_orders += 1;
        if let Some(order) = &order {
            let sign = if order.side == "SELL" {
                -Decimal::ONE
            } else {
                Decimal::ONE
            };
            exposure.net_filled_qty += sign * order.executed_qty;
            exposure.net_quote_qty -= sign * order.cummulative_quote_qty;
        }
        assessed.push(match order {
            Some(order) => AssessedOrder {
                seq: entry.seq,
                symbol,
                client_order_id: order
                    .client_order_id
                    .or_else(|| entry.client_order_id.clone()),
                order_id: Some(order.order_id),
                side: Some(order.side),
                status: order.status,
                executed_qty: order.executed_qty,
                quote_qty: order.cummulative_quote_qty,
                orig_qty: order.orig_qty,
            },
            None => AssessedOrder {
                seq: entry.seq,
                symbol,
                client_order_id: entry.client_order_id.clone(),
                order_id: None,
                side: entry.side.clone(),
                status: "NOT_FOUND".to_owned(),
                executed_qty: Decimal::ZERO,
                quote_qty: Decimal::ZERO,
                orig_qty: entry.quantity.unwrap_or_default(),
            },
        });
    }

    for (symbol, exposure) in &mut symbols {
        let open: Fresh<Vec<OrderNow>> = client
            .signed_get("/api/v3/openOrders", &[("symbol", symbol.as_str())])
            .await
            .map_err(|e| format!("open orders on {symbol}: {e}"))?;
        let open = open
            .read()
            .map_err(|e| format!("open orders on {symbol}: {e}"))?;
        exposure.open_orders = open.len();
        for order in open {
            let left = order.orig_qty - order.executed_qty;
            if order.side == "SELL" {
                exposure.open_sell_qty += left;
            } else {
                exposure.open_buy_qty += left;
            }
        }
    }

    let mut assets = Vec::new();
    let wanted: Vec<&String> = symbols
        .values()
        .flat_map(|s| [s.base_asset.as_ref(), s.quote_asset.as_ref()])
        .flatten()
        .collect();
    if !wanted.is_empty() {
        let account: Fresh<AccountNow> = client
            .signed_get("/api/v3/account", &())
            .await
            .map_err(|e| format!("account: {e}"))?;
        let account = account.read().map_err(|e| format!("account: {e}"))?;
        let mut seen: Vec<&String> = Vec::new();
        for asset in wanted {
            if seen.contains(&asset) {
                continue;
            }
            seen.push(asset);
            let balance = account.balances.iter().find(|b| &b.asset == asset);
            assets.push(AssetExposure {
                asset: asset.clone(),
                free: balance.map_or(Decimal::ZERO, |b| b.free),
                locked: balance.map_or(Decimal::ZERO, |b| b.locked),
            });
        }
    }

    // A clock check is part of the record, not a condition of it.
    let clock_offset_ms = client.sync_time().await.ok();
    Ok(Assessment {
        fetched_at_unix_ms: unix_millis(),
        attempts,
        orders: assessed,
        symbols: symbols.into_values().collect(),
        assets,
        clock_offset_ms,
    })
}

/// The order's status now; `None` if the exchange has no such order.
async fn lookup(
    client: &SignedClient,
    entry: &JournalEntry,
    symbol: &str,
) -> Result<Option<Found>, String> {
    let order_id = match &entry.outcome {
        crate::journal::OrderOutcome::Accepted { order_id, .. } => *order_id,
        _ => None,
    };
    let mut params = vec![("symbol", symbol.to_owned())];
    match (&entry.client_order_id, order_id) {
        (_, Some(id)) => params.push(("orderId", id.to_string())),
        (Some(client_id), None) => params.push(("origClientOrderId", client_id.clone())),
        (None, None) => return Ok(None),
    }
    match client
        .signed_get::<OrderNow, _>("/api/v3/order", &params)
        .await
    {
        // Copied into the report's record at once, while fresh.
        Ok(order) => {
            let now = order.read().map_err(|e| e.to_string())?;
            Ok(Some(Found {
                order_id: now.order_id,
                client_order_id: now.client_order_id.clone(),
                status: now.status.clone(),
                side: now.side.clone(),
                orig_qty: now.orig_qty,
                executed_qty: now.executed_qty,
                cummulative_quote_qty: now.cummulative_quote_qty,
            }))
        }
        Err(FetchError::Exchange {
            kind: ExchangeErrorKind::UnknownOrder,
            ..
        }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// What the report records of an order's state at the assessment.
struct Found {
    order_id: u64,
    client_order_id: Option<String>,
    status: String,
    side: String,
    orig_qty: Decimal,
    executed_qty: Decimal,
    cummulative_quote_qty: Decimal,
}

impl SymbolExposure {
    fn new(symbol: &str) -> Self {
        SymbolExposure {
            symbol: symbol.to_owned(),
            base_asset: None,
            quote_asset: None,
            suspect_orders: 0,
            net_filled_qty: Decimal::ZERO,
            net_quote_qty: Decimal::ZERO,
            open_orders: 0,
            open_buy_qty: Decimal::ZERO,
            open_sell_qty: Decimal::ZERO,
        }
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
