//! [`KillSwitch`]: the gate, the caches, and the record of emergencies.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use std::time::Duration;

use super::assessment::Retry;
use super::audit::{AuditAction, AuditRecord};
use super::dead_man::{DeadManState, Shared};
use super::paper::{PaperPhase, PaperProgress, PaperRun};
use super::positions::PositionClient;
use super::relapse::RelapseWatch;
use super::sweep::{SweepClient, SweepConfig};
use super::{EmergencyReport, KillSwitchBuilder, WatcherBuilder};
use crate::clock::{SharedClock, Timestamp};
use crate::gate::{GateMode, HaltScope, Halted, TradingGate};
use crate::journal::OrderJournal;
use crate::monitor::Registry;
use crate::report_format::unix_millis;

/// How many emergency reports a switch keeps.
const KEPT_REPORTS: usize = 32;
/// How many audit records a switch keeps in memory (the journal's file keeps every one).
const KEPT_AUDIT: usize = 1024;

/// Halts trading and disables the caches, by hand ([`trip`](KillSwitch::trip)) or when a
/// [`Trigger`](super::Trigger) fires ([`watcher`](KillSwitch::watcher)); resumes only by an
/// explicit, validated [`resume`](KillSwitch::resume).
///
/// Cheap to clone: clones are the same switch.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::ManualClock;
/// use hft_cache::kill_switch::KillSwitch;
/// use hft_cache::monitor::Registry;
/// use hft_cache::stream_cache::{FeedFault, StreamReadError};
///
/// #[derive(Streamed)]
/// struct Book { best_bid: u64, best_ask: u64 }
///
/// let clock = ManualClock::new();
/// let books = StreamCache::<String, Book>::builder().name("books").clock(clock.shared()).build().unwrap();
/// let feed = books.custom_transport_writer("binance-ws");
/// feed.publish("BTCUSDT".into(), Book { best_bid: 100, best_ask: 101 });
///
/// let registry = Registry::new();
/// registry.register(books.clone());
/// let kill = KillSwitch::builder().registry(&registry).clock(clock.shared()).build();
/// let gate = kill.gate();
///
/// // The emergency: orders are refused at once, cached data is refused, the report says why.
/// feed.mark_unhealthy(FeedFault::Disconnected);
/// let report = kill.trip("feed lost");
/// assert!(gate.check().is_err());
/// assert!(matches!(books.read("BTCUSDT", |b| b.best_bid), Err(StreamReadError::Disabled { .. })));
/// assert!(!report.compliance.healthy);
///
/// // Resuming needs the feed back.
/// assert!(kill.resume().is_err());
/// feed.mark_healthy();
/// kill.resume().expect("validation passes");
/// assert!(gate.check().is_ok());
/// assert_eq!(books.read("BTCUSDT", |b| b.best_bid), Ok(100));
/// ```
#[derive(Clone)]
pub struct KillSwitch {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) gate: TradingGate,
    pub(super) registry: Registry,
    pub(super) clock: SharedClock,
    /// Trips and resumes run one at a time; the guard also holds the kept reports.
    procedure: Mutex<VecDeque<EmergencyReport>>,
    pub(super) halts: watch::Sender<Option<Halted>>,
    /// Bumped on every resume, so watchers start their windows afresh.
    pub(super) resumes: AtomicU64,
    /// Bumped on every trip; numbers the reports.
    pub(super) trips: AtomicU64,
    /// When the last resume happened, for the relapse watch.
    pub(super) last_resume: Mutex<Option<Timestamp>>,
    /// Bumped whenever a kept report changes (an assessment arrives).
    pub(super) updates: watch::Sender<u64>,
    /// The gate's mode after every trip, resume and end of a paper phase.
    pub(super) modes: watch::Sender<GateMode>,
    /// The sweeps started and which are still running.
    pub(super) sweeps: Mutex<SweepBook>,
    /// Sweeps run one after another, never two racing.
    pub(super) sweep_serial: Arc<tokio::sync::Mutex<()>>,
    /// The audit trail, oldest first.
    pub(super) audit: Mutex<(u64, VecDeque<AuditRecord>)>,
    /// The dead man's switch following this switch's gate, if one was spawned: its state goes
    /// into every report.
    pub(super) dead_man: Mutex<Option<Arc<Shared>>>,
    pub(super) config: Config,
}

/// The sweeps of a switch: how many were started, and the scopes of those still running.
#[derive(Default)]
pub(super) struct SweepBook {
    pub(super) started: u64,
    pub(super) running: Vec<(u64, HaltScope)>,
}

/// What the builder set beyond the gate, registry and clock.
pub(super) struct Config {
    pub(super) paper: Option<PaperPhase>,
    pub(super) relapse: Option<RelapseWatch>,
    pub(super) journal: Option<OrderJournal>,
    /// The venue clients the sweep cancels with (one per venue); the Binance one, if any, also
    /// runs the assessment.
    pub(super) exchanges: Vec<Arc<dyn SweepClient>>,
    /// The venue clients with positions (also in `exchanges`), queried after the sweep.
    pub(super) positions: Vec<Arc<dyn PositionClient>>,
    /// Whether a halt closes the positions in its scope.
    pub(super) flatten: bool,
    pub(super) keep_resting: bool,
    pub(super) sweep: SweepConfig,
    pub(super) retry: Retry,
    pub(super) manual_window: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            paper: None,
            relapse: None,
            journal: None,
            exchanges: Vec::new(),
            positions: Vec::new(),
            flatten: false,
            keep_resting: false,
            sweep: SweepConfig::default(),
            retry: Retry::default(),
            manual_window: Duration::from_secs(60),
        }
    }
}

