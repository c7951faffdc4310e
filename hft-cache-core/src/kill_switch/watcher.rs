//! [`Watcher`]: evaluates the [`Trigger`]s on every tick and trips the kill switch when one
//! fires.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::trigger::{Condition, Memory};
use super::{EmergencyReport, KillSwitch, Trigger};
use crate::gate::TripReason;

/// The default time between two evaluations of the triggers.
const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

/// Trips a [`KillSwitch`] when one of its [`Trigger`]s fires.
///
/// [`spawn`](Watcher::spawn) evaluates them on a tokio interval; tests call
/// [`evaluate_now`](Watcher::evaluate_now) instead and move a
/// [`ManualClock`](crate::clock::ManualClock).
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::ManualClock;
/// use hft_cache::kill_switch::{KillSwitch, Trigger};
/// use hft_cache::monitor::Registry;
/// use hft_cache::stream_cache::FeedFault;
///
/// #[derive(Streamed)]
/// struct Book { best_bid: u64 }
///
/// let clock = ManualClock::new();
/// let books = StreamCache::<String, Book>::builder().name("books").clock(clock.shared()).build().unwrap();
/// let feed = books.custom_transport_writer("binance-ws");
/// let registry = Registry::new();
/// registry.register(books.clone());
/// let kill = KillSwitch::builder().registry(&registry).clock(clock.shared()).build();
/// let watcher = kill
///     .watcher()
///     .trigger(Trigger::feed_unhealthy_for(Duration::from_secs(2)))
///     .build()?;
///
/// feed.mark_unhealthy(FeedFault::Disconnected);
/// clock.advance(Duration::from_secs(2));
/// assert!(watcher.evaluate_now().is_none(), "not longer than 2 s yet");
/// clock.advance(Duration::from_millis(1));
/// let report = watcher.evaluate_now().expect("tripped");
/// assert_eq!(report.reason.trigger(), "feed_unhealthy");
/// assert!(kill.gate().check().is_err());
/// # Ok::<(), hft_cache::kill_switch::WatcherBuildError>(())
/// ```
#[derive(Clone)]
pub struct Watcher {
    inner: Arc<Inner>,
}

struct Inner {
    kill: KillSwitch,
    triggers: Vec<Trigger>,
    interval: Duration,
    /// The longest stale-refusal window, to know which samples to keep.
    longest_window: Duration,
    state: Mutex<State>,
}

struct State {
    memory: Memory,
    /// The switch's resume count when last evaluated: a resume starts every window afresh.
    resumes: u64,
}

/// Configures a [`Watcher`] (from [`KillSwitch::watcher`]).
#[must_use]
#[derive(Debug)]
pub struct WatcherBuilder {
    kill: KillSwitch,
    triggers: Vec<Trigger>,
    interval: Duration,
}

/// A [`WatcherBuilder`] setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WatcherBuildError {
    /// No trigger was given: the watcher would never fire.
    #[error("a kill-switch watcher needs at least one trigger")]
    NoTriggers,
    /// The interval is zero.
    #[error("a kill-switch watcher's interval must be above zero")]
    ZeroInterval,
    /// A stale-refusal trigger has a zero window: it could never count a refusal.
    #[error("a stale-refusal trigger's window must be above zero")]
    ZeroWindow,
}

impl WatcherBuilder {
    pub(super) fn new(kill: KillSwitch) -> Self {
        WatcherBuilder {
            kill,
            triggers: Vec::new(),
            interval: DEFAULT_INTERVAL,
        }
    }

