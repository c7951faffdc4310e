//! Who halted and resumed, when and why: the [`AuditRecord`]s of a kill switch.

use serde::Serialize;

use crate::clock::Timestamp;
use crate::gate::{HaltScope, TripReason};

/// What an [`AuditRecord`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// A halt of everything.
    Trip,
    /// A halt of one venue, symbol or strategy.
    ScopedHalt,
    /// A halt lifted.
    Resume,
    /// Orders of an incomplete sweep acknowledged to resume past it.
    Acknowledge,
    /// A resume refused (validation failed, sweep pending or incomplete, nothing to lift).
    ResumeRefused,
}

impl AuditAction {
    /// The action's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Trip => "trip",
            AuditAction::ScopedHalt => "scoped_halt",
            AuditAction::Resume => "resume",
            AuditAction::Acknowledge => "acknowledge",
            AuditAction::ResumeRefused => "resume_refused",
        }
    }
}

/// One audit record: every trip, scoped halt, resume, acknowledgment and refused resume. Kept by
/// the switch ([`KillSwitch::audit_trail`](super::KillSwitch::audit_trail)), in the report it
/// concerns ([`EmergencyReport::audit`](super::EmergencyReport::audit)), and appended as one JSON
/// line (`{"audit":{..}}`) to the order journal's file, if the switch has a journal with one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the switch's audit trail, from 1.
    pub seq: u64,
    /// When, on the kill switch's clock.
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// What happened.
    pub action: AuditAction,
    /// Who: the operator named ([`Halt::by`](super::Halt::by), [`Resume::by`](super::Resume::by)),
    /// else the trigger (`trigger feed_unhealthy`) or the code path (`KillSwitch::trip`).
    pub actor: String,
    /// Why, in words: the trip's reason, or the resume's outcome.
    pub reason: String,
    /// The halt's scope.
    pub scope: HaltScope,
    /// The emergency report concerned (its trip number), if any.
    pub report: Option<u64>,
    /// The orders acknowledged, or still open when a resume was refused.
    pub orders: Vec<String>,
}

/// The actor of a trip nobody named: the trigger, or the code path.
pub(crate) fn default_actor(reason: &TripReason) -> String {
    match reason {
        TripReason::Manual { .. } => "KillSwitch::trip".to_owned(),
        other => format!("trigger {}", other.trigger()),
    }
}

crate::class::declare_class!(Plain for AuditAction);
crate::class::declare_class!(Plain for AuditRecord);
