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

// The gate is part of the policy core and always here; the switch that closes it, with its
// emergency procedure (which queries venues), comes with the `venues` feature.
pub use crate::gate::{GateMode, Halted, TradingGate, TripReason};

#[cfg(feature = "venues")]
mod assessment;
#[cfg(feature = "venues")]
mod builder;
#[cfg(feature = "venues")]
mod emergency;
#[cfg(feature = "venues")]
mod paper;
#[cfg(feature = "venues")]
mod relapse;
#[cfg(feature = "venues")]
mod remediation;
#[cfg(feature = "venues")]
mod report_text;
#[cfg(feature = "venues")]
mod resume;
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
pub use builder::KillSwitchBuilder;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use emergency::{EmergencyReport, EmergencyStep, StepKind};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use paper::{PaperPhase, PaperProgress};
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
pub use switch::KillSwitch;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use trigger::{Condition, Trigger};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use watcher::{Watcher, WatcherBuildError, WatcherBuilder, WatcherHandle};
