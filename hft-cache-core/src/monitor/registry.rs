//! [`Registry`]: which caches exist, what they hold, and how to reach them for a report or an
//! emergency stop.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use serde::Serialize;

use super::report::{ComplianceReport, Violation};
use super::validate::{self, Observation};
use crate::cache_stats::{DynCache, MonitoredCache};
use crate::class::Classified;
use crate::class::DataClass;
use crate::report_format::duration_ms;

/// Identifies one registration in one [`Registry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CacheId(u64);

impl fmt::Display for CacheId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What a cache registered as: fixed for its lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheInfo {
    /// The registration.
    pub id: CacheId,
    /// The cache's name.
    pub name: String,
    /// The class of the values it holds.
    pub class: DataClass,
    /// The full type name of the values it holds.
    pub value_type: &'static str,
    /// How old a value may be when it is served.
    #[serde(with = "duration_ms")]
    pub max_age: Duration,
}

/// The caches a compliance report covers and an emergency stop disables.
///
/// Cheap to clone: clones share one set of caches. [`Registry::global`] is the process-wide
/// one; tests and embedded uses build their own with [`Registry::new`].
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::ManualClock;
/// use hft_cache::monitor::Registry;
///
/// #[derive(Streamed)]
/// struct Ticker { bid: u64, ask: u64 }
///
/// let clock = ManualClock::new();
/// let tickers = StreamCache::<String, Ticker>::builder()
///     .name("tickers")
///     .clock(clock.shared())
///     .build().unwrap();
/// let registry = Registry::new();
/// registry.register(tickers.clone());
///
/// let caches = registry.caches();
/// assert_eq!(caches[0].name, "tickers");
/// assert_eq!(caches[0].max_age, Duration::from_secs(5));
/// let report = registry.report();
/// assert!(report.compliant && report.healthy);
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    next_id: AtomicU64,
    /// One report at a time, so each compares its counters with the previous one's.
    reporting: Mutex<()>,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    /// The refusal counters of the pre-trade controls registered here.
    refusals: Vec<Arc<crate::receipt::RefusalTally>>,
    /// While an emergency stop is in force: the caches it disabled (and those registered since,
    /// which it disabled on arrival), to be re-enabled on resume.
    emergency: Option<Vec<CacheId>>,
}

struct Entry {
    info: CacheInfo,
    handle: Handle,
    /// The counters the previous report saw, for the served-past-max-age check.
    observation: Option<Observation>,
    /// Violations seen so far. They stay: a cache caught breaking the policy is not trusted
    /// again until it is deregistered.
    violations: Vec<Violation>,
}

enum Handle {
    Strong(Arc<dyn DynCache>),
    Weak(Weak<dyn DynCache>),
}

impl Handle {
    fn get(&self) -> Option<Arc<dyn DynCache>> {
        match self {
            Handle::Strong(cache) => Some(Arc::clone(cache)),
            Handle::Weak(cache) => cache.upgrade(),
        }
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide registry, which programs register their caches in and the default
    /// [`KillSwitch`](crate::kill_switch::KillSwitch) watches.
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(Registry::new)
    }

    /// Adds a cache; the registry keeps this handle (a clone of the cache) until
    /// [`deregister`](Registry::deregister).
    ///
    /// A cache registered while an emergency stop is in force is disabled at once. A cache of
    /// `Live` values (which the type system rules out) is accepted so that the report shows it as
    /// a violation.
    pub fn register<C: MonitoredCache>(&self, cache: C) -> CacheId {
        let info = CacheTypes::of::<C>();
        let cache: Arc<dyn DynCache> = Arc::new(cache);
        self.add(&*cache, info, Handle::Strong(cache.clone()))
    }

    /// Adds a cache without keeping it alive: the entry leaves the registry when the last strong
    /// reference to the cache is dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hft_cache::{StreamCache, Streamed};
    /// use hft_cache::monitor::Registry;
    ///
    /// #[derive(Streamed)]
    /// struct Ticker { bid: u64 }
    ///
    /// let registry = Registry::new();
    /// let tickers = Arc::new(StreamCache::<String, Ticker>::builder().build().unwrap());
    /// registry.register_weak(&tickers);
    /// assert_eq!(registry.len(), 1);
    /// drop(tickers);
    /// assert!(registry.is_empty());
    /// ```
    pub fn register_weak<C: MonitoredCache>(&self, cache: &Arc<C>) -> CacheId {
        let weak: Weak<dyn DynCache> = Arc::downgrade(cache) as Weak<dyn DynCache>;
        self.add(&**cache, CacheTypes::of::<C>(), Handle::Weak(weak))
    }

