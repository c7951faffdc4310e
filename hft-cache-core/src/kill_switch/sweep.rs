//! The cancel sweep that follows every halt: each venue's open orders in the halt's scope are
//! listed fresh, cancelled (the venue's cancel-all where it has one, else one at a time), and
//! listed again to confirm, round after round until none is left or the sweep's bounds run out.
//! Its record in the report is a [`Cancellation`].

pub(crate) mod client;
mod run;

use std::time::Duration;

use serde::Serialize;

use crate::exchange::VenueOrder;
use crate::gate::HaltScope;
use crate::report_format::opt_duration_ms;

pub(crate) use client::{SweepClient, SweepError};
pub(crate) use run::sweep_venue;

/// Where a halt's cancel sweep stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SweepState {
    /// Running: some venue has not confirmed yet.
    Pending,
    /// Every venue confirmed, with a fresh open-orders query, that nothing in the halt's scope
    /// is open.
    Done,
    /// The sweep's rounds or time ran out with orders still open, or with a venue that never
    /// answered: see [`VenueSweep::open_after`].
    Incomplete,
    /// No venue client was given to the kill switch
    /// ([`exchange`](super::KillSwitchBuilder::exchange)): nothing was cancelled.
    NotConfigured,
    /// The switch was built with [`keep_resting_orders`](super::KillSwitchBuilder::keep_resting_orders):
    /// resting orders were deliberately left on the venues.
    KeptResting,
}

impl SweepState {
    /// The state's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SweepState::Pending => "pending",
            SweepState::Done => "done",
            SweepState::Incomplete => "incomplete",
            SweepState::NotConfigured => "not_configured",
            SweepState::KeptResting => "kept_resting",
        }
    }
}

/// The cancel sweep of a halt, in its [`EmergencyReport`](super::EmergencyReport).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cancellation {
    /// Where it stands.
    pub state: SweepState,
    /// The sweep's number on this switch, from 1 (0: none ran). Trips that came while a sweep
    /// covering their scope was running share its number: one sweep, not two racing.
    pub sweep: u64,
    /// The scope swept.
    pub scope: HaltScope,
    /// Per venue, in the order the venues were given.
    pub venues: Vec<VenueSweep>,
    /// From the trip to the last venue's confirmation that nothing is open, once done.
    #[serde(rename = "time_to_flat_ms", with = "opt_duration_ms")]
    pub time_to_flat: Option<Duration>,
    /// The orders (venue order ids, or venue names whose open orders are unknown) an operator
    /// acknowledged to resume past this incomplete sweep.
    pub acknowledged: Vec<String>,
}

/// One venue's part of a [`Cancellation`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueSweep {
    /// The venue's name.
    pub venue: String,
    /// Where this venue's sweep stands.
    pub state: SweepState,
    /// Rounds taken (list, cancel, confirm).
    pub rounds: u32,
    /// Every order in scope the sweep saw open, with what became of it.
    pub orders: Vec<SweptOrder>,
    /// What the last confirming open-orders query returned (in scope); `None` if no query was
    /// answered, so what is open is unknown.
    pub open_after: Option<Vec<VenueOrder>>,
    /// From the trip to this venue's confirmation that nothing is open.
    #[serde(rename = "time_to_flat_ms", with = "opt_duration_ms")]
    pub time_to_flat: Option<Duration>,
    /// Requests retried (5xx, timeouts, connection failures, rate limits).
    pub retries: u32,
    /// Of those, rate-limit answers (429/418) waited out.
    pub rate_limited: u32,
    /// The last error, if any request failed.
    pub last_error: Option<String>,
}

/// One order a sweep saw open, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweptOrder {
    /// The order as the sweep first saw it (quantity left as last seen).
    #[serde(flatten)]
    pub order: VenueOrder,
    /// What became of it.
    pub outcome: CancelOutcome,
    /// Why its cancel failed, or why its fate is not known exactly.
    pub error: Option<String>,
}

/// What became of an order the sweep tried to cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CancelOutcome {
    /// Not settled yet.
    Pending,
    /// Cancelled by the sweep.
    Cancelled,
    /// Filled before the cancel reached it: exposure to assess.
    FilledMeanwhile,
    /// Closed before the cancel reached it (cancelled elsewhere, expired).
    AlreadyClosed,
    /// The cancel failed: the order may still be open (see `error` and `open_after`).
    Failed,
}

