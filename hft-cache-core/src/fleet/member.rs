//! [`FleetMember`]: a process joined to the fleet. It obeys the halts bucket, renews its lease
//! and halts itself when it cannot, runs the resumes the fleet requests through its own
//! validated resume, and publishes its audit records and compliance reports.

mod forward;
mod halts;
mod lease;
mod resume;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_nats::jetstream::kv;
use tokio::task::JoinHandle;

use super::audit;
use super::client::{FleetClient, DEFAULT_COMPLIANCE_KEEP, RESUME_REQUEST_SUBJECT};
use super::error::FleetError;
use super::operator::new_id;
use super::records::{AuditEvent, LeaseRecord};
use super::scope_key::check_token;
use crate::clock::Timestamp;
use crate::gate::{HaltScope, TripReason};
use crate::kill_switch::KillSwitch;
use crate::report_format::unix_millis;

const DEFAULT_LEASE: Duration = Duration::from_secs(3);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_COMPLIANCE_EVERY: Duration = Duration::from_secs(30);

/// Joins a process to the fleet. See [`FleetMember::builder`].
#[derive(Debug)]
pub struct FleetMember;

/// Configures a member: its name, lease, renewal timeout and compliance publishing.
#[derive(Debug, Clone)]
#[must_use]
pub struct FleetMemberBuilder {
    url: String,
    name: String,
    host: Option<String>,
    lease: Duration,
    renew_timeout: Option<Duration>,
    connect_timeout: Duration,
    compliance_every: Duration,
    compliance_keep: i64,
}

/// A joined member: its tasks run until it is dropped or [leaves](FleetMemberHandle::leave).
#[derive(Debug)]
#[must_use = "the member leaves the fleet's control when this handle is dropped"]
pub struct FleetMemberHandle {
    state: Arc<State>,
    tasks: Vec<JoinHandle<()>>,
}

/// What the member's tasks share.
#[derive(Debug)]
pub(super) struct State {
    pub(super) fleet: FleetClient,
    pub(super) name: String,
    pub(super) host: String,
    /// Per process start: audit ids of this run never collide with a previous run's.
    pub(super) instance: String,
    pub(super) kill: KillSwitch,
    pub(super) lease: Duration,
    pub(super) renew_timeout: Duration,
    pub(super) compliance_every: Duration,
    pub(super) leases: kv::Store,
    pub(super) halts: kv::Store,
    /// The last acknowledged renewal, on the kill switch's clock (nanoseconds).
    pub(super) last_ack: AtomicU64,
    /// Why the last renewal failed, if it did.
    pub(super) last_error: Mutex<Option<String>>,
    /// The fleet halt obeyed per halts-bucket key: each halt id is obeyed once.
    pub(super) obeyed: Mutex<HashMap<String, String>>,
}

impl FleetMember {
    /// A member named `name` (letters, digits, `-`, `_`, `=`) of the fleet whose server is at
    /// `url`.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hft_cache::fleet::FleetMember;
    /// use hft_cache::kill_switch::KillSwitch;
    /// use hft_cache::monitor::Registry;
    ///
    /// # async fn run() -> Result<(), hft_cache::fleet::FleetError> {
    /// let kill = KillSwitch::builder().registry(&Registry::new()).build();
    /// // Fails closed: if the server cannot be reached, the switch is tripped and this errs.
    /// let member = FleetMember::builder("nats://127.0.0.1:4222", "mm-eu-1")
    ///     .lease(Duration::from_secs(3))
    ///     .join(&kill)
    ///     .await?;
    /// // ... trade through kill.gate() ...
    /// member.leave().await;
    /// # Ok(()) }
    /// ```
    pub fn builder(url: impl Into<String>, name: impl Into<String>) -> FleetMemberBuilder {
        FleetMemberBuilder {
            url: url.into(),
            name: name.into(),
            host: None,
            lease: DEFAULT_LEASE,
            renew_timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            compliance_every: DEFAULT_COMPLIANCE_EVERY,
            compliance_keep: DEFAULT_COMPLIANCE_KEEP,
        }
    }
}

