//! [`Halt`] and [`Resume`]: a trip or a resume with its scope, actor and acknowledgments.

use crate::gate::{HaltScope, TripReason};

/// A halt to run with [`KillSwitch::halt`](super::KillSwitch::halt): why, what it covers
/// (default everything), and who asked (default the code path).
///
/// ```
/// use hft_cache::kill_switch::{Halt, HaltScope, KillSwitch};
/// use hft_cache::monitor::Registry;
///
/// let kill = KillSwitch::builder().registry(&Registry::new()).build();
/// let report = kill.halt(Halt::new("mm quotes wrong").scope(HaltScope::strategy("mm-")).by("alice"));
/// assert_eq!(report.actor, "alice");
/// assert!(!kill.is_halted(), "only the strategy's orders are refused");
/// kill.resume_scope(&HaltScope::strategy("mm-"))?;
/// # Ok::<(), hft_cache::kill_switch::ResumeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Halt {
    pub(crate) reason: TripReason,
    pub(crate) scope: HaltScope,
    pub(crate) actor: Option<String>,
}

impl Halt {
    /// A halt of everything, for `reason`.
    pub fn new(reason: impl Into<TripReason>) -> Self {
        Halt {
            reason: reason.into(),
            scope: HaltScope::All,
            actor: None,
        }
    }

    /// What the halt covers (default [`HaltScope::All`]).
    pub fn scope(mut self, scope: HaltScope) -> Self {
        self.scope = scope;
        self
    }

    /// Who asked for it, for the audit trail.
    pub fn by(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }
}

/// A resume to run with [`KillSwitch::resume_with`](super::KillSwitch::resume_with): which halt
/// it lifts (default everything), who asked, and the orders of an incomplete sweep acknowledged
/// as left open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Resume {
    pub(crate) scope: HaltScope,
    pub(crate) actor: Option<String>,
    pub(crate) acknowledged: Vec<String>,
}

impl Resume {
    /// Lifts the halt of everything.
    pub fn all() -> Self {
        Resume::default()
    }

    /// Lifts the scoped halt of `scope`.
    pub fn scope(scope: HaltScope) -> Self {
        Resume {
            scope,
            ..Resume::default()
        }
    }

    /// Who asked for it, for the audit trail.
    pub fn by(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Resumes past an incomplete sweep, acknowledging each order it left open (by venue
    /// order id) and each venue whose open orders are unknown (by venue name). Every one the
    /// sweep lists must be acknowledged.
    pub fn acknowledging<I, S>(mut self, orders: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.acknowledged.extend(orders.into_iter().map(Into::into));
        self
    }
}

crate::class::declare_class!(Plain for Halt);
crate::class::declare_class!(Plain for Resume);
