//! [`Trigger`]s: the conditions that trip the kill switch without a human, and what a watcher
//! remembers between ticks to evaluate them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::clock::Timestamp;
use crate::gate::TripReason;
use crate::monitor::{CacheId, CacheReport, ComplianceReport};

/// A condition that trips the kill switch, on every cache or on one named cache.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::kill_switch::Trigger;
///
/// let triggers = [
///     Trigger::feed_unhealthy_for(Duration::from_secs(2)),
///     Trigger::stale_refusals(10, Duration::from_secs(5)).for_cache("books"),
///     Trigger::refresh_failing_past_max_age(),
///     Trigger::compliance_violation(),
/// ];
/// assert_eq!(triggers[1].cache(), Some("books"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    condition: Condition,
    cache: Option<String>,
}

/// What a [`Trigger`] watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Condition {
    /// A stream feed has been unhealthy for longer than this (measured on the cache's clock).
    FeedUnhealthyFor {
        /// The limit.
        longer_than: Duration,
    },
    /// A cache refused more than `more_than` stale reads within `within` (measured on the kill
    /// switch's clock, between watcher ticks). For static caches, reads before the first load
    /// count as stale too.
    StaleRefusals {
        /// The limit: the trigger fires above it.
        more_than: u64,
        /// The window.
        within: Duration,
    },
    /// A static cache's latest refresh failed and its data is past its max age. A cache that
    /// never loaded serves nothing, so it does not fire this. Outcomes are seen at watcher
    /// ticks: a success and a failure within one tick count as a failure.
    RefreshFailingPastMaxAge,
    /// The compliance report found a violation.
    ComplianceViolation,
}

impl Trigger {
    /// Fires when a stream feed has been unhealthy for longer than `longer_than`.
    pub fn feed_unhealthy_for(longer_than: Duration) -> Self {
        Self::new(Condition::FeedUnhealthyFor { longer_than })
    }

    /// Fires when a cache refuses more than `more_than` stale reads within `within`.
    pub fn stale_refusals(more_than: u64, within: Duration) -> Self {
        Self::new(Condition::StaleRefusals { more_than, within })
    }

    /// Fires when a static cache's refresh fails and its data is past its max age.
    pub fn refresh_failing_past_max_age() -> Self {
        Self::new(Condition::RefreshFailingPastMaxAge)
    }

    /// Fires when the compliance report finds a violation.
    pub fn compliance_violation() -> Self {
        Self::new(Condition::ComplianceViolation)
    }

    fn new(condition: Condition) -> Self {
        Trigger {
            condition,
            cache: None,
        }
    }

    /// Watches only the cache of this name.
    pub fn for_cache(mut self, name: impl Into<String>) -> Self {
        self.cache = Some(name.into());
        self
    }

    /// What it watches for.
    pub fn condition(&self) -> Condition {
        self.condition
    }

    /// The same trigger watching for `condition` instead.
    pub(crate) fn with_condition(&self, condition: Condition) -> Self {
        Trigger {
            condition,
            cache: self.cache.clone(),
        }
    }

    /// The one cache it watches, if it is limited to one.
    pub fn cache(&self) -> Option<&str> {
        self.cache.as_deref()
    }

    fn applies_to(&self, cache: &CacheReport) -> bool {
        self.cache
            .as_deref()
            .is_none_or(|name| name == cache.info.name)
    }
}

/// What a watcher remembers of each cache between ticks.
#[derive(Debug, Default)]
pub(super) struct Memory {
    caches: HashMap<CacheId, CacheMemory>,
}

#[derive(Debug)]
struct CacheMemory {
    /// `(when, stale refusals so far)` at each tick: the newest at or before the window's
    /// start, and every one after it.
    stale_samples: VecDeque<(Timestamp, u64)>,
    /// `refreshes` when last seen, to notice a successful refresh.
    refreshes: u64,
    /// `refresh_failures` when last seen, to notice a failed one.
    failures: u64,
    /// Failed refreshes since the last successful one, as far as the ticks tell.
    failures_since_success: u64,
}

impl Memory {
    /// Forgets everything: the next tick is a new baseline (after a resume).
    pub(super) fn clear(&mut self) {
        self.caches.clear();
    }

