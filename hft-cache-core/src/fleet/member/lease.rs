//! The lease: renewed every quarter lease, each write bounded; with no acknowledged renewal for
//! a whole lease, on the member's own clock, the member halts itself.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use super::State;
use crate::clock::Timestamp;
use crate::fleet::error::FleetError;
use crate::gate::TripReason;

/// One renewal: the lease record written, within the renewal timeout.
pub(super) async fn renew_once(state: &State) -> Result<(), FleetError> {
    let record = state.lease_record();
    let value = serde_json::to_vec(&record).map_err(|e| FleetError::BadRecord {
        what: "a lease",
        detail: e.to_string(),
    })?;
    let put = state.leases.put(&state.name, value.into());
    match tokio::time::timeout(state.renew_timeout, put).await {
        Ok(Ok(_)) => {
            state
                .last_ack
                .store(state.kill.clock().now().as_nanos(), Ordering::Release);
            state.set_error(None);
            Ok(())
        }
        Ok(Err(e)) => {
            let error = FleetError::request("renew the lease", e);
            state.set_error(Some(error.to_string()));
            Err(error)
        }
        Err(_) => {
            let error = FleetError::request(
                "renew the lease",
                format!("no acknowledgment within {:?}", state.renew_timeout),
            );
            state.set_error(Some(error.to_string()));
            Err(error)
        }
    }
}

/// Renews every quarter lease, for ever.
pub(super) async fn renew(state: Arc<State>) {
    let mut tick = tokio::time::interval(state.lease / 4);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = renew_once(&state).await {
            tracing::warn!(member = %state.name, error = %e, "fleet lease renewal failed");
        }
    }
}

/// How often the lease's age is checked: a twentieth of it, 5 to 25 ms, so the self-halt
/// comes at most that late after the lease ran out.
fn check_interval(lease: Duration) -> Duration {
    (lease / 20).clamp(Duration::from_millis(5), Duration::from_millis(25))
}

/// Trips the kill switch once per loss of the control plane: when the last acknowledged
/// renewal is a whole lease old. A renewal acknowledged later re-arms it; it never resumes.
pub(super) async fn check(state: Arc<State>) {
    let mut tick = tokio::time::interval(check_interval(state.lease));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut tripped_for = None;
    loop {
        tick.tick().await;
        let ack = state.last_ack.load(Ordering::Acquire);
        let since = state
            .kill
            .clock()
            .now()
            .saturating_since(Timestamp::from_nanos(ack));
        if since >= state.lease && tripped_for != Some(ack) {
            tripped_for = Some(ack);
            let reason = TripReason::ControlPlaneLost {
                unacknowledged_for: since,
                lease: state.lease,
                last_error: state.error(),
            };
            tracing::error!(member = %state.name, reason = %reason, "fleet lease lost: halting");
            state.kill.trip(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_runs_often_enough_for_the_bound() {
        assert_eq!(
            check_interval(Duration::from_secs(1)),
            Duration::from_millis(25)
        );
        assert_eq!(
            check_interval(Duration::from_millis(100)),
            Duration::from_millis(5)
        );
        assert_eq!(
            check_interval(Duration::from_secs(60)),
            Duration::from_millis(25)
        );
    }
}