impl KillSwitch {
    /// Configures a switch.
    pub fn builder() -> KillSwitchBuilder {
        KillSwitchBuilder::new()
    }

    pub(super) fn new(
        gate: TradingGate,
        registry: Registry,
        clock: SharedClock,
        config: Config,
    ) -> Self {
        let (halts, _) = watch::channel(gate.halted());
        let (modes, _) = watch::channel(gate.mode());
        KillSwitch {
            inner: Arc::new(Inner {
                gate,
                registry,
                clock,
                procedure: Mutex::new(VecDeque::new()),
                halts,
                resumes: AtomicU64::new(0),
                trips: AtomicU64::new(0),
                last_resume: Mutex::new(None),
                updates: watch::channel(0).0,
                modes,
                sweeps: Mutex::new(SweepBook::default()),
                sweep_serial: Arc::new(tokio::sync::Mutex::new(())),
                audit: Mutex::new((0, VecDeque::new())),
                dead_man: Mutex::new(None),
                config,
            }),
        }
    }

    /// The gate order paths check; clones of it see this switch trip at once.
    pub fn gate(&self) -> TradingGate {
        self.inner.gate.clone()
    }

    /// The caches this switch disables and validates.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The clock halts are stamped with.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Whether trading is halted (not while in a paper phase).
    pub fn is_halted(&self) -> bool {
        !self.inner.gate.is_open()
    }

    /// The order journal the assessment reads, if one was given.
    pub fn journal(&self) -> Option<&OrderJournal> {
        self.inner.config.journal.as_ref()
    }

    /// How many times the switch has tripped (a trip while halted counts too).
    pub fn trips(&self) -> u64 {
        // Acquire: pairs with the trip's AcqRel increment, which follows its stored report.
        self.inner.trips.load(Ordering::Acquire)
    }

    /// The relapse watch, if configured.
    pub fn relapse_watch(&self) -> Option<RelapseWatch> {
        self.inner.config.relapse
    }

    /// How far the paper phase in progress has come, if one is.
    pub fn paper_progress(&self) -> Option<PaperProgress> {
        let run = self.inner.gate.paper_run::<PaperRun>()?;
        Some(run.progress(self.inner.clock.now()))
    }

    /// Checks the paper phase in progress now: trips the switch on a fault (stale or refused
    /// reads, unhealthy feed, policy violation since the phase began) and goes live once its
    /// time has passed. A spawned [`Watcher`](super::Watcher) calls this on every tick. Returns
    /// the emergency report if it tripped.
    pub fn check_paper(&self) -> Option<EmergencyReport> {
        let run = self.inner.gate.paper_run::<PaperRun>()?;
        run.tick(self)
    }

    /// The most recent emergency report once its cancel sweep, its assessment and its
    /// positions step are final (done, incomplete or failed, or not configured): waits for
    /// them, which run after the halt. `None` if the switch never tripped.
    pub async fn assessed_report(&self) -> Option<EmergencyReport> {
        let mut updates = self.inner.updates.subscribe();
        loop {
            let report = self.last_report()?;
            if report.assessment.is_final()
                && report.cancellation.is_final()
                && report.positions.is_final()
            {
                return Some(report);
            }
            // The sender lives as long as the switch.
            if updates.changed().await.is_err() {
                return Some(report);
            }
        }
    }

    /// How long ago the last resume was, while within the relapse watch.
    pub(super) fn in_relapse_watch(&self, now: Timestamp) -> Option<(Duration, RelapseWatch)> {
        let watch = self.inner.config.relapse?;
        let resumed = (*self
            .inner
            .last_resume
            .lock()
            .unwrap_or_else(PoisonError::into_inner))?;
        let since = now.saturating_since(resumed);
        (since <= watch.period()).then_some((since, watch))
    }

    /// Ends a clean paper phase: the gate opens for live trading.
    pub(super) fn finish_paper(&self, run: &Arc<PaperRun>, progress: PaperProgress) {
        if self.inner.gate.finish_paper(run) {
            self.inner.modes.send_replace(GateMode::Live);
            tracing::warn!(
                step = "paper_phase",
                outcome = "live",
                orders = progress.orders,
                elapsed_ms = progress.elapsed.as_millis() as u64,
                "paper phase passed without a fault: trading is live"
            );
        }
    }

    /// Waits until the kept reports of sweep `sweep` show it final (or none is kept).
    pub(super) async fn sweep_finished(&self, sweep: u64) {
        let mut updates = self.inner.updates.subscribe();
        loop {
            let pending = self
                .procedure()
                .iter()
                .any(|r| r.cancellation.sweep == sweep && !r.cancellation.is_final());
            if !pending || updates.changed().await.is_err() {
                return;
            }
        }
    }