    /// Takes this tick's counters into account.
    pub(super) fn observe(
        &mut self,
        report: &ComplianceReport,
        now: Timestamp,
        longest_window: Duration,
    ) {
        self.caches
            .retain(|id, _| report.caches.iter().any(|c| c.info.id == *id));
        for cache in &report.caches {
            let stats = &cache.stats;
            let memory = self
                .caches
                .entry(cache.info.id)
                .or_insert_with(|| CacheMemory {
                    stale_samples: VecDeque::new(),
                    refreshes: stats.refreshes,
                    failures: stats.refresh_failures,
                    // Seen for the first time with its data already expired: the failures counted so
                    // far are why, so they count.
                    failures_since_success: if stats
                        .data_age
                        .is_some_and(|age| age > cache.info.max_age)
                    {
                        stats.refresh_failures
                    } else {
                        0
                    },
                });
            let new_failures = stats.refresh_failures.saturating_sub(memory.failures);
            if new_failures > 0 {
                // A success in the same tick may have come before or after these failures; take
                // the failures as the latest outcome, the safe side: the trigger still waits
                // for the data to pass its max age.
                memory.failures_since_success = if stats.refreshes != memory.refreshes {
                    new_failures
                } else {
                    memory.failures_since_success.saturating_add(new_failures)
                };
            } else if stats.refreshes != memory.refreshes {
                memory.failures_since_success = 0;
            }
            memory.refreshes = stats.refreshes;
            memory.failures = stats.refresh_failures;
            memory.stale_samples.push_back((now, stats.stale_refusals));
            if let Some(start) = window_start(now, longest_window) {
                while memory
                    .stale_samples
                    .get(1)
                    .is_some_and(|(t, _)| *t <= start)
                {
                    memory.stale_samples.pop_front();
                }
            }
        }
    }

    /// Whether `trigger` fires on this tick; the first cache it fires on.
    pub(super) fn evaluate(
        &self,
        trigger: &Trigger,
        report: &ComplianceReport,
        now: Timestamp,
    ) -> Option<TripReason> {
        let caches = report.caches.iter().filter(|c| trigger.applies_to(c));
        match trigger.condition {
            Condition::FeedUnhealthyFor { longer_than } => caches.into_iter().find_map(|cache| {
                cache.stats.feeds.iter().find_map(|feed| {
                    let unhealthy_for = feed
                        .unhealthy_for
                        .filter(|d| !feed.healthy && *d > longer_than)?;
                    Some(TripReason::FeedUnhealthy {
                        cache: cache.info.name.clone(),
                        feed: feed.name.clone(),
                        fault: feed.fault.clone(),
                        unhealthy_for,
                        limit: longer_than,
                    })
                })
            }),
            Condition::StaleRefusals { more_than, within } => {
                caches.into_iter().find_map(|cache| {
                    let refusals = self.stale_refusals_within(cache, now, within)?;
                    (refusals > more_than).then(|| TripReason::StaleRefusals {
                        cache: cache.info.name.clone(),
                        refusals,
                        limit: more_than,
                        within,
                    })
                })
            }
            Condition::RefreshFailingPastMaxAge => caches.into_iter().find_map(|cache| {
                let memory = self.caches.get(&cache.info.id)?;
                let stats = &cache.stats;
                let failures = memory.failures_since_success;
                let past = stats.data_age.is_some_and(|age| age > cache.info.max_age);
                (failures > 0 && past).then(|| TripReason::RefreshFailingPastMaxAge {
                    cache: cache.info.name.clone(),
                    age: stats.data_age,
                    max_age: cache.info.max_age,
                    failures,
                })
            }),
            Condition::ComplianceViolation => caches
                .into_iter()
                .find_map(|cache| cache.violations.first())
                .map(|violation| TripReason::ComplianceViolation {
                    violation: violation.clone(),
                }),
        }
    }

    /// Stale refusals since the newest sample at or before `now - within` (or since the cache
    /// was first seen, if that is more recent).
    fn stale_refusals_within(
        &self,
        cache: &CacheReport,
        now: Timestamp,
        within: Duration,
    ) -> Option<u64> {
        let samples = &self.caches.get(&cache.info.id)?.stale_samples;
        let start = window_start(now, within);
        let baseline = samples
            .iter()
            .rev()
            .find(|(t, _)| start.is_some_and(|start| *t <= start))
            .or_else(|| samples.front())?;
        Some(cache.stats.stale_refusals.saturating_sub(baseline.1))
    }
}

/// `now - window`, or `None` before the clock has run that long.
fn window_start(now: Timestamp, window: Duration) -> Option<Timestamp> {
    let window = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
    now.as_nanos()
        .checked_sub(window)
        .map(Timestamp::from_nanos)
}

crate::class::declare_class!(Plain for Trigger);
crate::class::declare_class!(Plain for Condition);