impl CancelOutcome {
    /// The outcome's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelOutcome::Pending => "pending",
            CancelOutcome::Cancelled => "cancelled",
            CancelOutcome::FilledMeanwhile => "filled_meanwhile",
            CancelOutcome::AlreadyClosed => "already_closed",
            CancelOutcome::Failed => "failed",
        }
    }
}

impl Cancellation {
    pub(crate) fn unswept(state: SweepState, scope: HaltScope) -> Self {
        Cancellation {
            state,
            sweep: 0,
            scope,
            venues: Vec::new(),
            time_to_flat: None,
            acknowledged: Vec::new(),
        }
    }

    /// Whether the sweep will change no more.
    pub fn is_final(&self) -> bool {
        self.state != SweepState::Pending
    }

    /// Whether resuming must wait or be acknowledged: the sweep is pending or incomplete.
    pub fn blocks_resume(&self) -> bool {
        matches!(self.state, SweepState::Pending | SweepState::Incomplete)
    }

    /// The orders the last confirming queries still showed open, with their venue.
    pub fn open_orders(&self) -> Vec<(&str, &VenueOrder)> {
        self.venues
            .iter()
            .flat_map(|v| {
                v.open_after
                    .iter()
                    .flatten()
                    .map(move |o| (v.venue.as_str(), o))
            })
            .collect()
    }

    /// The venues whose open orders are unknown: no open-orders query was answered.
    pub fn unknown_venues(&self) -> Vec<&str> {
        self.venues
            .iter()
            .filter(|v| v.open_after.is_none() && v.state != SweepState::Done)
            .map(|v| v.venue.as_str())
            .collect()
    }

    /// What an operator must acknowledge to resume past this sweep: each open order's id and
    /// each venue whose open orders are unknown.
    pub fn to_acknowledge(&self) -> Vec<String> {
        self.open_orders()
            .into_iter()
            .map(|(_, o)| o.order_id.clone())
            .chain(self.unknown_venues().into_iter().map(str::to_owned))
            .collect()
    }

    /// The open orders and unknown venues, in words, for refusals and remediation.
    pub fn describe_open(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .open_orders()
            .into_iter()
            .map(|(venue, o)| describe(venue, o))
            .collect();
        for venue in self.unknown_venues() {
            let error = self
                .venues
                .iter()
                .find(|v| v.venue == venue)
                .and_then(|v| v.last_error.as_deref())
                .unwrap_or("no answer");
            lines.push(format!(
                "{venue}: open orders unknown, no open-orders query was answered ({error})"
            ));
        }
        lines
    }
}

/// `binance order 12 (cid mm-1) BTCUSDT BUY 0.001 @ 50000`.
pub(crate) fn describe(venue: &str, o: &VenueOrder) -> String {
    let mut text = format!("{venue} order {}", o.order_id);
    if let Some(cid) = &o.client_order_id {
        text.push_str(&format!(" ({cid})"));
    }
    text.push_str(&format!(
        " {} {} {}",
        o.symbol,
        o.side,
        o.quantity_left.normalize()
    ));
    if let Some(price) = o.price {
        text.push_str(&format!(" @ {}", price.normalize()));
    }
    text
}

/// The sweep's bounds and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SweepConfig {
    /// Rounds of list, cancel, confirm.
    pub(crate) rounds: u32,
    /// From the trip; no retry waits past it.
    pub(crate) deadline: Duration,
    /// Each request's attempts, and the backoff between them.
    pub(crate) attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    /// Waited after a rate-limit answer that names no `Retry-After`.
    pub(crate) rate_limit_wait: Duration,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            rounds: 5,
            deadline: Duration::from_secs(30),
            attempts: 8,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            rate_limit_wait: Duration::from_secs(1),
        }
    }
}

impl SweepConfig {
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self.initial_backoff.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        doubled.min(self.max_backoff)
    }
}

crate::class::declare_class!(Plain for SweepState);
crate::class::declare_class!(Plain for Cancellation);
crate::class::declare_class!(Plain for VenueSweep);
crate::class::declare_class!(Plain for SweptOrder);
crate::class::declare_class!(Plain for CancelOutcome);
