//! The kill switch: a [`TradingGate`] that order paths check, an emergency procedure that
//! halts trading and disables every cache, and [`Trigger`]s that trip it on their own.
//!
//! The procedure follows the policy's steps, each logged at error level with structured fields
//! (`step`, `trigger`, `cache`, ...):
//!
//! 1. **halt trading**: the gate closes; every [`TradingGate::check`] fails with [`Halted`];
//! 2. **disable the caches**: every registered cache refuses reads, so only fresh calls remain
//!    (caches registered during the emergency are disabled as they arrive);
//! 3. **validate**: a [`ComplianceReport`](crate::ComplianceReport) of every cache;
//! 4. **report**: an [`EmergencyReport`], returned, kept, and logged as JSON.
//!
//! Trading stays halted until [`KillSwitch::resume`], which succeeds only when a new report is
//! compliant and healthy (every feed back up, no static data past its max age).

mod builder;
mod emergency;
mod gate;
mod reason;
mod resume;
mod switch;
mod trigger;
mod watcher;

pub use builder::KillSwitchBuilder;
pub use emergency::{EmergencyReport, EmergencyStep, StepKind};
pub use gate::{Halted, TradingGate};
pub use reason::TripReason;
pub use resume::ResumeError;
pub use switch::KillSwitch;
pub use trigger::{Condition, Trigger};
pub use watcher::{Watcher, WatcherBuildError, WatcherBuilder, WatcherHandle};
