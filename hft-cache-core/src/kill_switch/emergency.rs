//! The emergency procedure ([`KillSwitch::trip`]) and its [`EmergencyReport`].

use std::fmt;

use serde::Serialize;

use super::{Halted, KillSwitch, TripReason};
use crate::clock::Timestamp;
use crate::monitor::durations::unix_millis;
use crate::monitor::ComplianceReport;

/// What an emergency stop did and found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyReport {
    /// Why the switch was tripped.
    pub reason: TripReason,
    /// When, on the kill switch's clock (nanoseconds from its origin).
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// `false` when trading was already halted by an earlier trip (whose reason the gate keeps).
    pub halted_trading: bool,
    /// The steps run, in order.
    pub steps: Vec<EmergencyStep>,
    /// The caches this trip disabled (those already disabled are not listed again).
    pub disabled_caches: Vec<String>,
    /// Whether every registered cache now refuses reads.
    pub all_caches_disabled: bool,
    /// The validation: the compliance report taken with the caches disabled.
    pub compliance: ComplianceReport,
}

/// One step of the emergency procedure and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyStep {
    /// Which step.
    pub step: StepKind,
    /// What it did, in words.
    pub outcome: String,
}

/// The policy's emergency steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepKind {
    /// Close the trading gate: order placement fails at once.
    HaltTrading,
    /// Disable every cache: reads fail, only fresh calls remain.
    DisableCaches,
    /// Take the compliance report.
    Validate,
    /// Record and log the emergency report.
    Report,
}

impl StepKind {
    /// The step's name, as in logs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::HaltTrading => "halt_trading",
            StepKind::DisableCaches => "disable_caches",
            StepKind::Validate => "validate",
            StepKind::Report => "report",
        }
    }
}

impl KillSwitch {
    /// Runs the emergency procedure: halts trading, disables every registered cache,
    /// validates, and reports. Trading stays halted until [`resume`](KillSwitch::resume).
    ///
    /// Tripping a halted switch runs the steps again (disabling any cache registered since)
    /// and records another report; the gate keeps the first reason.
    pub fn trip(&self, reason: impl Into<TripReason>) -> EmergencyReport {
        let reason = reason.into();
        let inner = &*self.inner;
        let mut reports = self.procedure();
        let trigger = reason.trigger();
        let cache = reason.cache().unwrap_or("-");
        let at = inner.clock.now();
        let at_unix_ms = unix_millis();
        let mut steps = Vec::with_capacity(4);

        let halted_trading = inner.gate.close(Halted {
            reason: reason.clone(),
            at,
            at_unix_ms,
        });
        tracing::error!(
            step = StepKind::HaltTrading.as_str(),
            trigger,
            cache,
            reason = %reason,
            already_halted = !halted_trading,
            "emergency: trading halted, order placement refused"
        );
        steps.push(EmergencyStep {
            step: StepKind::HaltTrading,
            outcome: if halted_trading {
                "trading gate closed: order placement refused".to_owned()
            } else {
                "trading gate already closed by an earlier trip".to_owned()
            },
        });

        let disabled: Vec<String> = inner
            .registry
            .enter_emergency()
            .into_iter()
            .map(|c| c.name)
            .collect();
        tracing::error!(
            step = StepKind::DisableCaches.as_str(),
            trigger,
            cache,
            disabled = disabled.len(),
            caches = ?disabled,
            "emergency: caches disabled, reads refused: only fresh calls remain"
        );
        steps.push(EmergencyStep {
            step: StepKind::DisableCaches,
            outcome: format!(
                "disabled {} cache(s){}{}; only fresh calls remain",
                disabled.len(),
                if disabled.is_empty() { "" } else { ": " },
                disabled.join(", ")
            ),
        });

        let compliance = inner.registry.report();
        let all_caches_disabled = compliance.caches.iter().all(|c| !c.enabled);
        tracing::error!(
            step = StepKind::Validate.as_str(),
            trigger,
            cache,
            compliant = compliance.compliant,
            healthy = compliance.healthy,
            violations = compliance.violations.len(),
            health_problems = compliance.health_problems.len(),
            all_caches_disabled,
            "emergency: validation"
        );
        steps.push(EmergencyStep {
            step: StepKind::Validate,
            outcome: format!(
                "{}, {} ({} violation(s), {} health problem(s)); {}",
                if compliance.compliant {
                    "compliant"
                } else {
                    "NOT COMPLIANT"
                },
                if compliance.healthy {
                    "healthy"
                } else {
                    "unhealthy"
                },
                compliance.violations.len(),
                compliance.health_problems.len(),
                if all_caches_disabled {
                    "every cache refuses reads"
                } else {
                    "SOME CACHES STILL SERVE"
                },
            ),
        });

        steps.push(EmergencyStep {
            step: StepKind::Report,
            outcome: "emergency report recorded; resume requires an explicit, validated call"
                .to_owned(),
        });
        let report = EmergencyReport {
            reason: reason.clone(),
            at,
            at_unix_ms,
            halted_trading,
            steps,
            disabled_caches: disabled,
            all_caches_disabled,
            compliance,
        };
        tracing::error!(
            step = StepKind::Report.as_str(),
            trigger,
            cache,
            report = %report.to_json(),
            "emergency: report"
        );
        Self::keep(&mut reports, report.clone());
        drop(reports);
        inner.halts.send_replace(inner.gate.halted());
        report
    }
}

impl EmergencyReport {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        // Every field serialises (no maps with non-string keys, no fallible impls).
        serde_json::to_string(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }
}

impl fmt::Display for EmergencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "EMERGENCY STOP: {}", self.reason)?;
        for (n, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {}: {}", n + 1, step.step.as_str(), step.outcome)?;
        }
        write!(f, "{}", self.compliance)
    }
}
