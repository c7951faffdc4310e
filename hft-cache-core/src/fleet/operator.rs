//! The operator's side: halt, request a resume, read the fleet's status.

use serde::{Deserialize, Serialize};

use super::audit;
use super::client::{FleetClient, COMPLIANCE_PREFIX, RESUME_REQUEST_SUBJECT};
use super::current::current_entries;
use super::error::FleetError;
use super::records::{AuditEvent, FleetHalt, LeaseRecord};
use super::scope_key::{parse_scope_key, scope_key};
use crate::gate::HaltScope;
use crate::report_format::unix_millis;

/// A resume the fleet asked for ([`FleetClient::resume`]): the halt it lifted from the bucket,
/// if one was in force. Each member then runs its own validated resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResumeRequest {
    /// The scope.
    pub scope: HaltScope,
    /// Who asked.
    pub by: String,
    /// The request's id (in the audit trail).
    pub request_id: String,
    /// The fleet halt removed from the halts bucket, if one was in force.
    pub lifted: Option<FleetHalt>,
}

/// The state of one member's lease, as the leases bucket shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseState {
    /// Renewed within the lease.
    Live,
    /// Not renewed for a whole lease: the server removed it and left an expiry marker. The
    /// member has halted itself, or is gone.
    Expired,
    /// The member left the fleet (its lease deleted on the way out).
    Left,
}

/// One member in [`FleetStatus`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberStatus {
    /// The member's name.
    pub name: String,
    /// Its lease's state.
    pub lease: LeaseState,
    /// Its host, from its last lease or report.
    pub host: Option<String>,
    /// Its gate's mode (`live`, `paper`, `halted`) at its last renewal or report.
    pub mode: Option<String>,
    /// The scoped halts in force on it then, in words.
    pub scopes: Vec<String>,
    /// When its lease was last renewed, in milliseconds since the Unix epoch.
    pub renewed_at: Option<u64>,
    /// When it last published its compliance report, in milliseconds since the Unix epoch.
    pub last_report_at: Option<u64>,
}

/// A halt in force, with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HaltInForce {
    /// What it covers.
    pub scope: HaltScope,
    /// The halt.
    #[serde(flatten)]
    pub halt: FleetHalt,
}

/// The fleet at a glance: halts in force and every member ([`FleetClient::status`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetStatus {
    /// The server's version.
    pub server_version: String,
    /// The halts in force.
    pub halts: Vec<HaltInForce>,
    /// Every member with a lease, live, expired or left, by name.
    pub members: Vec<MemberStatus>,
}

/// What a member's compliance record says about it (its report is not needed here).
#[derive(Deserialize)]
struct ComplianceSummary {
    host: String,
    mode: String,
    scopes: Vec<String>,
    at: u64,
    #[serde(default)]
    left: bool,
}

/// A new id, unique across operators and members: milliseconds and 64 random bits.
pub(super) fn new_id() -> String {
    format!("{:x}-{:016x}", unix_millis(), fastrand::u64(..))
}

impl FleetClient {
    /// Puts a halt of `scope` in force across the fleet: every member watching the halts
    /// bucket trips its own kill switch with that scope. Recorded in the audit trail.
    ///
    /// # Errors
    ///
    /// [`FleetError::InvalidName`] for a scope that cannot be a key; [`FleetError::Request`] if
    /// the write fails (the halt is not in force), or if the halt is in force but its audit
    /// record could not be written (the message says so).
    pub async fn halt(
        &self,
        scope: &HaltScope,
        by: &str,
        why: &str,
    ) -> Result<FleetHalt, FleetError> {
        let key = scope_key(scope)?;
        let halts = self.halts().await?;
        self.audit_stream().await?;
        let halt = FleetHalt {
            halt_id: new_id(),
            by: by.to_owned(),
            why: why.to_owned(),
            at: unix_millis(),
        };
        let value = serde_json::to_vec(&halt).map_err(|e| FleetError::BadRecord {
            what: "a fleet halt",
            detail: e.to_string(),
        })?;
        self.bounded("write the halt", halts.put(&key, value.into()))
            .await?;
        let event = AuditEvent {
            action: "fleet_halt".to_owned(),
            by: by.to_owned(),
            member: None,
            scope: scope.clone(),
            why: why.to_owned(),
            halt_id: Some(halt.halt_id.clone()),
            report: None,
            sweep: None,
            at: halt.at,
            detail: None,
        };
        audit::publish(self, &event, &format!("fleet_halt-{}", halt.halt_id))
            .await
            .map_err(|e| {
                FleetError::request(
                    "record the halt in the audit stream (the halt IS in force)",
                    e,
                )
            })?;
        Ok(halt)
    }