impl FleetMemberBuilder {
    /// The lease (default 3 s): renewed every quarter of it; with no acknowledged renewal for a
    /// whole lease the member halts itself ([`TripReason::ControlPlaneLost`]). Every member of
    /// a fleet uses the same lease (the bucket's max age). At least 1 s.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// How long one renewal may take (default a quarter lease).
    pub fn renew_timeout(mut self, timeout: Duration) -> Self {
        self.renew_timeout = Some(timeout);
        self
    }

    /// How long connecting may take (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The host name the fleet's status shows (default the machine's).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// How often the compliance report is published besides on every trip (default 30 s).
    pub fn compliance_every(mut self, every: Duration) -> Self {
        self.compliance_every = every.max(Duration::from_millis(100));
        self
    }

    /// How many compliance reports per member the server keeps (default 16), if this member
    /// creates the stream.
    pub fn compliance_keep(mut self, keep: u32) -> Self {
        self.compliance_keep = i64::from(keep.max(1));
        self
    }

    /// Joins the fleet: connects, takes the lease, obeys every halt in force (before this
    /// returns), then keeps watching, renewing and publishing on tasks of its own.
    ///
    /// Fails closed: on any error the kill switch is tripped
    /// ([`TripReason::ControlPlaneLost`]), so the process cannot trade without the fleet.
    ///
    /// # Errors
    ///
    /// [`FleetError::Unreachable`], [`FleetError::JetStreamDisabled`],
    /// [`FleetError::ServerTooOld`], [`FleetError::InvalidName`], [`FleetError::Misconfigured`],
    /// [`FleetError::Request`].
    pub async fn join(self, kill: &KillSwitch) -> Result<FleetMemberHandle, FleetError> {
        let lease = self.lease;
        let started = kill.clock().now();
        match self.try_join(kill).await {
            Ok(handle) => Ok(handle),
            Err(error) => {
                kill.trip(TripReason::ControlPlaneLost {
                    unacknowledged_for: kill.clock().now().saturating_since(started),
                    lease,
                    last_error: Some(format!("joining the fleet failed: {error}")),
                });
                Err(error)
            }
        }
    }

    async fn try_join(self, kill: &KillSwitch) -> Result<FleetMemberHandle, FleetError> {
        check_token("member name", &self.name)?;
        let renew_timeout = self.renew_timeout.unwrap_or(self.lease / 4);
        let fleet = FleetClient::builder(self.url.clone())
            .name(format!("hft-fleet member {}", self.name))
            .connect_timeout(self.connect_timeout)
            .request_timeout(renew_timeout.max(Duration::from_millis(250)))
            .connect()
            .await?;
        let leases = fleet.leases(self.lease).await?;
        let halts = fleet.halts().await?;
        fleet.audit_stream().await?;
        fleet.compliance_stream(self.compliance_keep).await?;
        // Subscribed before the halts are read, so no request between the two is missed.
        let requests = fleet
            .bounded(
                "subscribe to resume requests",
                fleet.client.subscribe(RESUME_REQUEST_SUBJECT),
            )
            .await?;
        let state = Arc::new(State {
            host: self.host.unwrap_or_else(host_name),
            instance: new_id(),
            name: self.name,
            kill: kill.clone(),
            lease: self.lease,
            renew_timeout,
            compliance_every: self.compliance_every,
            leases,
            halts,
            last_ack: AtomicU64::new(kill.clock().now().as_nanos()),
            last_error: Mutex::new(None),
            obeyed: Mutex::new(HashMap::new()),
            fleet,
        });
        lease::renew_once(&state).await?;
        let watch = halts::catch_up(&state).await?;
        let joined = AuditEvent {
            action: "joined".to_owned(),
            by: state.name.clone(),
            member: Some(state.name.clone()),
            scope: HaltScope::All,
            why: format!(
                "joined from {} with a lease of {:?} (mode {})",
                state.host,
                state.lease,
                kill.gate().mode()
            ),
            halt_id: None,
            report: None,
            sweep: None,
            at: unix_millis(),
            detail: None,
        };
        audit::publish(
            &state.fleet,
            &joined,
            &format!("joined-{}-{}", state.name, state.instance),
        )
        .await?;
        let tasks = vec![
            tokio::spawn(halts::watch(state.clone(), watch)),
            tokio::spawn(lease::renew(state.clone())),
            tokio::spawn(lease::check(state.clone())),
            tokio::spawn(resume::listen(state.clone(), requests)),
            tokio::spawn(forward::run(state.clone())),
        ];
        Ok(FleetMemberHandle { state, tasks })
    }
}

