//! The kill switch: a [`TradingGate`] that order paths check, an emergency procedure that
//! halts trading and disables every cache, and [`Trigger`]s that trip it on their own.
//!
//! The policy's emergency response has four phases, each logged at error level with structured
//! fields (`step`, `trigger`, `cache`, ...):
//!
//! 1. **Immediate action** ([`KillSwitch::trip`], synchronous): the gate closes (every
//!    [`TradingGate::check`] fails with [`Halted`]), every registered cache refuses reads so only
//!    fresh calls remain, a [`ComplianceReport`](crate::monitor::ComplianceReport) is taken, and an
//!    [`EmergencyReport`] is returned, kept and logged as JSON. A **cancel sweep** starts on a
//!    tokio task over every venue client given with [`KillSwitchBuilder::exchange`] (any
//!    [`OrderVenue`](crate::exchange::OrderVenue): Binance spot, Bybit, ...; venues at once):
//!    fresh open-orders query, cancel-all per symbol (or single cancels; a round's cancels go out
//!    together, a few at a time), confirming query, round after round until nothing in the halt's
//!    scope is open or its bounds run out, 5xx and timeouts retried, rate limits waited out; [`Cancellation`] in the report says `pending`, `done` or
//!    `incomplete`, per venue and order, with `open_after`. Two trips in quick succession share
//!    one sweep; [`KillSwitchBuilder::keep_resting_orders`] opts out.
//! 2. **Assessment** (after the halt, never delaying it): the [`SuspectWindow`] and the orders the
//!    [`OrderJournal`](crate::journal::OrderJournal) recorded in it; then, fetched fresh from the
//!    exchange with retries (after the sweep, with the Binance client), their status and fills,
//!    the open orders and the balances: the exposure per symbol and asset ([`AssessmentState`],
//!    [`KillSwitch::assessed_report`], which waits for the sweep and the assessment).
//! 3. **Remediation**: the report's [`Remediation`] lists what the procedure changed and what an
//!    operator must do by hand.
//! 4. **Validation**: [`KillSwitch::resume`] succeeds only when a new report is compliant and
//!    healthy (every feed back up, no static data past its max age) and the halt's sweep is done
//!    ([`KillSwitch::resume_acknowledging`] resumes past an incomplete one by naming every order
//!    it left open); with a [`PaperPhase`] the
//!    gate then goes to [`GateMode::Paper`] and opens only after simulated orders pass without a
//!    fault; with a [`RelapseWatch`] the triggers run at tighter limits for a while after.
//!
//! **Scopes.** [`KillSwitch::halt`] with a [`Halt`] of one venue, symbol or strategy
//! ([`HaltScope`]) refuses only that scope's orders ([`TradingGate::check_order`], one load and
//! one compare while no scoped halt is active) and sweeps only them; scoped halts stack and
//! [`KillSwitch::resume_scope`] (or [`KillSwitch::resume_with`] and a [`Resume`]) lifts one by
//! name. The ops endpoint (feature `ops`) takes the same scopes in JSON: `POST /halt`
//! `{"scope":{"symbol":"BTCUSDT"},"by":"alice","why":".."}`, `POST /resume`
//! `{"scope":..,"by":"bob","acknowledge":[..]}`.
//!
//! **Dead man's switch.** Where a venue cancels resting orders by itself once a countdown
//! lapses (Binance USD-M's `countdownCancelAll`), a [`DeadMan`] keeps it renewed while the gate
//! is live and stops on a halt or a stall, so that the venue backs up the sweep; a renewal that
//! fails trips the switch ([`TripReason::DeadManFailed`]); its state is in every report. [`DeadMan`] lists what
//! each venue offers.
//!
//! **Audit.** Every trip, scoped halt, resume, acknowledgment and refused resume is an
//! [`AuditRecord`] (time, actor, reason, scope, report), kept by the switch
//! ([`KillSwitch::audit_trail`]), in its report, and in the order journal's file. The actor is
//! who asked ([`Halt::by`], [`Resume::by`], the operator an ops request names), else the trigger
//! or the code path. A control surface that refuses a resume before it reaches the switch (the
//! ops endpoint, for want of an operator) records it with [`KillSwitch::audit_refused_resume`].

// The gate is part of the policy core and always here; the switch that closes it, with its
// emergency procedure (which queries venues), comes with the `venues` feature.
pub use crate::gate::{GateMode, HaltScope, Halted, TradingGate, TripReason};

#[cfg(feature = "venues")]
mod assessment;
#[cfg(feature = "venues")]
mod audit;
#[cfg(feature = "venues")]
mod builder;
#[cfg(feature = "venues")]
mod dead_man;
#[cfg(feature = "venues")]
mod emergency;
#[cfg(feature = "venues")]
mod escalation;
#[cfg(feature = "venues")]
mod halt;
#[cfg(feature = "venues")]
mod paper;
#[cfg(feature = "venues")]
mod positions;
#[cfg(feature = "venues")]
mod relapse;
#[cfg(feature = "venues")]
mod remediation;
#[cfg(feature = "venues")]
mod report_text;
#[cfg(feature = "venues")]
mod resume;
#[cfg(feature = "venues")]
mod sweep;
#[cfg(feature = "venues")]
mod switch;
#[cfg(feature = "venues")]
mod trigger;
#[cfg(feature = "venues")]
mod watcher;

#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use assessment::{
    AssessedOrder, Assessment, AssessmentState, AssetExposure, SuspectWindow, SymbolExposure,
};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use audit::{AuditAction, AuditRecord};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use builder::KillSwitchBuilder;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use dead_man::{
    DeadMan, DeadManBuildError, DeadManBuilder, DeadManPhase, DeadManState, SymbolCountdown,
};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use emergency::{EmergencyReport, EmergencyStep, StepKind};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use halt::{Halt, Resume};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use paper::{PaperPhase, PaperProgress};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use positions::{CloseOutcome, PositionClose, PositionsReport, PositionsState, VenuePositions};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use relapse::RelapseWatch;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use remediation::Remediation;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use resume::ResumeError;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use sweep::{CancelOutcome, Cancellation, SweepState, SweptOrder, VenueSweep};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use switch::KillSwitch;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use trigger::{Condition, Trigger};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use watcher::{Watcher, WatcherBuildError, WatcherBuilder, WatcherHandle};
