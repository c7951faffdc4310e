//! The suspect window of a trip: from when its condition began, minus the affected data's max
//! age, to the halt.

use std::time::Duration;

use super::SuspectWindow;
use crate::clock::Timestamp;
use crate::gate::TripReason;
use crate::journal::OrderJournal;
use crate::monitor::ComplianceReport;

/// The suspect window of a trip at `at`, from the compliance report taken then.
pub(crate) fn suspect_window(
    reason: &TripReason,
    at: Timestamp,
    at_unix_ms: u64,
    compliance: &ComplianceReport,
    journal: Option<&OrderJournal>,
    manual_window: Duration,
) -> SuspectWindow {
    let max_age_of = |cache: &str| compliance.cache(cache).map(|c| c.info.max_age);
    let longest = compliance
        .caches
        .iter()
        .map(|c| c.info.max_age)
        .max()
        .unwrap_or_default()
        .max(manual_window);
    let (condition_for, max_age, basis) = window_basis(reason, &max_age_of, longest);
    let back = condition_for.saturating_add(max_age);
    let from = Timestamp::from_nanos(
        at.as_nanos()
            .saturating_sub(u64::try_from(back.as_nanos()).unwrap_or(u64::MAX)),
    );
    let back_ms = u64::try_from(back.as_millis()).unwrap_or(u64::MAX);
    let (orders, journal_truncated) = journal.map_or((Vec::new(), false), |j| {
        let (entries, truncated) = j.since(from);
        (
            entries.into_iter().filter(|e| e.at <= at).collect(),
            truncated,
        )
    });
    SuspectWindow {
        from,
        to: at,
        from_unix_ms: at_unix_ms.saturating_sub(back_ms),
        to_unix_ms: at_unix_ms,
        condition_for,
        max_age,
        basis,
        orders,
        journal_truncated,
    }
}

fn window_basis(
    reason: &TripReason,
    max_age_of: &dyn Fn(&str) -> Option<Duration>,
    longest: Duration,
) -> (Duration, Duration, String) {
    // A cache no longer registered: the safe side is the longest window.
    let of = |cache: &str| max_age_of(cache).unwrap_or(longest);
    match reason {
        TripReason::FeedUnhealthy {
            cache,
            unhealthy_for,
            ..
        } => (
            *unhealthy_for,
            of(cache),
            format!("feed of `{cache}` unhealthy for {unhealthy_for:?}, plus the cache's max age"),
        ),
        TripReason::StaleRefusals { cache, within, .. } => (
            *within,
            of(cache),
            format!("stale refusals of `{cache}` counted over {within:?}, plus the cache's max age"),
        ),
        TripReason::RefreshFailingPastMaxAge {
            cache,
            age,
            max_age,
            ..
        } => {
            let past = age.map_or(Duration::ZERO, |age| age.saturating_sub(*max_age));
            (
                past,
                *max_age,
                format!("data of `{cache}` past its max age for {past:?}, plus its max age"),
            )
        }
        TripReason::ComplianceViolation { violation } => {
            let cache = violation.cache();
            (
                Duration::ZERO,
                of(cache),
                format!("violation on `{cache}` at the halt, plus the cache's max age"),
            )
        }
        TripReason::Relapse { cause, .. } | TripReason::Scoped { cause, .. } => {
            window_basis(cause, max_age_of, longest)
        }
        TripReason::PreTradeBreach { within, rule, .. } => (
            *within,
            longest,
            format!("pre-trade refusals of `{rule}` counted over {within:?}, plus the longest max age of the caches"),
        ),
        TripReason::ControlPlaneLost {
            unacknowledged_for, ..
        } => (
            *unacknowledged_for,
            longest,
            format!("no control plane for {unacknowledged_for:?}, plus the longest max age of the caches"),
        ),
        TripReason::Manual { .. }
        | TripReason::PaperFault { .. }
        | TripReason::DeadManFailed { .. } => (
            Duration::ZERO,
            longest,
            "no condition named: the manual window or the longest max age of the caches, whichever is longer".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookView;
    use crate::monitor::Registry;
    use crate::stream_cache::StreamCache;

    fn window(reason: TripReason) -> SuspectWindow {
        let registry = Registry::new();
        let _books = StreamCache::<String, BookView>::builder()
            .name("books")
            .max_age(Duration::from_secs(5))
            .registry(&registry)
            .build()
            .unwrap();
        let at = Timestamp::from_duration(Duration::from_secs(100));
        suspect_window(
            &reason,
            at,
            1_000_000,
            &registry.report(),
            None,
            Duration::from_secs(30),
        )
    }

    fn back(w: &SuspectWindow) -> (u64, u64) {
        (
            w.to.saturating_since(w.from).as_secs(),
            w.to_unix_ms - w.from_unix_ms,
        )
    }

    #[test]
    fn a_feed_window_reaches_back_the_unhealthy_time_plus_the_cache_s_max_age() {
        let w = window(TripReason::FeedUnhealthy {
            cache: "books".into(),
            feed: "ws".into(),
            fault: None,
            unhealthy_for: Duration::from_secs(2),
            limit: Duration::from_secs(1),
        });
        assert_eq!(back(&w), (7, 7000));
        assert_eq!(w.max_age, Duration::from_secs(5));
    }

    #[test]
    fn a_stale_data_window_starts_when_the_data_was_loaded() {
        let w = window(TripReason::RefreshFailingPastMaxAge {
            cache: "rules".into(),
            age: Some(Duration::from_secs(70)),
            max_age: Duration::from_secs(60),
            failures: 3,
        });
        assert_eq!(back(&w).0, 70);
    }

    #[test]
    fn a_manual_trip_looks_back_the_manual_window_at_least() {
        assert_eq!(back(&window("stop".into())).0, 30);
        let relapse = window(TripReason::Relapse {
            after_resume: Duration::from_secs(1),
            watch: Duration::from_secs(60),
            cause: Box::new(TripReason::StaleRefusals {
                cache: "books".into(),
                refusals: 3,
                limit: 2,
                within: Duration::from_secs(10),
            }),
        });
        assert_eq!(back(&relapse).0, 15, "the cause's window");
    }
}
