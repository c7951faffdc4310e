//! [`ComplianceReport`]: every cache's counters and feed health, and the policy's verdict.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::registry::CacheInfo;
use super::validate;
use crate::cache_stats::CacheStats;
use crate::report_format::{duration_ms, opt_duration_ms, unix_millis};

/// The state of every registered cache and whether they keep the policy.
///
/// Serialises to JSON (`serde`), and its `Display` is a readable text form.
///
/// ```
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::ManualClock;
/// use hft_cache::monitor::Registry;
///
/// #[derive(Streamed)]
/// struct Ticker { bid: u64 }
///
/// let clock = ManualClock::new();
/// let tickers = StreamCache::<String, Ticker>::builder().name("tickers").clock(clock.shared()).build().unwrap();
/// let feed = tickers.custom_transport_writer("ws");
/// feed.publish("BTCUSDT".into(), Ticker { bid: 1 });
///
/// let registry = Registry::new();
/// registry.register(tickers.clone());
/// let report = registry.report();
/// assert!(report.compliant);
/// assert_eq!(report.custom_transport_caches, ["tickers"]);
///
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["caches"][0]["name"], "tickers");
/// assert_eq!(json["caches"][0]["feeds"][0]["healthy"], true);
/// assert!(report.to_string().contains("tickers"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// When the report was made, in milliseconds since the Unix epoch.
    pub generated_at_unix_ms: u64,
    /// No violation: no cache holds `Live` data and none served data past its max age.
    pub compliant: bool,
    /// What broke the policy, if anything.
    pub violations: Vec<Violation>,
    /// Every feed healthy and no static data set past its max age.
    pub healthy: bool,
    /// What keeps caches from serving, if anything.
    pub health_problems: Vec<HealthProblem>,
    /// Each registered cache, in registration order.
    pub caches: Vec<CacheReport>,
    /// The caches a user's own transport writes, through
    /// [`StreamCache::custom_transport_writer`](crate::stream_cache::StreamCache::custom_transport_writer):
    /// the crate cannot vouch for their feeds' health reporting, so a reviewer should.
    pub custom_transport_caches: Vec<String>,
    /// Orders the pre-trade controls registered here refused, by rule (`{"price_collar": 2}`),
    /// since they were built.
    pub pre_trade_refusals: crate::receipt::RefusalCounts,
}

/// One cache in a [`ComplianceReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheReport {
    /// What the cache registered as.
    #[serde(flatten)]
    pub info: CacheInfo,
    /// Whether reads are allowed (the kill switch disables caches).
    pub enabled: bool,
    /// One word for its state.
    pub status: CacheStatus,
    /// Its counters, data age and feeds.
    #[serde(flatten)]
    pub stats: CacheStats,
    /// The policy violations seen on it (they stay until it is deregistered).
    pub violations: Vec<Violation>,
}

/// One word for a cache's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// Enabled, holding data in date, feeds healthy.
    Serving,
    /// Enabled but holding no data yet.
    Empty,
    /// Its static data set is past its max age: reads are refused until a refresh succeeds.
    Stale,
    /// A feed that writes it is unhealthy: that feed's keys are refused.
    FeedUnhealthy,
    /// Disabled by the emergency procedure: every read is refused.
    Disabled,
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheStatus::Serving => "serving",
            CacheStatus::Empty => "empty",
            CacheStatus::Stale => "STALE (reads refused)",
            CacheStatus::FeedUnhealthy => "FEED UNHEALTHY (its keys refused)",
            CacheStatus::Disabled => "DISABLED (reads refused)",
        })
    }
}

/// A breach of the caching policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// A cache holds `Live` data, which is never to be cached.
    LiveDataCached {
        /// The cache.
        cache: String,
        /// The type of its values.
        value_type: String,
    },
    /// Reads succeeded on data already past its max age.
    ServedPastMaxAge {
        /// The cache.
        cache: String,
        /// How old the data was when seen.
        #[serde(with = "duration_ms")]
        age: Duration,
        /// Its max age.
        #[serde(with = "duration_ms")]
        max_age: Duration,
        /// How many reads were served from it.
        reads: u64,
    },
}

impl Violation {
    /// The cache at fault.
    pub fn cache(&self) -> &str {
        match self {
            Violation::LiveDataCached { cache, .. } | Violation::ServedPastMaxAge { cache, .. } => {
                cache
            }
        }
    }

