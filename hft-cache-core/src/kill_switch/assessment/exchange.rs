//! One assessment attempt: the suspect orders, open orders, balances and clock of every venue
//! the switch sweeps, fetched fresh through each venue's client ([`SweepClient`], so through
//! the venue's own [`OrderVenue`](crate::exchange::OrderVenue) calls).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use rust_decimal::Decimal;

use super::{AssessedOrder, Assessment, AssetExposure, SymbolExposure};
use crate::exchange::{OrderState, VenueOrder};
use crate::journal::{JournalEntry, OrderMode, OrderOutcome};
use crate::kill_switch::sweep::client::{SweepClient, SweepError};
use crate::report_format::unix_millis;

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
    fn of(venue: &str, context: &str, error: SweepError) -> Self {
        // The sweep client's own errors may already say what they were about.
        let text = error
            .text
            .strip_prefix(context)
            .and_then(|text| text.strip_prefix(": "))
            .unwrap_or(&error.text);
        Unreachable {
            error: format!("{venue}: {context}: {text}"),
            retry_after: error.retry_after,
            banned: error.banned,
        }
    }

    fn other(venue: &str, error: String) -> Self {
        Unreachable {
            error: format!("{venue}: {error}"),
            retry_after: None,
            banned: false,
        }
    }
}

/// What one venue answered.
struct VenueAssessment {
    orders: Vec<AssessedOrder>,
    symbols: Vec<SymbolExposure>,
    assets: Vec<AssetExposure>,
    clock_offset_ms: Option<i64>,
}

/// One attempt over every venue at once: a venue that cannot be reached fails the attempt
/// (the next one asks every venue again, so the record is of one moment).
pub(crate) async fn assess(
    clients: &[Arc<dyn SweepClient>],
    orders: &[JournalEntry],
    attempts: u32,
) -> Result<Assessment, Unreachable> {
    let answers = join_all(clients.iter().map(|client| {
        let venue = client.venue();
        let entries: Vec<&JournalEntry> = orders.iter().filter(|e| e.venue == venue).collect();
        assess_venue(&**client, entries)
    }))
    .await;
    let mut assessment = Assessment {
        fetched_at_unix_ms: unix_millis(),
        attempts,
        orders: Vec::new(),
        symbols: Vec::new(),
        assets: Vec::new(),
        clock_offset_ms: None,
    };
    for answer in answers {
        let answer = answer?;
        assessment.orders.extend(answer.orders);
        assessment.symbols.extend(answer.symbols);
        assessment.assets.extend(answer.assets);
        // The worst clock of all venues.
        assessment.clock_offset_ms = match (assessment.clock_offset_ms, answer.clock_offset_ms) {
            (Some(a), Some(b)) => Some(if b.abs() > a.abs() { b } else { a }),
            (a, b) => a.or(b),
        };
    }
    Ok(assessment)
}

