//! [`KillSwitch`]: the gate, the caches, and the record of emergencies.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use super::{EmergencyReport, Halted, KillSwitchBuilder, TradingGate, WatcherBuilder};
use crate::clock::SharedClock;
use crate::monitor::Registry;

/// How many emergency reports a switch keeps.
const KEPT_REPORTS: usize = 32;

/// Halts trading and disables the caches, by hand ([`trip`](KillSwitch::trip)) or when a
/// [`Trigger`](super::Trigger) fires ([`watcher`](KillSwitch::watcher)); resumes only by an
/// explicit, validated [`resume`](KillSwitch::resume).
///
/// Cheap to clone: clones are the same switch.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{FeedFault, KillSwitch, ManualClock, Registry, StreamCache, StreamReadError, Streamed};
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
/// let kill = KillSwitch::builder().registry(registry).clock(clock.shared()).build();
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
}

impl KillSwitch {
    /// Configures a switch.
    pub fn builder() -> KillSwitchBuilder {
        KillSwitchBuilder::new()
    }

    pub(super) fn new(gate: TradingGate, registry: Registry, clock: SharedClock) -> Self {
        let (halts, _) = watch::channel(gate.halted());
        KillSwitch {
            inner: Arc::new(Inner {
                gate,
                registry,
                clock,
                procedure: Mutex::new(VecDeque::new()),
                halts,
                resumes: AtomicU64::new(0),
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

    /// Whether trading is halted.
    pub fn is_halted(&self) -> bool {
        !self.inner.gate.is_open()
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