    /// Lifts the fleet halt of `scope` (deletes its key) and asks every member to resume it:
    /// each runs its own validated resume (paper phase included) and records the outcome in
    /// the audit trail. A member whose lease lapsed resumes the same way (`scope` all). The
    /// request is recorded in the audit trail.
    ///
    /// # Errors
    ///
    /// [`FleetError::InvalidName`], [`FleetError::Request`].
    pub async fn resume(&self, scope: &HaltScope, by: &str) -> Result<ResumeRequest, FleetError> {
        let key = scope_key(scope)?;
        let mut lifted = None;
        if let Some(halts) = self.existing_halts().await? {
            let entry = self.bounded("read the halt", halts.entry(&key)).await?;
            if let Some(entry) =
                entry.filter(|e| e.operation == async_nats::jetstream::kv::Operation::Put)
            {
                lifted = serde_json::from_slice::<FleetHalt>(&entry.value).ok();
                self.bounded("delete the halt", halts.delete(&key)).await?;
            }
        }
        self.audit_stream().await?;
        let request_id = new_id();
        let event = AuditEvent {
            action: "resume_requested".to_owned(),
            by: by.to_owned(),
            member: None,
            scope: scope.clone(),
            why: match &lifted {
                Some(h) => format!("fleet halt {} lifted; each member resumes after its own validation", h.halt_id),
                None => "no fleet halt in force; members halted in this scope resume after their own validation".to_owned(),
            },
            halt_id: lifted.as_ref().map(|h| h.halt_id.clone()),
            report: None,
            sweep: None,
            at: unix_millis(),
            detail: None,
        };
        debug_assert!(RESUME_REQUEST_SUBJECT.ends_with(&event.action));
        audit::publish(self, &event, &format!("resume_requested-{request_id}")).await?;
        Ok(ResumeRequest {
            scope: scope.clone(),
            by: by.to_owned(),
            request_id,
            lifted,
        })
    }

    /// The halts in force, by scope.
    ///
    /// # Errors
    ///
    /// [`FleetError::Request`], [`FleetError::BadRecord`].
    pub async fn halts_in_force(&self) -> Result<Vec<HaltInForce>, FleetError> {
        let Some(halts) = self.existing_halts().await? else {
            return Ok(Vec::new());
        };
        let mut in_force = Vec::new();
        for entry in current_entries(&halts, self.timeout).await? {
            if entry.operation != async_nats::jetstream::kv::Operation::Put {
                continue;
            }
            let halt = serde_json::from_slice::<FleetHalt>(&entry.value).map_err(|e| {
                FleetError::BadRecord {
                    what: "the halts bucket",
                    detail: format!("key {}: {e}", entry.key),
                }
            })?;
            // An unknown key halts every member everything: show it as such.
            let scope = parse_scope_key(&entry.key).unwrap_or(HaltScope::All);
            in_force.push(HaltInForce { scope, halt });
        }
        Ok(in_force)
    }

