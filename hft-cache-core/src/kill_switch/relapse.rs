//! Watching for relapse: for a while after a resume, triggers fire at tighter limits.

use std::time::Duration;

use super::trigger::{Condition, Trigger};

/// For `period` after a resume, a [`Watcher`](super::Watcher) evaluates its triggers with limits
/// multiplied by `factor` (default ½: half the unhealthy duration, half the stale-refusal
/// count), and a trigger that fires then trips the switch with a
/// [`TripReason::Relapse`](super::TripReason::Relapse) naming it.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::kill_switch::RelapseWatch;
/// use hft_cache::kill_switch::KillSwitch;
/// use hft_cache::monitor::Registry;
///
/// let kill = KillSwitch::builder()
///     .registry(&Registry::new())
///     .relapse_watch(RelapseWatch::new(Duration::from_secs(300)).factor(0.25))
///     .build();
/// # let _ = kill;
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelapseWatch {
    period: Duration,
    factor: f64,
}

impl RelapseWatch {
    /// Tighter limits for `period` after each resume.
    pub fn new(period: Duration) -> Self {
        RelapseWatch {
            period,
            factor: 0.5,
        }
    }

    /// The limits' multiplier during the watch (default 0.5), clamped to `0.0..=1.0`: a relapse
    /// watch only ever tightens.
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = if factor.is_nan() {
            0.5
        } else {
            factor.clamp(0.0, 1.0)
        };
        self
    }

    /// How long the watch lasts after a resume.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// `trigger` with its limits tightened.
    pub(crate) fn tighten(&self, trigger: &Trigger) -> Trigger {
        let condition = match trigger.condition() {
            Condition::FeedUnhealthyFor { longer_than } => Condition::FeedUnhealthyFor {
                longer_than: longer_than.mul_f64(self.factor),
            },
            Condition::StaleRefusals { more_than, within } => Condition::StaleRefusals {
                // Truncating: tighter, never looser.
                more_than: (more_than as f64 * self.factor) as u64,
                within,
            },
            other => other,
        };
        trigger.with_condition(condition)
    }
}

crate::class::declare_class!(Plain for RelapseWatch);
