//! [`TripReason`]: why the kill switch was tripped, naming the trigger and the cache.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::monitor::Violation;
use crate::report_format::{duration_ms, opt_duration_ms};

/// Why the kill switch was tripped: by hand, or by which [`Trigger`](crate::kill_switch::Trigger)
/// on which cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TripReason {
    /// Tripped by a call to [`KillSwitch::trip`](crate::kill_switch::KillSwitch::trip).
    Manual {
        /// What the caller said.
        reason: String,
    },
    /// A stream feed stayed unhealthy longer than allowed.
    FeedUnhealthy {
        /// The cache the feed writes.
        cache: String,
        /// The feed.
        feed: String,
        /// Why it is unhealthy, as it reported.
        fault: Option<String>,
        /// How long it has been unhealthy.
        #[serde(with = "duration_ms")]
        unhealthy_for: Duration,
        /// The trigger's limit.
        #[serde(with = "duration_ms")]
        limit: Duration,
    },
    /// A cache refused too many stale reads within the trigger's window.
    StaleRefusals {
        /// The cache.
        cache: String,
        /// Stale refusals counted in the window.
        refusals: u64,
        /// The trigger's limit (it fires above it).
        limit: u64,
        /// The trigger's window.
        #[serde(with = "duration_ms")]
        within: Duration,
    },
    /// A static cache's refresh failed and its data is past its max age.
    RefreshFailingPastMaxAge {
        /// The cache.
        cache: String,
        /// How old its data is.
        #[serde(with = "opt_duration_ms")]
        age: Option<Duration>,
        /// Its max age.
        #[serde(with = "duration_ms")]
        max_age: Duration,
        /// Failed refreshes since the last success.
        failures: u64,
    },
    /// The compliance report found a violation.
    ComplianceViolation {
        /// The violation.
        violation: Violation,
    },
    /// The paper phase after a resume saw a fault: a stale or refused read, an unhealthy feed,
    /// a policy violation.
    PaperFault {
        /// What it saw, in words.
        fault: String,
    },
    /// A scoped halt (one venue, symbol or strategy): what the gate refuses that scope's orders
    /// with. The report keeps the cause as its reason and the scope beside it.
    Scoped {
        /// What the halt covers.
        scope: super::HaltScope,
        /// Why it was halted.
        cause: Box<TripReason>,
    },
    /// Pre-trade refusals of one rule came in a burst: the
    /// [`PreTrade`](crate::pre_trade::PreTrade) controls' escalation.
    PreTradeBreach {
        /// The rule (`price_collar`, `input_expired`, ...).
        rule: String,
        /// Refusals of it counted in the window.
        refusals: u64,
        /// The escalation's count (it fires at it).
        limit: u64,
        /// The escalation's window.
        #[serde(with = "duration_ms")]
        within: Duration,
        /// The last refusal, in words.
        last: String,
    },
    /// The venue's own dead man's switch could not be kept armed: a re-arm failed after its
    /// retries, or came so late (the process stalled) that the venue's countdown had lapsed.
    /// Raised by [`DeadMan`](crate::kill_switch::DeadMan).
    DeadManFailed {
        /// The venue (`binance-futures`).
        venue: String,
        /// The symbol whose countdown could not be renewed.
        symbol: String,
        /// Attempts made.
        attempts: u32,
        /// What went wrong, in words.
        error: String,
    },
    /// The process lost its control plane: no renewal of its fleet lease was acknowledged for a
    /// whole lease, measured on its own clock (feature `fleet`). Trading stays halted after the
    /// link returns, until a validated resume.
    ControlPlaneLost {
        /// How long since the last acknowledged renewal.
        #[serde(with = "duration_ms")]
        unacknowledged_for: Duration,
        /// The lease.
        #[serde(with = "duration_ms")]
        lease: Duration,
        /// The last renewal's failure, in words, if one failed (rather than never answering).
        last_error: Option<String>,
    },
    /// A trigger fired, at its tightened limits, within the relapse watch after a resume.
    Relapse {
        /// How long after the resume.
        #[serde(with = "duration_ms")]
        after_resume: Duration,
        /// The watch period.
        #[serde(with = "duration_ms")]
        watch: Duration,
        /// The trigger that fired, with its tightened limits.
        cause: Box<TripReason>,
    },
}