    /// A short, stable name for the kind of breach (as in the JSON `kind` field).
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::LiveDataCached { .. } => "live_data_cached",
            Violation::ServedPastMaxAge { .. } => "served_past_max_age",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::LiveDataCached { cache, value_type } => write!(
                f,
                "cache `{cache}` holds live data `{value_type}`, which may never be cached"
            ),
            Violation::ServedPastMaxAge {
                cache,
                age,
                max_age,
                reads,
            } => write!(
                f,
                "cache `{cache}` served {reads} read(s) from data {age:?} old, past its max age of {max_age:?}"
            ),
        }
    }
}

/// Something that keeps a cache from serving; trading resumes only without any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HealthProblem {
    /// A stream feed is unhealthy: its keys are refused.
    FeedUnhealthy {
        /// The cache.
        cache: String,
        /// The feed.
        feed: String,
        /// Why, as the feed reported it.
        fault: Option<String>,
        /// For how long.
        #[serde(with = "opt_duration_ms")]
        unhealthy_for: Option<Duration>,
    },
    /// A static data set is past its max age: its refresh has been failing (or not running).
    PastMaxAge {
        /// The cache.
        cache: String,
        /// How old the data is.
        #[serde(with = "duration_ms")]
        age: Duration,
        /// Its max age.
        #[serde(with = "duration_ms")]
        max_age: Duration,
        /// Failed refreshes so far.
        refresh_failures: u64,
    },
}

impl HealthProblem {
    /// The cache concerned.
    pub fn cache(&self) -> &str {
        match self {
            HealthProblem::FeedUnhealthy { cache, .. }
            | HealthProblem::PastMaxAge { cache, .. } => cache,
        }
    }
}

impl fmt::Display for HealthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthProblem::FeedUnhealthy {
                cache,
                feed,
                fault,
                unhealthy_for,
            } => {
                write!(f, "feed `{feed}` of cache `{cache}` is unhealthy")?;
                if let Some(fault) = fault {
                    write!(f, " ({fault})")?;
                }
                if let Some(d) = unhealthy_for {
                    write!(f, " for {d:?}")?;
                }
                Ok(())
            }
            HealthProblem::PastMaxAge {
                cache,
                age,
                max_age,
                refresh_failures,
            } => write!(
                f,
                "cache `{cache}` holds data {age:?} old, past its max age of {max_age:?} ({refresh_failures} failed refreshes)"
            ),
        }
    }
}

impl ComplianceReport {
    pub(crate) fn assemble(caches: Vec<(CacheInfo, bool, CacheStats, Vec<Violation>)>) -> Self {
        let caches: Vec<CacheReport> = caches
            .into_iter()
            .map(|(info, enabled, stats, violations)| CacheReport {
                status: validate::status(&info, enabled, &stats),
                info,
                enabled,
                stats,
                violations,
            })
            .collect();
        let violations: Vec<Violation> = caches
            .iter()
            .flat_map(|c| c.violations.iter().cloned())
            .collect();
        let health_problems: Vec<HealthProblem> = caches
            .iter()
            .flat_map(|c| validate::health_problems(&c.info, &c.stats))
            .collect();
        let custom_transport_caches = caches
            .iter()
            .filter(|c| c.stats.feeds.iter().any(|feed| feed.custom_transport))
            .map(|c| c.info.name.clone())
            .collect();
        ComplianceReport {
            generated_at_unix_ms: unix_millis(),
            compliant: violations.is_empty(),
            violations,
            healthy: health_problems.is_empty(),
            health_problems,
            caches,
            custom_transport_caches,
            pre_trade_refusals: crate::receipt::RefusalCounts::default(),
        }
    }

    /// Whether trading may resume: compliant and healthy.
    pub fn ready_to_resume(&self) -> bool {
        self.compliant && self.healthy
    }

    /// The first registered cache with this name.
    pub fn cache(&self, name: &str) -> Option<&CacheReport> {
        self.caches.iter().find(|c| c.info.name == name)
    }

    /// The report as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        // Every field serialises (no maps with non-string keys, no fallible impls).
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }
}

crate::class::declare_class!(owned Plain for CacheReport);
crate::class::declare_class!(owned Plain for CacheStatus);
crate::class::declare_class!(owned Plain for HealthProblem);
crate::class::declare_class!(owned Plain for Violation);
crate::class::declare_class!(owned Plain for ComplianceReport);
