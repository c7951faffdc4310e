//! Resuming after an emergency: only by an explicit call, and only when validation passes.

use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::audit::AuditAction;
use super::paper::PaperRun;
use super::sweep::SweepState;
use super::{KillSwitch, Resume};
use crate::gate::HaltScope;
use crate::monitor::ComplianceReport;

/// Why [`KillSwitch::resume`] left trading halted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The switch is not tripped (live, or in a paper phase).
    #[error("trading is not halted: nothing to resume")]
    NotHalted,
    /// No scoped halt of this scope is active.
    #[error("no halt of {scope} is active: nothing to resume")]
    ScopeNotHalted {
        /// The scope named.
        scope: HaltScope,
    },
    /// The halt's cancel sweep is still running: whether anything is still open is not known yet.
    #[error(
        "resume refused, trading stays halted: the cancel sweep of {scope} is still running{}",
        open_note(open)
    )]
    SweepPending {
        /// The scope.
        scope: HaltScope,
        /// What its queries still showed open so far, in words.
        open: Vec<String>,
    },
    /// The halt's cancel sweep ended with orders open (or a venue unanswered): resume only by
    /// cancelling them, or by acknowledging every one ([`KillSwitch::resume_acknowledging`]).
    #[error("resume refused, trading stays halted: the cancel sweep of {scope} is incomplete, still open: {}; cancel them or acknowledge each to resume past it", open.join("; "))]
    SweepIncomplete {
        /// The scope.
        scope: HaltScope,
        /// Each order still open and each venue unanswered, in words.
        open: Vec<String>,
        /// What must be acknowledged: the orders' venue ids and the unanswered venues' names.
        to_acknowledge: Vec<String>,
    },
    /// The caches are not compliant or not healthy yet.
    #[error("resume refused, trading stays halted: {}", reasons.join("; "))]
    ValidationFailed {
        /// Each violation and health problem, in words.
        reasons: Vec<String>,
        /// The report that failed.
        report: Box<ComplianceReport>,
    },
}

impl KillSwitch {
    /// Re-validates and, only if every cache is compliant and healthy (feeds back up, static
    /// data in date), re-enables the caches the emergency disabled, then reopens the gate: for
    /// live trading, or, with a [paper phase](super::KillSwitchBuilder::paper_phase), for paper
    /// trading until the phase passes. A [relapse watch](super::KillSwitchBuilder::relapse_watch)
    /// starts now.
    ///
    /// Returns the compliance report taken after the caches were re-enabled.
    ///
    /// # Errors
    ///
    /// [`ResumeError::ValidationFailed`] naming every violation and health problem (trading
    /// stays halted, caches stay disabled); [`ResumeError::NotHalted`] if the switch is not
    /// tripped.
    ///
    /// Refused too while the halt's cancel sweep is pending or incomplete
    /// ([`ResumeError::SweepPending`], [`ResumeError::SweepIncomplete`], naming the open
    /// orders); see [`resume_acknowledging`](Self::resume_acknowledging).
    pub fn resume(&self) -> Result<ComplianceReport, ResumeError> {
        self.resume_with(Resume::all())
    }

