//! One assessment attempt: the suspect orders, open orders, balances and clock, fetched fresh
//! through the signed client.

use std::collections::BTreeMap;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{AssessedOrder, Assessment, AssetExposure, SymbolExposure};
use crate::exchange::SignedClient;
use crate::exchange::{ExchangeErrorKind, RequestError};
use crate::fresh::Fresh;
use crate::journal::{JournalEntry, OrderMode};
use crate::report_format::unix_millis;
use hft_cache_macros::{Live, Static};

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

/// Why an attempt failed: the report's text, and what the venue said about trying again.
#[derive(Debug)]
pub(crate) struct Unreachable {
    pub(crate) error: String,
    /// The venue's `Retry-After`: the next attempt waits at least this long.
    pub(crate) retry_after: Option<Duration>,
    /// The venue banned this IP (HTTP 418): every request extends the ban, so no more attempts.
    pub(crate) banned: bool,
}

impl Unreachable {
    fn of(error: &RequestError) -> Self {
        Unreachable {
            error: error.to_string(),
            retry_after: error.retry_after(),
            banned: error.is_banned(),
        }
    }

    fn other(error: String) -> Self {
        Unreachable {
            error,
            retry_after: None,
            banned: false,
        }
    }

    fn within(self, context: &str) -> Self {
        Unreachable {
            error: format!("{context}: {}", self.error),
            ..self
        }
    }
}

/// One attempt: every order that may be on the exchange, the open orders and balances of the
/// symbols and assets involved, and a clock check.
pub(crate) async fn assess(
    client: &SignedClient,
    orders: &[JournalEntry],
    attempts: u32,
) -> Result<Assessment, Unreachable> {
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
            .map_err(|e| Unreachable::of(&e).within("exchange info"))?;
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
            .map_err(|e| e.within(&format!("order #{} on {symbol}", entry.seq)))?;
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
            // The venue's numbers: checked, so that a hostile answer fails the assessment
            // instead of panicking its task (and leaving the report pending forever).
            let overflow = || {
                Unreachable::other(format!(
                    "order #{} on {symbol}: quantities overflow",
                    entry.seq
                ))
            };
            exposure.net_filled_qty = (sign * order.executed_qty)
                .checked_add(exposure.net_filled_qty)
                .ok_or_else(overflow)?;
            exposure.net_quote_qty = exposure
                .net_quote_qty
                .checked_sub(sign * order.cummulative_quote_qty)
                .ok_or_else(overflow)?;
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
            .map_err(|e| Unreachable::of(&e).within(&format!("open orders on {symbol}")))?;
        let open = open
            .read()
            .map_err(|e| Unreachable::other(format!("open orders on {symbol}: {e}")))?;
        exposure.open_orders = open.len();
        for order in open {
            // The venue's numbers: checked, as above.
            let overflow =
                || Unreachable::other(format!("open orders on {symbol}: quantities overflow"));
            let left = order
                .orig_qty
                .checked_sub(order.executed_qty)
                .ok_or_else(overflow)?;
            let total = if order.side == "SELL" {
                &mut exposure.open_sell_qty
            } else {
                &mut exposure.open_buy_qty
            };
            *total = total.checked_add(left).ok_or_else(overflow)?;
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
            .map_err(|e| Unreachable::of(&e).within("account"))?;
        let account = account
            .read()
            .map_err(|e| Unreachable::other(format!("account: {e}")))?;
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
) -> Result<Option<Found>, Unreachable> {
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
            let now = order
                .read()
                .map_err(|e| Unreachable::other(e.to_string()))?;
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
        Err(RequestError::Exchange {
            kind: ExchangeErrorKind::UnknownOrder,
            ..
        }) => Ok(None),
        Err(e) => Err(Unreachable::of(&e)),
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
