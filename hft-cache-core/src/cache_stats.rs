//! What every cache tells the monitor: identity, class, max age and counters.

use std::time::Duration;

use serde::Serialize;

use crate::DataClass;

/// A cache the compliance monitor can report on and the kill switch can disable.
///
/// Implemented by [`StaticCache`](crate::StaticCache) and [`StreamCache`](crate::StreamCache).
pub trait MonitoredCache: Send + Sync + 'static {
    /// The cache's name, as given to its builder.
    fn name(&self) -> &str;
    /// The class of the values it holds.
    fn class(&self) -> DataClass;
    /// The type name of the values it holds.
    fn value_type(&self) -> &'static str;
    /// How old a value may be when it is served.
    fn max_age(&self) -> Duration;
    /// A snapshot of the counters.
    fn stats(&self) -> CacheStats;
    /// Makes every read fail until [`enable`](MonitoredCache::enable) (the emergency procedure).
    fn disable(&self);
    /// Lets reads succeed again.
    fn enable(&self);
    /// Whether reads are allowed.
    fn is_enabled(&self) -> bool;
}

/// A cache's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheStats {
    /// Reads that returned a value.
    pub hits: u64,
    /// Reads of a key the cache does not hold.
    pub misses: u64,
    /// Reads refused because the data was older than its max age.
    pub stale_refusals: u64,
    /// Reads refused because the feed that wrote the key was unhealthy.
    pub unhealthy_refusals: u64,
    /// Reads refused because the cache was disabled.
    pub disabled_refusals: u64,
    /// Successful loads (static caches) or published updates (stream caches).
    pub refreshes: u64,
    /// Failed loads (static caches).
    pub refresh_failures: u64,
    /// How old the oldest data the cache holds is; `None` when it holds none.
    #[serde(with = "opt_duration_ms")]
    pub data_age: Option<Duration>,
    /// The feeds that write the cache (stream caches).
    pub feeds: Vec<FeedStats>,
}

/// One stream feed's health, as its cache sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedStats {
    /// The feed's name.
    pub name: String,
    /// Whether its keys are readable.
    pub healthy: bool,
    /// Why not, when unhealthy.
    pub fault: Option<String>,
    /// How long it has been unhealthy.
    #[serde(with = "opt_duration_ms")]
    pub unhealthy_for: Option<Duration>,
    /// How many keys it has written.
    pub keys: usize,
}

/// Durations in reports are milliseconds, as floats, so JSON readers need no duration format.
pub(crate) mod opt_duration_ms {
    use std::time::Duration;

    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_secs_f64() * 1e3)),
            None => s.serialize_none(),
        }
    }
}

/// `my_crate::types::SymbolInfo` → `SymbolInfo` (generic arguments kept).
pub(crate) fn short_type_name(full: &str) -> &str {
    let end = full.find('<').unwrap_or(full.len());
    let start = full[..end].rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}
