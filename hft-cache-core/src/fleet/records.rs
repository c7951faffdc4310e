//! The JSON records the fleet keeps on the server: halts, leases, compliance, audit events.

use serde::{Deserialize, Serialize};

use crate::gate::{GateMode, HaltScope};
use crate::monitor::ComplianceReport;

/// A halt in force, as the halts bucket holds it under its scope's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetHalt {
    /// The halt's id, unique per halt: members obey each id once.
    pub halt_id: String,
    /// Who asked for it.
    pub by: String,
    /// Why.
    pub why: String,
    /// When, in milliseconds since the Unix epoch.
    pub at: u64,
}

/// A member's lease, as the leases bucket holds it under the member's name: renewed every
/// quarter lease; the bucket's max age (the lease) removes it when renewals stop, leaving an
/// expiry marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    /// The member's name.
    pub member: String,
    /// The host it runs on.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// Its gate's mode at the renewal (`live`, `paper`, `halted`).
    pub mode: String,
    /// The scoped halts in force on it, in words (`symbol BTCUSDT`).
    pub scopes: Vec<String>,
    /// When renewed, in milliseconds since the Unix epoch.
    pub renewed_at: u64,
    /// The lease, in milliseconds.
    pub lease_ms: u64,
}

/// A member's compliance report, published on every trip and periodically to its own subject
/// (the stream keeps the last N per member).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ComplianceRecord<'a> {
    /// The member's name.
    pub(crate) member: &'a str,
    /// The host it runs on.
    pub host: &'a str,
    /// Its gate's mode.
    pub mode: GateMode,
    /// The scoped halts in force on it, in words.
    pub scopes: Vec<String>,
    /// When, in milliseconds since the Unix epoch.
    pub at: u64,
    /// The member's last record: it left the fleet.
    pub left: bool,
    /// The report.
    pub report: &'a ComplianceReport,
}

/// One record of the fleet's audit stream: who did what, to which scope, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// What happened: `fleet_halt`, `resume_requested`, `obeyed`, `trip`, `scoped_halt`,
    /// `resume`, `acknowledge`, `resume_refused`, `joined`.
    pub action: String,
    /// Who: the operator, or the member that acted.
    pub by: String,
    /// The member it concerns, if one.
    pub member: Option<String>,
    /// The scope.
    pub scope: HaltScope,
    /// Why, or the outcome, in words.
    pub why: String,
    /// The fleet halt concerned, if one.
    pub halt_id: Option<String>,
    /// The member's emergency report concerned (its trip number), if one.
    pub report: Option<u64>,
    /// The cancel sweep's outcome (`pending`, `done`, `incomplete`), for `obeyed`.
    pub sweep: Option<String>,
    /// When, in milliseconds since the Unix epoch.
    pub at: u64,
    /// More, as JSON: the emergency report of a trip, the compliance report of a resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

crate::class::declare_class!(Plain for FleetHalt);
crate::class::declare_class!(Plain for LeaseRecord);
crate::class::declare_class!(Plain for AuditEvent);
