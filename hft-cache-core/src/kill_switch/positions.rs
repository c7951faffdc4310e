//! Positions at a halt: fetched fresh from every venue given with
//! [`exchange_with_positions`](super::KillSwitchBuilder::exchange_with_positions) once the
//! cancel sweep is over, for the report; and, with
//! [`flatten_positions`](super::KillSwitchBuilder::flatten_positions), closed by reduce-only
//! market orders, each confirmed by a fresh position query.
//!
//! The flatten's orders are the one kind a halted gate lets through: the crate builds each from
//! the position a fresh query just showed ([`PositionVenue::close`]), reduce-only, so the venue
//! refuses it if it would open or grow a position.

use std::time::Duration;

use futures_util::future::BoxFuture;
use rust_decimal::Decimal;
use serde::Serialize;

use super::sweep::SweepError;
use crate::exchange::{ListsPositions, PositionVenue, SignedClient, Venue, VenuePosition};
use crate::fresh::Fresh;
use crate::gate::HaltScope;

/// Rounds of close-then-confirm the flatten makes at most: a close that fills in part leaves
/// the rest for the next round.
const FLATTEN_ROUNDS: u32 = 3;

/// Where the positions of a halt stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PositionsState {
    /// No venue with positions was given: nothing is fetched.
    NotConfigured,
    /// Waiting for the sweep, or fetching (and flattening).
    Pending,
    /// Fetched fresh; with flatten on, every position in the halt's scope was closed and a fresh
    /// query confirmed it.
    Done,
    /// Flatten on, but a fresh query still shows positions in the halt's scope.
    Incomplete,
    /// A venue's positions could not be fetched.
    Failed,
}

/// The positions of a halt, per venue: [`EmergencyReport::positions`](super::EmergencyReport).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionsReport {
    /// Where it stands.
    pub state: PositionsState,
    /// Whether the switch closes positions at a halt
    /// ([`flatten_positions`](super::KillSwitchBuilder::flatten_positions)).
    pub flatten: bool,
    /// Each venue's positions.
    pub venues: Vec<VenuePositions>,
}

impl PositionsReport {
    pub(crate) fn at_trip(configured: usize, flatten: bool) -> Self {
        PositionsReport {
            state: if configured == 0 {
                PositionsState::NotConfigured
            } else {
                PositionsState::Pending
            },
            flatten,
            venues: Vec::new(),
        }
    }

    /// Whether it will change no more.
    pub fn is_final(&self) -> bool {
        self.state != PositionsState::Pending
    }

    /// Every position still open after the procedure, with its venue.
    pub fn open(&self) -> impl Iterator<Item = (&str, &VenuePosition)> {
        self.venues
            .iter()
            .flat_map(|v| v.open_after.iter().map(move |p| (v.venue.as_str(), p)))
    }
}

/// One venue's positions at a halt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenuePositions {
    /// The venue.
    pub venue: String,
    /// The positions the first fresh query after the sweep showed.
    pub at_halt: Vec<VenuePosition>,
    /// The flatten's orders, in the order sent.
    pub closes: Vec<PositionClose>,
    /// The positions the last fresh query showed (the same as `at_halt` without flatten).
    pub open_after: Vec<VenuePosition>,
    /// Why the positions could not be fetched, if they could not.
    pub error: Option<String>,
}

/// One reduce-only close the flatten sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionClose {
    /// The symbol.
    pub symbol: String,
    /// The position it closed: `long` or `short`.
    pub direction: String,
    /// The quantity it was sent for.
    pub quantity: Decimal,
    /// What came of it.
    pub outcome: CloseOutcome,
}

/// What came of a reduce-only close, as the next fresh position query tells.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CloseOutcome {
    /// The position is flat.
    Closed,
    /// Filled in part: `left` is still open.
    Partial {
        /// The size still open (signed as the position).
        left: Decimal,
    },
    /// The venue refused or the request failed; the position is as it was.
    Failed {
        /// The venue's or the transport's error.
        error: String,
    },
}

impl std::fmt::Display for CloseOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseOutcome::Closed => f.write_str("closed"),
            CloseOutcome::Partial { left } => {
                write!(f, "filled in part, {} left", left.normalize())
            }
            CloseOutcome::Failed { error } => write!(f, "FAILED ({error})"),
        }
    }
}

/// A venue client as the positions step uses it: [`PositionClient`], implemented for
/// `SignedClient<V>` of every [`PositionVenue`].
pub(crate) trait PositionClient: Send + Sync {
    /// The venue's name.
    fn venue(&self) -> &'static str;
    /// Every open position, fresh.
    fn positions(&self) -> BoxFuture<'_, Result<Vec<VenuePosition>, SweepError>>;
    /// Sends a reduce-only close of `quantity` of `position`.
    fn close(
        &self,
        position: VenuePosition,
        quantity: Decimal,
    ) -> BoxFuture<'_, Result<(), SweepError>>;
}

impl<V: PositionVenue> PositionClient for SignedClient<V> {
    fn venue(&self) -> &'static str {
        Venue::name(SignedClient::venue(self))
    }

    fn positions(&self) -> BoxFuture<'_, Result<Vec<VenuePosition>, SweepError>> {
        Box::pin(async move {
            let call = SignedClient::venue(self).positions();
            let answer: Fresh<V::Positions> = self
                .signed(call.method, call.path, &call.params)
                .await
                .map_err(|e| SweepError::of(&e))?;
            // Copied into the report's record at once, while fresh.
            let positions = answer
                .read()
                .map_err(|e| SweepError::stale("positions", e))?;
            Ok(positions.open_positions())
        })
    }

    fn close(
        &self,
        position: VenuePosition,
        quantity: Decimal,
    ) -> BoxFuture<'_, Result<(), SweepError>> {
        Box::pin(async move {
            let call = SignedClient::venue(self).close(&position, quantity);
            self.send_flatten::<V::Closed>(&call)
                .await
                .map(drop)
                .map_err(|e| SweepError::of(&e))
        })
    }
}