impl FleetMemberHandle {
    /// The member's name.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// How long since the last acknowledged lease renewal.
    pub fn since_last_renewal(&self) -> Duration {
        let now = self.state.kill.clock().now();
        now.saturating_since(Timestamp::from_nanos(
            self.state.last_ack.load(Ordering::Acquire),
        ))
    }

    /// The fleet connection the member uses.
    pub fn fleet(&self) -> &FleetClient {
        &self.state.fleet
    }

    /// Leaves the fleet: stops the tasks, deletes the lease (the status shows `left`, not
    /// `expired`) and records it. The kill switch stays as it is.
    pub async fn leave(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        let state = &self.state;
        let deleted = state
            .fleet
            .bounded("delete the lease", state.leases.delete(&state.name))
            .await;
        if let Err(e) = deleted {
            tracing::warn!(member = %state.name, error = %e, "leaving the fleet: the lease was not deleted and will expire");
        }
        // The deletion itself ages out of the bucket like any lease: the last compliance
        // record keeps saying that the member left.
        forward::publish_report(state, true).await;
        let event = AuditEvent {
            action: "left".to_owned(),
            by: state.name.clone(),
            member: Some(state.name.clone()),
            scope: HaltScope::All,
            why: "left the fleet".to_owned(),
            halt_id: None,
            report: None,
            sweep: None,
            at: unix_millis(),
            detail: None,
        };
        let id = format!("left-{}-{}", state.name, state.instance);
        if let Err(e) = audit::publish(&state.fleet, &event, &id).await {
            tracing::warn!(member = %state.name, error = %e, "leaving the fleet: not recorded");
        }
    }
}

impl Drop for FleetMemberHandle {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl State {
    /// The lease record to write now.
    pub(super) fn lease_record(&self) -> LeaseRecord {
        let gate = self.kill.gate();
        LeaseRecord {
            member: self.name.clone(),
            host: self.host.clone(),
            pid: std::process::id(),
            mode: gate.mode().as_str().to_owned(),
            scopes: scopes_in_words(&self.kill),
            renewed_at: unix_millis(),
            lease_ms: u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX),
        }
    }

    pub(super) fn set_error(&self, error: Option<String>) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = error;
    }

    pub(super) fn error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Publishes an audit event, logging a failure (the caller retries or moves on).
    pub(super) async fn record(&self, event: &AuditEvent, id: &str) -> bool {
        match audit::publish(&self.fleet, event, id).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(member = %self.name, action = %event.action, error = %e, "fleet audit record not published yet");
                false
            }
        }
    }
}

/// The scoped halts in force on `kill`, in words.
pub(super) fn scopes_in_words(kill: &KillSwitch) -> Vec<String> {
    kill.gate()
        .scoped_halts()
        .iter()
        .map(|h| h.scope().to_string())
        .collect()
}

/// The machine's host name, as the kernel has it.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

crate::class::declare_class!(Plain for FleetMember);
crate::class::declare_class!(Plain for FleetMemberBuilder);
crate::class::declare_class!(Plain for FleetMemberHandle);
