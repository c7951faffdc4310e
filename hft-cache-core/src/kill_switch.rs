//! The kill switch: a [`TradingGate`] that order paths check, an emergency procedure that
//! halts trading and disables every cache, and [`Trigger`]s that trip it on their own.
//!
//! The policy's emergency response has four phases, each logged at error level with structured
//! fields (`step`, `trigger`, `cache`, ...):
//!
//! 1. **Immediate action** ([`KillSwitch::trip`], synchronous): the gate closes (every
//!    [`TradingGate::check`] fails with [`Halted`]), every registered cache refuses reads so only
//!    fresh calls remain, a [`ComplianceReport`](crate::monitor::ComplianceReport) is taken, and an
//!    [`EmergencyReport`] is returned, kept and logged as JSON.
//! 2. **Assessment** (after the halt, never delaying it): the [`SuspectWindow`] and the orders the
//!    [`OrderJournal`](crate::journal::OrderJournal) recorded in it; then, fetched fresh from the
//!    exchange with retries, their status and fills, the open orders and the balances: the
//!    exposure per symbol and asset ([`AssessmentState`], [`KillSwitch::assessed_report`]).
//! 3. **Remediation**: the report's [`Remediation`] lists what the procedure changed and what an
//!    operator must do by hand.
//! 4. **Validation**: [`KillSwitch::resume`] succeeds only when a new report is compliant and
//!    healthy (every feed back up, no static data past its max age); with a [`PaperPhase`] the
//!    gate then goes to [`GateMode::Paper`] and opens only after simulated orders pass without a
//!    fault; with a [`RelapseWatch`] the triggers run at tighter limits for a while after.

mod assessment;
mod audit;
mod builder;
mod emergency;
mod halt;
mod paper;
mod relapse;
mod remediation;
mod report_text;
mod resume;
mod sweep;
mod switch;
mod trigger;
mod watcher;

pub use crate::gate::{GateMode, HaltScope, Halted, TradingGate, TripReason};
pub use assessment::{
    AssessedOrder, Assessment, AssessmentState, AssetExposure, SuspectWindow, SymbolExposure,
};
pub use audit::{AuditAction, AuditRecord};
pub use builder::KillSwitchBuilder;
pub use emergency::{EmergencyReport, EmergencyStep, StepKind};
pub use halt::{Halt, Resume};
pub use paper::{PaperPhase, PaperProgress};
pub use relapse::RelapseWatch;
pub use remediation::Remediation;
pub use resume::ResumeError;
pub use sweep::{CancelOutcome, Cancellation, SweepState, SweptOrder, VenueSweep};
pub use switch::KillSwitch;
pub use trigger::{Condition, Trigger};
pub use watcher::{Watcher, WatcherBuildError, WatcherBuilder, WatcherHandle};