    /// Changes every kept report of sweep number `sweep`.
    pub(super) fn update_sweep(&self, sweep: u64, mut change: impl FnMut(&mut EmergencyReport)) {
        let mut reports = self.procedure();
        for report in reports.iter_mut().filter(|r| r.cancellation.sweep == sweep) {
            change(report);
        }
        drop(reports);
        self.inner.updates.send_modify(|n| *n += 1);
    }

    /// The audit trail: every trip, scoped halt, resume, acknowledgment and refused resume
    /// (the last 1024), oldest first.
    pub fn audit_trail(&self) -> Vec<AuditRecord> {
        let audit = self
            .inner
            .audit
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        audit.1.iter().cloned().collect()
    }

    /// Records an audit record: in the trail, in the report of trip `report` (if kept), and in
    /// the journal's file.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn audit(
        &self,
        reports: &mut VecDeque<EmergencyReport>,
        action: AuditAction,
        actor: &str,
        reason: String,
        scope: &HaltScope,
        report: Option<u64>,
        orders: Vec<String>,
    ) -> AuditRecord {
        let record = {
            let mut audit = self
                .inner
                .audit
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            audit.0 += 1;
            let record = AuditRecord {
                seq: audit.0,
                at: self.inner.clock.now(),
                at_unix_ms: unix_millis(),
                action,
                actor: actor.to_owned(),
                reason,
                scope: scope.clone(),
                report,
                orders,
            };
            if audit.1.len() == KEPT_AUDIT {
                audit.1.pop_front();
            }
            audit.1.push_back(record.clone());
            record
        };
        if let Some(report) = report.and_then(|t| reports.iter_mut().find(|r| r.trip == t)) {
            report.audit.push(record.clone());
        }
        if let Some(journal) = &self.inner.config.journal {
            journal.append_audit(&record);
        }
        tracing::warn!(
            audit = action.as_str(),
            actor = %record.actor,
            scope = %record.scope,
            reason = %record.reason,
            report = record.report,
            "kill switch audit record"
        );
        record
    }

    /// Changes the kept report of trip number `trip`, if it is still kept.
    pub(super) fn update_report(&self, trip: u64, change: impl FnOnce(&mut EmergencyReport)) {
        let mut reports = self.procedure();
        if let Some(report) = reports.iter_mut().find(|r| r.trip == trip) {
            change(report);
        }
        drop(reports);
        self.inner.updates.send_modify(|n| *n += 1);
    }

    /// Follows `dead_man` from now on (a second replaces the first): its state goes into every
    /// report.
    pub(super) fn set_dead_man(&self, dead_man: Arc<Shared>) {
        *self
            .inner
            .dead_man
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(dead_man);
    }

    /// The state of the [`DeadMan`](super::DeadMan) spawned with this switch, if any.
    pub fn dead_man(&self) -> Option<DeadManState> {
        let dead_man = self
            .inner
            .dead_man
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        dead_man.map(|d| d.state())
    }

    /// The current halt, if trading is halted.
    pub fn halted(&self) -> Option<Halted> {
        self.inner.gate.halted()
    }

    /// A receiver that sees every halt (`Some`) and resume (`None`), e.g. to wait for a watcher
    /// to trip the switch.
    pub fn subscribe(&self) -> watch::Receiver<Option<Halted>> {
        self.inner.halts.subscribe()
    }

    /// A receiver that sees the gate's mode change: halted on a trip, paper or live on a resume,
    /// live when a paper phase passes.
    pub fn subscribe_mode(&self) -> watch::Receiver<GateMode> {
        self.inner.modes.subscribe()
    }

    /// The most recent emergency report.
    pub fn last_report(&self) -> Option<EmergencyReport> {
        self.procedure().back().cloned()
    }

    /// The emergency reports kept (the last 32), oldest first.
    pub fn reports(&self) -> Vec<EmergencyReport> {
        self.procedure().iter().cloned().collect()
    }

    /// Configures a [`Watcher`](super::Watcher) that trips this switch when a trigger fires.
    pub fn watcher(&self) -> WatcherBuilder {
        WatcherBuilder::new(self.clone())
    }

    pub(super) fn resumes(&self) -> u64 {
        // Acquire: pairs with the resume's AcqRel increment (the relapse watch starts from it).
        self.inner.resumes.load(Ordering::Acquire)
    }

    /// Runs one procedure step at a time and gives access to the kept reports.
    pub(super) fn procedure(&self) -> MutexGuard<'_, VecDeque<EmergencyReport>> {
        // Reports are pushed whole: a panic elsewhere cannot leave one half-written.
        self.inner
            .procedure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn keep(reports: &mut VecDeque<EmergencyReport>, report: EmergencyReport) {
        if reports.len() == KEPT_REPORTS {
            reports.pop_front();
        }
        reports.push_back(report);
    }
}

impl fmt::Debug for KillSwitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KillSwitch")
            .field("halted", &self.halted())
            .field("registry", &self.inner.registry)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for KillSwitch);