    /// [`resume`](Self::resume) past an incomplete cancel sweep: `orders` must name every order
    /// the sweep left open (its venue order id) and every venue whose open orders are unknown
    /// (its name), as [`ResumeError::SweepIncomplete::to_acknowledge`] lists them. The report
    /// records the acknowledgment.
    ///
    /// # Errors
    ///
    /// As [`resume`](Self::resume); [`ResumeError::SweepIncomplete`] if an order is not
    /// acknowledged.
    pub fn resume_acknowledging<I, S>(&self, orders: I) -> Result<ComplianceReport, ResumeError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.resume_with(Resume::all().acknowledging(orders))
    }

    /// Lifts the scoped halt of `scope` (its sweep must be done, as for [`resume`](Self::resume)).
    ///
    /// # Errors
    ///
    /// [`ResumeError::ScopeNotHalted`] if no halt of `scope` is active; the sweep's refusals
    /// as [`resume`](Self::resume).
    pub fn resume_scope(&self, scope: &HaltScope) -> Result<ComplianceReport, ResumeError> {
        self.resume_with(Resume::scope(scope.clone()))
    }

    /// Lifts the halt `resume` names (everything, or one scope), with its actor and
    /// acknowledgments: every outcome, refused or not, is an audit record.
    ///
    /// # Errors
    ///
    /// As [`resume`](Self::resume) and [`resume_scope`](Self::resume_scope).
    pub fn resume_with(&self, resume: Resume) -> Result<ComplianceReport, ResumeError> {
        let Resume {
            scope,
            actor,
            acknowledged,
        } = resume;
        let actor = actor.unwrap_or_else(|| "KillSwitch::resume".to_owned());
        let inner = &*self.inner;
        let mut reports = self.procedure();
        let halted = if scope.is_all() {
            !inner.gate.is_open()
        } else {
            inner
                .gate
                .scoped_halts()
                .iter()
                .any(|h| *h.scope() == scope)
        };
        // The report of the halt being lifted: the last of its scope.
        let trip = reports
            .iter()
            .rev()
            .find(|r| r.scope == scope)
            .map(|r| r.trip);
        let refuse = |this: &Self,
                      reports: &mut std::collections::VecDeque<super::EmergencyReport>,
                      error: ResumeError,
                      orders: Vec<String>| {
            this.audit(
                reports,
                AuditAction::ResumeRefused,
                &actor,
                error.to_string(),
                &scope,
                trip,
                orders,
            );
            Err(error)
        };
        if !halted {
            let error = if scope.is_all() {
                ResumeError::NotHalted
            } else {
                ResumeError::ScopeNotHalted {
                    scope: scope.clone(),
                }
            };
            return refuse(self, &mut reports, error, Vec::new());
        }
        let cancellation = trip
            .and_then(|t| reports.iter().find(|r| r.trip == t))
            .map(|r| r.cancellation.clone());
        let mut acknowledge = None;
        if let Some(c) = &cancellation {
            match c.state {
                SweepState::Pending => {
                    let open = c.describe_open();
                    let error = ResumeError::SweepPending {
                        scope: scope.clone(),
                        open,
                    };
                    return refuse(self, &mut reports, error, c.to_acknowledge());
                }
                SweepState::Incomplete => {
                    let needed = c.to_acknowledge();
                    let missing =
                        acknowledged.is_empty() || needed.iter().any(|n| !acknowledged.contains(n));
                    if missing {
                        let error = ResumeError::SweepIncomplete {
                            scope: scope.clone(),
                            open: c.describe_open(),
                            to_acknowledge: needed.clone(),
                        };
                        return refuse(self, &mut reports, error, needed);
                    }
                    acknowledge = Some(needed);
                }
                _ => {}
            }
        }
        if !scope.is_all() {
            if let Some(needed) = acknowledge {
                self.acknowledge(&mut reports, trip, &actor, &scope, needed);
            }
            inner.gate.open_scope(&scope);
            self.audit(
                &mut reports,
                AuditAction::Resume,
                &actor,
                format!("scoped halt of {scope} lifted"),
                &scope,
                trip,
                Vec::new(),
            );
            tracing::warn!(step = "resume", outcome = "resumed", %scope, "scoped halt lifted");
            drop(reports);
            return Ok(inner.registry.report());
        }
        let report = inner.registry.report();
        if !report.ready_to_resume() {
            let reasons: Vec<String> = report
                .violations
                .iter()
                .map(ToString::to_string)
                .chain(report.health_problems.iter().map(ToString::to_string))
                .collect();
            tracing::error!(
                step = "resume",
                outcome = "refused",
                compliant = report.compliant,
                healthy = report.healthy,
                reasons = ?reasons,
                "resume refused: validation failed, trading stays halted"
            );
            let error = ResumeError::ValidationFailed {
                reasons,
                report: Box::new(report),
            };
            return refuse(self, &mut reports, error, Vec::new());
        }
        if let Some(needed) = acknowledge {
            self.acknowledge(&mut reports, trip, &actor, &scope, needed);
        }
        // Caches first, gate last: an order allowed through finds its data readable.
        let enabled = inner.registry.leave_emergency();
        // AcqRel: the caches re-enabled above happen before a reader that sees this count.
        inner.resumes.fetch_add(1, Ordering::AcqRel);
        *inner
            .last_resume
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(inner.clock.now());
        let after = inner.registry.report();
        match &inner.config.paper {
            Some(phase) => {
                inner
                    .gate
                    .enter_paper(PaperRun::start(phase.clone(), self, &after));
                tracing::warn!(
                    step = "resume",
                    outcome = "paper",
                    caches_enabled = enabled.len(),
                    orders_needed = phase.orders_needed(),
                    "validation passed: caches re-enabled, paper phase started: orders are simulated, none sent"
                );
            }
            None => {
                inner.gate.open();
                tracing::warn!(
                    step = "resume",
                    outcome = "resumed",
                    caches_enabled = enabled.len(),
                    "validation passed: caches re-enabled, trading resumed"
                );
            }
        }
        self.audit(
            &mut reports,
            AuditAction::Resume,
            &actor,
            format!("resumed: gate {}", inner.gate.mode()),
            &scope,
            trip,
            Vec::new(),
        );
        drop(reports);
        inner.halts.send_replace(None);
        inner.modes.send_replace(inner.gate.mode());
        Ok(after)
    }

    /// Records a resume refused before it reached the switch: a control surface (the
    /// [ops endpoint](crate::ops), an operator console of your own) that turned a request away,
    /// for want of an operator name or of a readable body, still leaves an audit record
    /// ([`AuditAction::ResumeRefused`]) naming `actor`, `reason` and `scope`, attached to the
    /// report of that scope's last halt. Nothing else changes: the gate stays as it is.
    ///
    /// ```
    /// use hft_cache::kill_switch::{AuditAction, HaltScope, KillSwitch};
    /// use hft_cache::monitor::Registry;
    ///
    /// let kill = KillSwitch::builder().registry(&Registry::new()).build();
    /// kill.trip("risk desk");
    /// let record = kill.audit_refused_resume(&HaltScope::All, "console.anonymous", "no operator named");
    /// assert_eq!(record.action, AuditAction::ResumeRefused);
    /// assert_eq!(record.report, Some(1));
    /// assert!(kill.is_halted());
    /// assert_eq!(kill.last_report().unwrap().audit.last(), Some(&record));
    /// ```
    pub fn audit_refused_resume(
        &self,
        scope: &HaltScope,
        actor: &str,
        reason: impl Into<String>,
    ) -> super::AuditRecord {
        let mut reports = self.procedure();
        let trip = reports
            .iter()
            .rev()
            .find(|r| r.scope == *scope)
            .map(|r| r.trip);
        let record = self.audit(
            &mut reports,
            AuditAction::ResumeRefused,
            actor,
            reason.into(),
            scope,
            trip,
            Vec::new(),
        );
        drop(reports);
        self.inner.updates.send_modify(|n| *n += 1);
        record
    }

    fn acknowledge(
        &self,
        reports: &mut std::collections::VecDeque<super::EmergencyReport>,
        trip: Option<u64>,
        actor: &str,
        scope: &HaltScope,
        orders: Vec<String>,
    ) {
        if let Some(report) = trip.and_then(|t| reports.iter_mut().find(|r| r.trip == t)) {
            report.cancellation.acknowledged = orders.clone();
        }
        self.audit(
            reports,
            AuditAction::Acknowledge,
            actor,
            "resumed past an incomplete cancel sweep: these orders were acknowledged as left open"
                .to_owned(),
            scope,
            trip,
            orders,
        );
        self.inner.updates.send_modify(|n| *n += 1);
    }
}

fn open_note(open: &[String]) -> String {
    if open.is_empty() {
        String::new()
    } else {
        format!(" (open so far: {})", open.join("; "))
    }
}

crate::class::declare_class!(Plain for ResumeError);