/// One venue: each suspect order of its journal entries, its symbols' open orders and assets,
/// its balances of those assets, its clock.
async fn assess_venue(
    client: &dyn SweepClient,
    orders: Vec<&JournalEntry>,
) -> Result<VenueAssessment, Unreachable> {
    let venue = client.venue();
    let mut symbols: BTreeMap<String, SymbolExposure> = BTreeMap::new();
    for entry in orders.iter().filter(|e| e.mode == OrderMode::Live) {
        if let Some(symbol) = &entry.symbol {
            symbols
                .entry(symbol.clone())
                .or_insert_with(|| SymbolExposure::new(venue, symbol));
        }
    }
    let assets = client
        .symbol_assets(symbols.keys().cloned().collect())
        .await
        .map_err(|(symbol, e)| Unreachable::of(venue, &format!("symbol info of {symbol}"), e))?;
    for (symbol, found) in assets {
        if let (Some(exposure), Some((base, quote))) = (symbols.get_mut(&symbol), found) {
            exposure.base_asset = Some(base);
            exposure.quote_asset = Some(quote);
        }
    }

    let suspects = orders
        .iter()
        .filter(|e| e.mode == OrderMode::Live && e.outcome.may_be_on_exchange(e.mode));
    let mut assessed = Vec::new();
    for entry in suspects {
        let Some(symbol) = entry.symbol.clone() else {
            continue;
        };
        let found = lookup(client, entry, &symbol)
            .await
            .map_err(|e| Unreachable::of(venue, &format!("order #{} on {symbol}", entry.seq), e))?;
        let exposure = symbols
            .entry(symbol.clone())
            .or_insert_with(|| SymbolExposure::new(venue, &symbol));
        exposure.suspect_orders += 1;
        if let Some(order) = &found {
            let sign = if order.is_sell() {
                -Decimal::ONE
            } else {
                Decimal::ONE
            };
            // The venue's numbers: checked, so that a hostile answer fails the assessment
            // instead of panicking its task (and leaving the report pending forever).
            let overflow = || {
                Unreachable::other(
                    venue,
                    format!("order #{} on {symbol}: quantities overflow", entry.seq),
                )
            };
            exposure.net_filled_qty = (sign * order.executed_qty)
                .checked_add(exposure.net_filled_qty)
                .ok_or_else(overflow)?;
            exposure.net_quote_qty = exposure
                .net_quote_qty
                .checked_sub(sign * order.quote_qty)
                .ok_or_else(overflow)?;
        }
        assessed.push(AssessedOrder::of(venue, entry, symbol, found));
    }

    for (symbol, exposure) in &mut symbols {
        let open = client
            .open_orders(Some(symbol.clone()))
            .await
            .map_err(|e| Unreachable::of(venue, &format!("open orders on {symbol}"), e))?;
        exposure.open_orders = open.len();
        for order in open {
            let overflow = || {
                Unreachable::other(
                    venue,
                    format!("open orders on {symbol}: quantities overflow"),
                )
            };
            let total = if order.side.eq_ignore_ascii_case("sell") {
                &mut exposure.open_sell_qty
            } else {
                &mut exposure.open_buy_qty
            };
            *total = total
                .checked_add(order.quantity_left)
                .ok_or_else(overflow)?;
        }
    }

    let mut wanted: Vec<&String> = symbols
        .values()
        .flat_map(|s| [s.base_asset.as_ref(), s.quote_asset.as_ref()])
        .flatten()
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut assets = Vec::new();
    if !wanted.is_empty() {
        let balances = client
            .balances()
            .await
            .map_err(|e| Unreachable::of(venue, "balances", e))?;
        if let Some(balances) = balances {
            for asset in wanted {
                let balance = balances.iter().find(|b| &b.asset == asset);
                assets.push(AssetExposure {
                    venue: venue.to_owned(),
                    asset: asset.clone(),
                    free: balance.map_or(Decimal::ZERO, |b| b.free),
                    locked: balance.map_or(Decimal::ZERO, |b| b.locked),
                });
            }
        }
    }

    // A clock check is part of the record, not a condition of it.
    let clock_offset_ms = client.clock_offset().await;
    Ok(VenueAssessment {
        orders: assessed,
        symbols: symbols.into_values().collect(),
        assets,
        clock_offset_ms,
    })
}

/// The order's state now; `None` if the venue has no such order.
async fn lookup(
    client: &dyn SweepClient,
    entry: &JournalEntry,
    symbol: &str,
) -> Result<Option<OrderState>, SweepError> {
    let order_id = match &entry.outcome {
        OrderOutcome::Accepted { order_id, .. } => *order_id,
        _ => None,
    };
    if order_id.is_none() && entry.client_order_id.is_none() {
        return Ok(None);
    }
    // By the venue's id when the answer gave one, else by the client order id it was sent with.
    let order = VenueOrder::new(
        order_id.map(|id| id.to_string()).unwrap_or_default(),
        entry.client_order_id.clone(),
        symbol,
        entry.side.clone().unwrap_or_default(),
        entry.price,
        entry.quantity.unwrap_or_default(),
    );
    client.lookup(order).await
}

impl AssessedOrder {
    fn of(venue: &str, entry: &JournalEntry, symbol: String, found: Option<OrderState>) -> Self {
        match found {
            Some(order) => AssessedOrder {
                venue: venue.to_owned(),
                seq: entry.seq,
                symbol,
                client_order_id: order
                    .client_order_id
                    .or_else(|| entry.client_order_id.clone()),
                order_id: order.order_id.parse().ok(),
                side: Some(order.side),
                status: order.status,
                executed_qty: order.executed_qty,
                quote_qty: order.quote_qty,
                orig_qty: order.orig_qty,
            },
            None => AssessedOrder {
                venue: venue.to_owned(),
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
        }
    }
}

impl SymbolExposure {
    fn new(venue: &str, symbol: &str) -> Self {
        SymbolExposure {
            venue: venue.to_owned(),
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
