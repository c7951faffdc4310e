//! Publishing what happens here: every audit record of the kill switch (trips, scoped halts,
//! resumes, acknowledgments, refusals; a trip's with its report) to the audit stream, and the
//! compliance report on every change of the gate and periodically.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use super::{scopes_in_words, State};
use crate::fleet::client::COMPLIANCE_PREFIX;
use crate::fleet::records::{AuditEvent, ComplianceRecord};
use crate::kill_switch::AuditRecord;
use crate::report_format::unix_millis;

/// How often the audit trail is looked at besides on every change of the gate.
const POLL: Duration = Duration::from_millis(250);

/// Runs for ever: forwards new audit records (from those present at the join on), publishes
/// compliance.
pub(super) async fn run(state: Arc<State>) {
    let mut modes = state.kill.subscribe_mode();
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut compliance = tokio::time::interval(state.compliance_every);
    compliance.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Records before the join are this process's business; from the join on, the fleet's.
    let mut forwarded = state.kill.audit_trail().last().map_or(0, |r| r.seq);
    let mut publish_compliance = true;
    loop {
        tokio::select! {
            changed = modes.changed() => {
                if changed.is_err() {
                    return;
                }
                publish_compliance = true;
            }
            _ = poll.tick() => {}
            _ = compliance.tick() => publish_compliance = true,
        }
        let since = forwarded;
        for record in state
            .kill
            .audit_trail()
            .into_iter()
            .filter(|r| r.seq > since)
        {
            if !forward(&state, &record).await {
                // The server is away: the rest waits for the next round, in order.
                break;
            }
            forwarded = record.seq;
            publish_compliance = true;
        }
        if publish_compliance {
            publish_compliance = !publish_report(&state, false).await;
        }
    }
}

/// Publishes one audit record of the kill switch.
async fn forward(state: &State, record: &AuditRecord) -> bool {
    let report = record
        .report
        .and_then(|trip| state.kill.reports().into_iter().find(|r| r.trip == trip));
    let detail = match record.action {
        crate::kill_switch::AuditAction::Trip | crate::kill_switch::AuditAction::ScopedHalt => {
            report.as_ref().and_then(|r| serde_json::to_value(r).ok())
        }
        _ => None,
    };
    let event = AuditEvent {
        action: record.action.as_str().to_owned(),
        by: record.actor.clone(),
        member: Some(state.name.clone()),
        scope: record.scope.clone(),
        why: record.reason.clone(),
        halt_id: None,
        report: record.report,
        sweep: report.map(|r| r.cancellation.state.as_str().to_owned()),
        at: record.at_unix_ms,
        detail,
    };
    let id = format!("{}-{}-{}", state.name, state.instance, record.seq);
    state.record(&event, &id).await
}

/// Publishes the compliance report to the member's subject (`left`: its last one).
pub(super) async fn publish_report(state: &State, left: bool) -> bool {
    let report = state.kill.registry().report();
    let record = ComplianceRecord {
        member: &state.name,
        host: &state.host,
        mode: state.kill.gate().mode(),
        scopes: scopes_in_words(&state.kill),
        at: unix_millis(),
        left,
        report: &report,
    };
    let Ok(payload) = serde_json::to_vec(&record) else {
        return true;
    };
    let subject = format!("{COMPLIANCE_PREFIX}{}", state.name);
    let fleet = &state.fleet;
    let published = async {
        let ack = fleet.js.publish(subject, payload.into()).await?;
        ack.await
    };
    match tokio::time::timeout(fleet.timeout, published).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => {
            tracing::warn!(member = %state.name, error = %e, "compliance report not published yet");
            false
        }
        Err(_) => false,
    }
}
