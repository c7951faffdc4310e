//! Resuming after an emergency: only by an explicit call, and only when validation passes.

use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::paper::PaperRun;
use super::KillSwitch;
use crate::monitor::ComplianceReport;

/// Why [`KillSwitch::resume`] left trading halted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The switch is not tripped (live, or in a paper phase).
    #[error("trading is not halted: nothing to resume")]
    NotHalted,
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
    pub fn resume(&self) -> Result<ComplianceReport, ResumeError> {
        let inner = &*self.inner;
        let _one_procedure_at_a_time = self.procedure();
        if inner.gate.is_open() {
            return Err(ResumeError::NotHalted);
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
            return Err(ResumeError::ValidationFailed {
                reasons,
                report: Box::new(report),
            });
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
        inner.halts.send_replace(None);
        inner.modes.send_replace(inner.gate.mode());
        Ok(after)
    }
}

crate::class::declare_class!(Plain for ResumeError);
