//! Obeying the halts bucket: every halt in force before the join returns, then every change.
//! A put trips the kill switch with its scope (once per halt id); a delete only allows a resume.

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation};
use futures_util::StreamExt;

use super::State;
use crate::fleet::error::FleetError;
use crate::fleet::records::{AuditEvent, FleetHalt};
use crate::fleet::scope_key::parse_scope_key;
use crate::gate::HaltScope;
use crate::kill_switch::Halt;
use crate::report_format::unix_millis;

/// How long a member waits for its sweep's outcome before it records its obedience anyway.
const SWEEP_WAIT: Duration = Duration::from_secs(30);
/// How many times an obedience record is tried.
const RECORD_ATTEMPTS: u32 = 120;

/// Opens the watch (the last entry of every key first) and obeys every halt in force.
pub(super) async fn catch_up(state: &Arc<State>) -> Result<kv::Watch, FleetError> {
    let fleet = &state.fleet;
    let info = fleet
        .bounded("read the halts bucket", state.halts.stream.get_info())
        .await?;
    let mut watch = fleet
        .bounded(
            "watch the halts bucket",
            state.halts.watch_with_history(">"),
        )
        .await?;
    if info.state.messages == 0 {
        return Ok(watch);
    }
    let last = info.state.last_sequence;
    // The halts bucket keeps every key's last entry (no max age): the watch delivers up to
    // `last`, or the join fails (closed).
    loop {
        let entry = fleet
            .bounded("read the halts in force", async {
                match watch.next().await {
                    Some(entry) => entry.map_err(|e| e.to_string()),
                    None => Err("the watch ended".to_owned()),
                }
            })
            .await?;
        let done = entry.delta == 0 || entry.revision >= last;
        obey(state, entry);
        if done {
            return Ok(watch);
        }
    }
}

/// Obeys every change, reopening the watch when it fails.
pub(super) async fn watch(state: Arc<State>, mut watch: kv::Watch) {
    let mut backoff = Duration::from_millis(50);
    loop {
        while let Some(entry) = watch.next().await {
            match entry {
                Ok(entry) => {
                    backoff = Duration::from_millis(50);
                    obey(&state, entry);
                }
                Err(e) => {
                    tracing::warn!(member = %state.name, error = %e, "fleet halt watch failed: reopening");
                    break;
                }
            }
        }
        // Reopened from every key's last entry: halts obeyed already are skipped by id.
        loop {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
            let reopened = state
                .fleet
                .bounded(
                    "watch the halts bucket",
                    state.halts.watch_with_history(">"),
                )
                .await;
            match reopened {
                Ok(w) => {
                    watch = w;
                    break;
                }
                Err(e) => {
                    tracing::warn!(member = %state.name, error = %e, "fleet halt watch not reopened yet")
                }
            }
        }
    }
}

/// Obeys one entry of the halts bucket.
fn obey(state: &Arc<State>, entry: kv::Entry) {
    if entry.operation != Operation::Put {
        let was = state
            .obeyed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&entry.key);
        if was.is_some() {
            tracing::warn!(member = %state.name, key = %entry.key, "fleet halt lifted: trading stays halted here until a validated resume");
        }
        return;
    }
    // Fail closed: a key this version does not know halts everything; a value it cannot read
    // halts its scope.
    let scope = parse_scope_key(&entry.key).unwrap_or(HaltScope::All);
    let halt = serde_json::from_slice::<FleetHalt>(&entry.value).unwrap_or_else(|e| FleetHalt {
        halt_id: format!("revision-{}", entry.revision),
        by: "fleet".to_owned(),
        why: format!("unreadable fleet halt under `{}`: {e}", entry.key),
        at: unix_millis(),
    });
    {
        let mut obeyed = state.obeyed.lock().unwrap_or_else(PoisonError::into_inner);
        if obeyed.get(&entry.key) == Some(&halt.halt_id) {
            return;
        }
        obeyed.insert(entry.key.clone(), halt.halt_id.clone());
    }
    let report = state.kill.halt(
        Halt::new(format!(
            "fleet halt {} by {}: {}",
            halt.halt_id, halt.by, halt.why
        ))
        .scope(scope.clone())
        .by(format!("fleet:{}", halt.by)),
    );
    tracing::error!(member = %state.name, halt_id = %halt.halt_id, scope = %scope, "fleet halt obeyed");
    let state = state.clone();
    tokio::spawn(async move {
        let trip = report.trip;
        let mut outcome = report.cancellation.state;
        let deadline = tokio::time::Instant::now() + SWEEP_WAIT;
        while !outcome_final(outcome) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            match state.kill.reports().into_iter().find(|r| r.trip == trip) {
                Some(r) => outcome = r.cancellation.state,
                None => break,
            }
        }
        let event = AuditEvent {
            action: "obeyed".to_owned(),
            by: state.name.clone(),
            member: Some(state.name.clone()),
            scope,
            why: format!(
                "fleet halt {} obeyed by {} ({})",
                halt.halt_id, state.name, state.host
            ),
            halt_id: Some(halt.halt_id.clone()),
            report: Some(trip),
            sweep: Some(outcome.as_str().to_owned()),
            at: unix_millis(),
            detail: None,
        };
        let id = format!("obeyed-{}-{}", state.name, halt.halt_id);
        // Retried while the server is away (about ten minutes): the id makes a repeat harmless.
        let mut wait = Duration::from_millis(100);
        for _ in 0..RECORD_ATTEMPTS {
            if state.record(&event, &id).await {
                break;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    });
}

fn outcome_final(state: crate::kill_switch::SweepState) -> bool {
    !matches!(state, crate::kill_switch::SweepState::Pending)
}
