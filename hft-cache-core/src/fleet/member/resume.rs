//! Resume requests from the fleet: each runs through this process's own validated resume, and
//! only once the fleet holds no halt of that scope.

use std::sync::Arc;

use async_nats::jetstream::kv::Operation;
use futures_util::StreamExt;

use super::State;
use crate::fleet::records::AuditEvent;
use crate::fleet::scope_key::scope_key;
use crate::kill_switch::Resume;

/// The largest request read; a larger one is ignored.
const MAX_REQUEST: usize = 64 * 1024;

/// Runs every resume request heard. The outcome (resume, refusal) is the kill switch's own
/// audit record, which [`forward`](super::forward) publishes.
pub(super) async fn listen(state: Arc<State>, mut requests: async_nats::Subscriber) {
    while let Some(message) = requests.next().await {
        if message.payload.len() > MAX_REQUEST {
            continue;
        }
        let Ok(request) = serde_json::from_slice::<AuditEvent>(&message.payload) else {
            tracing::warn!(member = %state.name, "unreadable fleet resume request ignored");
            continue;
        };
        let scope = request.scope;
        let halted_here = if scope.is_all() {
            state.kill.is_halted()
        } else {
            state
                .kill
                .gate()
                .scoped_halts()
                .iter()
                .any(|h| *h.scope() == scope)
        };
        if !halted_here {
            continue;
        }
        // The fleet's halt must be gone: a request that raced a new halt is refused.
        let still_halted = match scope_key(&scope) {
            Ok(key) => {
                let entry = state
                    .fleet
                    .bounded("read the halt", state.halts.entry(&key))
                    .await;
                match entry {
                    Ok(entry) => entry.is_some_and(|e| e.operation == Operation::Put),
                    // Unknown: fail closed.
                    Err(_) => true,
                }
            }
            Err(_) => true,
        };
        let actor = format!("fleet:{}", request.by);
        if still_halted {
            state.kill.audit_refused_resume(
                &scope,
                &actor,
                "resume refused: the fleet still holds a halt of this scope",
            );
            continue;
        }
        match state
            .kill
            .resume_with(Resume::scope(scope.clone()).by(actor))
        {
            Ok(_) => {
                tracing::warn!(member = %state.name, scope = %scope, "fleet resume request: resumed after validation")
            }
            Err(e) => {
                tracing::warn!(member = %state.name, scope = %scope, error = %e, "fleet resume request: refused, trading stays halted")
            }
        }
    }
}