    /// Adds a trigger. Triggers are evaluated in the order added; the first that fires trips.
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.triggers.push(trigger);
        self
    }

    /// Adds several triggers.
    pub fn triggers(mut self, triggers: impl IntoIterator<Item = Trigger>) -> Self {
        self.triggers.extend(triggers);
        self
    }

    /// Time between two evaluations when [spawned](Watcher::spawn) (default 100 ms).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Builds the watcher; it evaluates nothing until [`spawn`](Watcher::spawn) or
    /// [`evaluate_now`](Watcher::evaluate_now).
    ///
    /// # Errors
    ///
    /// [`WatcherBuildError`] for no triggers, a zero interval or a zero window.
    pub fn build(self) -> Result<Watcher, WatcherBuildError> {
        if self.triggers.is_empty() {
            return Err(WatcherBuildError::NoTriggers);
        }
        if self.interval.is_zero() {
            return Err(WatcherBuildError::ZeroInterval);
        }
        let windows = self.triggers.iter().filter_map(|t| match t.condition() {
            Condition::StaleRefusals { within, .. } => Some(within),
            _ => None,
        });
        let mut longest_window = Duration::ZERO;
        for window in windows {
            if window.is_zero() {
                return Err(WatcherBuildError::ZeroWindow);
            }
            longest_window = longest_window.max(window);
        }
        let resumes = self.kill.resumes();
        Ok(Watcher {
            inner: Arc::new(Inner {
                kill: self.kill,
                triggers: self.triggers,
                interval: self.interval,
                longest_window,
                state: Mutex::new(State {
                    memory: Memory::default(),
                    resumes,
                }),
            }),
        })
    }
}

impl Watcher {
    /// Takes a compliance report, evaluates every trigger, and trips the switch with the first
    /// that fires. Returns the emergency report if this call tripped it.
    ///
    /// Within the switch's [relapse watch](super::KillSwitchBuilder::relapse_watch) the
    /// triggers run at their tightened limits and trip with [`TripReason::Relapse`]. In a paper
    /// phase it also [checks the phase](KillSwitch::check_paper). While the switch is halted it
    /// keeps its counts up to date but does not trip again.
    pub fn evaluate_now(&self) -> Option<EmergencyReport> {
        let inner = &*self.inner;
        let reason = {
            let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            let resumes = inner.kill.resumes();
            if resumes != state.resumes {
                state.resumes = resumes;
                state.memory.clear();
            }
            let report = inner.kill.registry().report();
            let now = inner.kill.clock().now();
            state.memory.observe(&report, now, inner.longest_window);
            if inner.kill.is_halted() {
                return None;
            }
            let fired = match inner.kill.in_relapse_watch(now) {
                None => inner
                    .triggers
                    .iter()
                    .find_map(|trigger| state.memory.evaluate(trigger, &report, now)),
                Some((after_resume, watch)) => inner.triggers.iter().find_map(|trigger| {
                    let cause = state
                        .memory
                        .evaluate(&watch.tighten(trigger), &report, now)?;
                    Some(TripReason::Relapse {
                        after_resume,
                        watch: watch.period(),
                        cause: Box::new(cause),
                    })
                }),
            };
            match fired {
                Some(reason) => reason,
                None => {
                    drop(state);
                    return inner.kill.check_paper();
                }
            }
        };
        tracing::error!(
            trigger = reason.trigger(),
            cache = reason.cache().unwrap_or("-"),
            reason = %reason,
            "kill-switch trigger fired"
        );
        Some(inner.kill.trip(reason))
    }

    /// Evaluates the triggers every interval on a tokio task, until the handle is dropped.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn spawn(&self) -> WatcherHandle {
        let watcher = self.clone();
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(watcher.inner.interval);
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                watcher.evaluate_now();
            }
        });
        WatcherHandle { task }
    }

    /// The triggers, in evaluation order.
    pub fn triggers(&self) -> &[Trigger] {
        &self.inner.triggers
    }
}

impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher")
            .field("triggers", &self.inner.triggers)
            .field("interval", &self.inner.interval)
            .finish_non_exhaustive()
    }
}

/// Stops a spawned [`Watcher`] when dropped.
#[derive(Debug)]
#[must_use = "the watcher stops when this handle is dropped"]
pub struct WatcherHandle {
    task: JoinHandle<()>,
}

impl WatcherHandle {
    /// Stops the watcher now.
    pub fn stop(self) {}
}

impl Drop for WatcherHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

crate::class::declare_class!(Plain for Watcher);
crate::class::declare_class!(Plain for WatcherBuilder);
crate::class::declare_class!(Plain for WatcherBuildError);
crate::class::declare_class!(Plain for WatcherHandle);
