//! The policy's checks on one cache: its class, whether it served data past its max age, and
//! whether it is healthy enough to trade on.

use std::time::Duration;

use super::registry::CacheInfo;
use super::report::{CacheStatus, HealthProblem, Violation};
use crate::cache_stats::CacheStats;
use crate::class::DataClass;

/// How far past its max age a data set must be before reads of it count as a violation.
///
/// Static caches compare expiry with the clock's cheap `recent()` reading, which trails the
/// precise one by about a millisecond (more on a loaded machine); a read in that margin is the
/// design working as intended, not a breach.
pub(crate) const COARSE_CLOCK_GRACE: Duration = Duration::from_millis(50);

/// What a report saw of a cache, for the next report to compare against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observation {
    hits: u64,
    refreshes: u64,
    /// The data set was past its max age (plus the grace) when seen.
    expired: bool,
}

/// A cache of `Live` values breaks the policy whatever it does.
pub(crate) fn class_violation(info: &CacheInfo) -> Option<Violation> {
    (info.class == DataClass::Live).then(|| Violation::LiveDataCached {
        cache: info.name.clone(),
        value_type: info.value_type.to_owned(),
    })
}

/// Whether reads succeeded on a data set that was already expired at the previous report.
///
/// A static cache serves one data set at a time; `refreshes` unchanged between two reports
/// means no new set was swapped in, so every hit counted in between was served from the set the
/// first report already saw expired. Stream caches check each key's own age on every read and
/// their counters cannot tell which key a hit was for, so this check does not apply to them.
pub(crate) fn served_past_max_age(
    info: &CacheInfo,
    previous: Option<&Observation>,
    stats: &CacheStats,
) -> (Option<Violation>, Observation) {
    let expired = info.class != DataClass::Streamed
        && stats
            .data_age
            .is_some_and(|age| age > info.max_age.saturating_add(COARSE_CLOCK_GRACE));
    let now = Observation {
        hits: stats.hits,
        refreshes: stats.refreshes,
        expired,
    };
    let violation = match previous {
        Some(before)
            if before.expired
                && now.expired
                && before.refreshes == now.refreshes
                && now.hits > before.hits =>
        {
            Some(Violation::ServedPastMaxAge {
                cache: info.name.clone(),
                age: stats.data_age.unwrap_or_default(),
                max_age: info.max_age,
                reads: now.hits - before.hits,
            })
        }
        _ => None,
    };
    (violation, now)
}

/// What keeps a cache from serving: unhealthy feeds, static data past its max age.
pub(crate) fn health_problems(info: &CacheInfo, stats: &CacheStats) -> Vec<HealthProblem> {
    let mut problems: Vec<HealthProblem> = stats
        .feeds
        .iter()
        .filter(|feed| !feed.healthy)
        .map(|feed| HealthProblem::FeedUnhealthy {
            cache: info.name.clone(),
            feed: feed.name.clone(),
            fault: feed.fault.clone(),
            unhealthy_for: feed.unhealthy_for,
        })
        .collect();
    // A stream cache's data age is its oldest key's, which may be a symbol nobody trades any
    // more; its freshness is the feeds' health, checked above, and each read's own age check.
    if info.class != DataClass::Streamed {
        if let Some(age) = stats.data_age.filter(|age| *age > info.max_age) {
            problems.push(HealthProblem::PastMaxAge {
                cache: info.name.clone(),
                age,
                max_age: info.max_age,
                refresh_failures: stats.refresh_failures,
            });
        }
    }
    problems
}

/// One word for the cache's state.
pub(crate) fn status(info: &CacheInfo, enabled: bool, stats: &CacheStats) -> CacheStatus {
    if !enabled {
        CacheStatus::Disabled
    } else if stats.feeds.iter().any(|feed| !feed.healthy) {
        CacheStatus::FeedUnhealthy
    } else {
        match stats.data_age {
            None => CacheStatus::Empty,
            Some(age) if info.class != DataClass::Streamed && age > info.max_age => {
                CacheStatus::Stale
            }
            Some(_) => CacheStatus::Serving,
        }
    }
}

pub(crate) fn log_violation(info: &CacheInfo, violation: &Violation) {
    tracing::error!(
        cache = info.name.as_str(),
        value_type = info.value_type,
        class = %info.class,
        violation = violation.kind(),
        detail = %violation,
        "compliance violation"
    );
}