    /// Every member (live, lapsed, left) with its lease, gate mode, scopes halted and last
    /// report time, and the halts in force.
    ///
    /// # Errors
    ///
    /// [`FleetError::Request`], [`FleetError::BadRecord`].
    pub async fn status(&self) -> Result<FleetStatus, FleetError> {
        let halts = self.halts_in_force().await?;
        let mut members = Vec::new();
        if let Some(leases) = self.existing_leases().await? {
            for entry in current_entries(&leases, self.timeout).await? {
                use async_nats::jetstream::kv::Operation;
                let record = match entry.operation {
                    Operation::Put => serde_json::from_slice::<LeaseRecord>(&entry.value).ok(),
                    _ => None,
                };
                let lease = match entry.operation {
                    Operation::Put => LeaseState::Live,
                    Operation::Purge => LeaseState::Expired,
                    Operation::Delete => LeaseState::Left,
                };
                members.push(MemberStatus {
                    name: entry.key.clone(),
                    lease,
                    host: record.as_ref().map(|r| r.host.clone()),
                    mode: record.as_ref().map(|r| r.mode.clone()),
                    scopes: record
                        .as_ref()
                        .map(|r| r.scopes.clone())
                        .unwrap_or_default(),
                    renewed_at: record.as_ref().map(|r| r.renewed_at),
                    last_report_at: None,
                });
            }
        }
        if let Some(compliance) = self.existing_compliance().await? {
            for member in &mut members {
                let subject = format!("{COMPLIANCE_PREFIX}{}", member.name);
                let Ok(Ok(message)) = tokio::time::timeout(
                    self.timeout,
                    compliance.get_last_raw_message_by_subject(&subject),
                )
                .await
                else {
                    continue;
                };
                let Ok(summary) = serde_json::from_slice::<ComplianceSummary>(&message.payload)
                else {
                    continue;
                };
                member.last_report_at = Some(summary.at);
                if summary.left && member.lease != LeaseState::Live {
                    member.lease = LeaseState::Left;
                }
                if member.lease != LeaseState::Live || member.renewed_at < Some(summary.at) {
                    member.host = Some(summary.host);
                    member.mode = Some(summary.mode);
                    member.scopes = summary.scopes;
                }
            }
        }
        members.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(FleetStatus {
            server_version: self.server_version(),
            halts,
            members,
        })
    }
}

crate::class::declare_class!(Plain for ResumeRequest);
crate::class::declare_class!(Plain for LeaseState);
crate::class::declare_class!(Plain for MemberStatus);
crate::class::declare_class!(Plain for HaltInForce);
crate::class::declare_class!(Plain for FleetStatus);

impl FleetStatus {
    /// The status as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }
}

impl std::fmt::Display for FleetStatus {
    /// A table: the halts in force, then one line per member.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "server {}", self.server_version)?;
        if self.halts.is_empty() {
            writeln!(f, "halts in force: none")?;
        } else {
            writeln!(f, "halts in force:")?;
            for h in &self.halts {
                writeln!(
                    f,
                    "  {:<24} {} by {} at {}: {}",
                    h.scope.to_string(),
                    h.halt.halt_id,
                    h.halt.by,
                    h.halt.at,
                    h.halt.why
                )?;
            }
        }
        writeln!(
            f,
            "{:<20} {:<16} {:<8} {:<7} {:<15} {:<15} scopes halted",
            "member", "host", "lease", "gate", "renewed_at", "last_report_at"
        )?;
        let opt = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
        for m in &self.members {
            let lease = match m.lease {
                LeaseState::Live => "live",
                LeaseState::Expired => "expired",
                LeaseState::Left => "left",
            };
            writeln!(
                f,
                "{:<20} {:<16} {:<8} {:<7} {:<15} {:<15} {}",
                m.name,
                m.host.as_deref().unwrap_or("-"),
                lease,
                m.mode.as_deref().unwrap_or("-"),
                opt(m.renewed_at),
                opt(m.last_report_at),
                if m.scopes.is_empty() {
                    "-".to_owned()
                } else {
                    m.scopes.join(", ")
                }
            )?;
        }
        Ok(())
    }
}