impl TripReason {
    /// The trigger's short name, as in the JSON `trigger` field (`"manual"` for a manual trip).
    pub fn trigger(&self) -> &'static str {
        match self {
            TripReason::Manual { .. } => "manual",
            TripReason::FeedUnhealthy { .. } => "feed_unhealthy",
            TripReason::StaleRefusals { .. } => "stale_refusals",
            TripReason::RefreshFailingPastMaxAge { .. } => "refresh_failing_past_max_age",
            TripReason::ComplianceViolation { .. } => "compliance_violation",
            TripReason::PaperFault { .. } => "paper_fault",
            TripReason::PreTradeBreach { .. } => "pre_trade_breach",
            TripReason::DeadManFailed { .. } => "dead_man_failed",
            TripReason::Relapse { .. } => "relapse",
            TripReason::ControlPlaneLost { .. } => "control_plane_lost",
            TripReason::Scoped { cause, .. } => cause.trigger(),
        }
    }

    /// The cache concerned, if a trigger fired on one.
    pub fn cache(&self) -> Option<&str> {
        match self {
            TripReason::Manual { .. }
            | TripReason::PaperFault { .. }
            | TripReason::PreTradeBreach { .. }
            | TripReason::DeadManFailed { .. }
            | TripReason::ControlPlaneLost { .. } => None,
            TripReason::Relapse { cause, .. } | TripReason::Scoped { cause, .. } => cause.cache(),
            TripReason::FeedUnhealthy { cache, .. }
            | TripReason::StaleRefusals { cache, .. }
            | TripReason::RefreshFailingPastMaxAge { cache, .. } => Some(cache),
            TripReason::ComplianceViolation { violation } => Some(violation.cache()),
        }
    }
}

impl From<&str> for TripReason {
    fn from(reason: &str) -> Self {
        TripReason::Manual {
            reason: reason.to_owned(),
        }
    }
}

impl From<String> for TripReason {
    fn from(reason: String) -> Self {
        TripReason::Manual { reason }
    }
}

impl fmt::Display for TripReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TripReason::Manual { reason } => write!(f, "manual stop: {reason}"),
            TripReason::FeedUnhealthy {
                cache,
                feed,
                fault,
                unhealthy_for,
                limit,
            } => {
                write!(
                    f,
                    "trigger feed_unhealthy: feed `{feed}` of cache `{cache}` unhealthy for {unhealthy_for:?} (limit {limit:?})"
                )?;
                match fault {
                    Some(fault) => write!(f, ": {fault}"),
                    None => Ok(()),
                }
            }
            TripReason::StaleRefusals {
                cache,
                refusals,
                limit,
                within,
            } => write!(
                f,
                "trigger stale_refusals: cache `{cache}` refused {refusals} stale reads within {within:?} (limit {limit})"
            ),
            TripReason::RefreshFailingPastMaxAge {
                cache,
                age,
                max_age,
                failures,
            } => {
                write!(
                    f,
                    "trigger refresh_failing_past_max_age: cache `{cache}` failed {failures} refresh(es) and its data is "
                )?;
                match age {
                    Some(age) => write!(f, "{age:?} old, past its max age of {max_age:?}"),
                    None => write!(f, "absent"),
                }
            }
            TripReason::ComplianceViolation { violation } => {
                write!(f, "trigger compliance_violation: {violation}")
            }
            TripReason::PaperFault { fault } => {
                write!(f, "paper phase failed, trading stays halted: {fault}")
            }
            TripReason::PreTradeBreach {
                rule,
                refusals,
                limit,
                within,
                last,
            } => write!(
                f,
                "trigger pre_trade_breach: {refusals} pre-trade refusals of rule `{rule}` within {within:?} (limit {limit}); last: {last}"
            ),
            TripReason::DeadManFailed {
                venue,
                symbol,
                attempts,
                error,
            } => match attempts {
                // No renewal was tried: the process woke up past the countdown.
                0 => write!(
                    f,
                    "trigger dead_man_failed: the {venue} countdown of {symbol} lapsed: {error}"
                ),
                _ => write!(
                    f,
                    "trigger dead_man_failed: the {venue} countdown of {symbol} could not be kept armed after {attempts} attempt(s): {error}"
                ),
            },
            TripReason::Scoped { scope, cause } => write!(f, "{cause}, for {scope}"),
            TripReason::ControlPlaneLost {
                unacknowledged_for,
                lease,
                last_error,
            } => {
                write!(
                    f,
                    "trigger control_plane_lost: no lease renewal acknowledged for {unacknowledged_for:?} (lease {lease:?}); trading stays halted until a validated resume"
                )?;
                match last_error {
                    Some(error) => write!(f, ": {error}"),
                    None => Ok(()),
                }
            }
            TripReason::Relapse {
                after_resume,
                watch,
                cause,
            } => write!(
                f,
                "relapse {after_resume:?} after the resume (watch {watch:?}, tightened limits): {cause}"
            ),
        }
    }
}

crate::class::declare_class!(Plain for TripReason);