    fn add(&self, cache: &dyn DynCache, types: CacheTypes, handle: Handle) -> CacheId {
        let id = CacheId(self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        let info = CacheInfo {
            id,
            name: cache.name().to_owned(),
            class: types.class,
            value_type: types.value_type,
            max_age: cache.max_age(),
        };
        let violations: Vec<Violation> = validate::class_violation(&info).into_iter().collect();
        for violation in &violations {
            validate::log_violation(&info, violation);
        }
        let mut state = self.state();
        if state
            .entries
            .iter()
            .any(|e| e.info.name == info.name && e.handle.get().is_some())
        {
            tracing::warn!(
                cache = info.name.as_str(),
                value_type = info.value_type,
                "two registered caches share a name: reports will list both"
            );
        }
        if let Some(disabled) = &mut state.emergency {
            if cache.is_enabled() {
                cache.disable();
                disabled.push(id);
            }
            tracing::error!(
                step = "disable_caches",
                cache = info.name.as_str(),
                "emergency in force: a newly registered cache is disabled at once"
            );
        }
        tracing::debug!(cache = info.name.as_str(), id = id.0, class = %info.class, "cache registered");
        state.entries.push(Entry {
            info,
            handle,
            observation: None,
            violations,
        });
        id
    }

    /// Removes a registration; `false` if there was none (or its cache was already dropped).
    pub fn deregister(&self, id: CacheId) -> bool {
        let mut state = self.state();
        let before = state.entries.len();
        state.entries.retain(|e| e.info.id != id);
        state.entries.len() != before
    }

    /// The caches registered and still alive, in registration order.
    pub fn caches(&self) -> Vec<CacheInfo> {
        self.live().into_iter().map(|(info, _)| info).collect()
    }

    /// How many registered caches are alive.
    pub fn len(&self) -> usize {
        self.live().len()
    }

    /// Whether no registered cache is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads every cache's counters and checks the policy: the compliance report.
    ///
    /// Violations are logged at error level when first seen.
    pub fn report(&self) -> ComplianceReport {
        let _one_at_a_time = self
            .inner
            .reporting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Counters are read without holding the registry lock: a cache's stats() takes its own
        // locks, and registration should never wait on them.
        let snapshots: Vec<_> = self
            .live()
            .into_iter()
            .map(|(info, cache)| {
                let enabled = cache.is_enabled();
                (info, enabled, cache.stats())
            })
            .collect();
        let mut state = self.state();
        let caches = snapshots
            .into_iter()
            .map(|(info, enabled, stats)| {
                let violations = match state.entries.iter_mut().find(|e| e.info.id == info.id) {
                    Some(entry) => {
                        let (found, observation) = validate::served_past_max_age(
                            &info,
                            entry.observation.as_ref(),
                            &stats,
                        );
                        entry.observation = Some(observation);
                        if let Some(violation) = found {
                            validate::log_violation(&info, &violation);
                            entry.violations.push(violation);
                        }
                        entry.violations.clone()
                    }
                    // Deregistered while its counters were read: report what was read.
                    None => validate::class_violation(&info).into_iter().collect(),
                };
                (info, enabled, stats, violations)
            })
            .collect();
        let mut refusals = crate::receipt::RefusalCounts::default();
        for tally in &state.refusals {
            tally.add_to(&mut refusals);
        }
        drop(state);
        let mut report = ComplianceReport::assemble(caches);
        report.pre_trade_refusals = refusals;
        report
    }

    /// Counts a set of pre-trade controls' refusals in every report.
    // The pre-trade controls (feature `venues`).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn add_refusal_tally(&self, tally: Arc<crate::receipt::RefusalTally>) {
        self.state().refusals.push(tally);
    }

    /// Disables every enabled cache and keeps disabling new ones until
    /// [`leave_emergency`](Registry::leave_emergency). Returns the caches it disabled.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn enter_emergency(&self) -> Vec<CacheInfo> {
        let mut state = self.state();
        let mut newly = Vec::new();
        let mut ids = state.emergency.take().unwrap_or_default();
        for entry in &state.entries {
            if let Some(cache) = entry.handle.get() {
                if cache.is_enabled() {
                    cache.disable();
                    ids.push(entry.info.id);
                    newly.push(entry.info.clone());
                }
            }
        }
        state.emergency = Some(ids);
        newly
    }

    /// Re-enables the caches the emergency disabled. Returns them.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn leave_emergency(&self) -> Vec<CacheInfo> {
        let mut state = self.state();
        let ids = state.emergency.take().unwrap_or_default();
        let mut enabled = Vec::new();
        for entry in state.entries.iter().filter(|e| ids.contains(&e.info.id)) {
            if let Some(cache) = entry.handle.get() {
                cache.enable();
                enabled.push(entry.info.clone());
            }
        }
        enabled
    }

    /// The live entries, dropping those whose cache is gone.
    fn live(&self) -> Vec<(CacheInfo, Arc<dyn DynCache>)> {
        let mut state = self.state();
        let mut live = Vec::with_capacity(state.entries.len());
        state.entries.retain(|entry| match entry.handle.get() {
            Some(cache) => {
                live.push((entry.info.clone(), cache));
                true
            }
            None => false,
        });
        live
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every step, so a panic elsewhere while it was held
        // leaves nothing half-done; keep monitoring rather than propagate the poison.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("caches", &self.caches())
            .finish()
    }
}

crate::class::declare_class!(Plain for Registry);

/// A cache's class and value type, read from its type at registration.
struct CacheTypes {
    class: DataClass,
    value_type: &'static str,
}

impl CacheTypes {
    fn of<C: MonitoredCache>() -> Self {
        CacheTypes {
            class: <C::Value as Classified>::CLASS,
            value_type: std::any::type_name::<C::Value>(),
        }
    }
}

crate::class::declare_class!(owned Plain for CacheId);
crate::class::declare_class!(owned Plain for CacheInfo);