/// How the positions step retries a query the venue could not answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PositionRetry {
    pub(crate) attempts: u32,
    pub(crate) delay: Duration,
}

/// Fetches `client`'s positions, retrying what is worth retrying.
async fn fetch(
    client: &dyn PositionClient,
    retry: PositionRetry,
) -> Result<Vec<VenuePosition>, SweepError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match client.positions().await {
            Ok(positions) => return Ok(positions),
            Err(e) if e.retryable && attempt < retry.attempts => {
                tokio::time::sleep(e.retry_after.unwrap_or(retry.delay)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One venue's positions after the sweep, flattened within `scope` if `flatten`.
pub(crate) async fn venue_positions(
    client: &dyn PositionClient,
    scope: &HaltScope,
    flatten: bool,
    retry: PositionRetry,
) -> VenuePositions {
    let venue = client.venue();
    let in_scope = |p: &VenuePosition| scope.covers_order(venue, &p.symbol, None);
    let mut report = VenuePositions {
        venue: venue.to_owned(),
        at_halt: Vec::new(),
        closes: Vec::new(),
        open_after: Vec::new(),
        error: None,
    };
    let mut open = match fetch(client, retry).await {
        Ok(open) => open,
        Err(e) => {
            report.error = Some(e.text);
            return report;
        }
    };
    report.at_halt = open.clone();
    if flatten {
        for _ in 0..FLATTEN_ROUNDS {
            let targets: Vec<VenuePosition> =
                open.iter().filter(|p| in_scope(p)).cloned().collect();
            if targets.is_empty() {
                break;
            }
            let first = report.closes.len();
            for position in targets {
                let quantity = position.quantity();
                let outcome = match client.close(position.clone(), quantity).await {
                    Ok(()) => CloseOutcome::Closed,
                    Err(e) => CloseOutcome::Failed { error: e.text },
                };
                report.closes.push(PositionClose {
                    symbol: position.symbol.clone(),
                    direction: position.direction().to_owned(),
                    quantity,
                    outcome,
                });
            }
            // The confirming query: what the closes really did.
            open = match fetch(client, retry).await {
                Ok(open) => open,
                Err(e) => {
                    report.error = Some(format!("confirming positions: {}", e.text));
                    break;
                }
            };
            for close in &mut report.closes[first..] {
                if close.outcome == CloseOutcome::Closed {
                    if let Some(left) = open.iter().find(|p| p.symbol == close.symbol) {
                        close.outcome = CloseOutcome::Partial { left: left.size };
                    }
                }
            }
        }
    }
    report.open_after = open;
    report
}

/// The positions step's outcome, in words, for the report's steps.
pub(crate) fn describe(report: &PositionsReport) -> String {
    let venues: Vec<String> = report
        .venues
        .iter()
        .map(|v| match &v.error {
            Some(error) if v.at_halt.is_empty() => {
                format!("{}: positions UNKNOWN ({error})", v.venue)
            }
            _ => format!(
                "{}: {} open after the sweep, {} close(s) sent, {} open now",
                v.venue,
                v.at_halt.len(),
                v.closes.len(),
                v.open_after.len()
            ),
        })
        .collect();
    let flatten = if report.flatten {
        "flatten on"
    } else {
        "flatten off (flatten_positions)"
    };
    format!("positions fetched fresh, {flatten}: {}", venues.join("; "))
}

/// One position, in words: `binance-futures BTCUSDT long 0.5 (entry 60000, mark 59900,
/// unrealized PnL -50, liquidation 48000, 10x)`.
pub(crate) fn describe_position(venue: &str, p: &VenuePosition) -> String {
    let mut text = format!(
        "{venue} {} {} {} (entry {}, mark {}, unrealized PnL {}",
        p.symbol,
        p.direction(),
        p.quantity().normalize(),
        p.entry_price.normalize(),
        p.mark_price.normalize(),
        p.unrealized_pnl.normalize()
    );
    if let Some(liquidation) = p.liquidation_price {
        text.push_str(&format!(", liquidation {}", liquidation.normalize()));
    }
    if let Some(leverage) = p.leverage {
        text.push_str(&format!(", {leverage}x"));
    }
    text.push(')');
    text
}

/// The state of a finished positions step.
pub(crate) fn final_state(
    venues: &[VenuePositions],
    scope: &HaltScope,
    flatten: bool,
) -> PositionsState {
    if venues
        .iter()
        .any(|v| v.error.is_some() && v.at_halt.is_empty() && v.closes.is_empty())
    {
        return PositionsState::Failed;
    }
    let still_open = venues.iter().any(|v| {
        v.error.is_some()
            || v.open_after
                .iter()
                .any(|p| scope.covers_order(&v.venue, &p.symbol, None))
    });
    if flatten && still_open {
        PositionsState::Incomplete
    } else {
        PositionsState::Done
    }
}

crate::class::declare_class!(owned Plain for PositionsState);
crate::class::declare_class!(Plain for PositionsReport);
crate::class::declare_class!(Plain for VenuePositions);
crate::class::declare_class!(Plain for PositionClose);
crate::class::declare_class!(Plain for CloseOutcome);
