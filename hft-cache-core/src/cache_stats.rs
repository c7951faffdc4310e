//! What every cache tells the monitor: identity, class, max age and counters.

use std::time::Duration;

use serde::Serialize;

use crate::class::DataClass;
use crate::monitor::durations::opt_duration_ms;

/// A cache the compliance monitor can report on and the kill switch can disable.
///
/// Implemented by [`StaticCache`](crate::static_cache::StaticCache) and
/// [`StreamCache`](crate::stream_cache::StreamCache); a test may implement it for a stand-in.
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
#[non_exhaustive]
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
    /// Successful loads of the whole data set (static caches; 0 for stream caches).
    pub refreshes: u64,
    /// Failed loads (static caches; 0 for stream caches).
    pub refresh_failures: u64,
    /// Values published by the feeds that write the cache (stream caches; 0 for static caches).
    pub publishes: u64,
    /// How old the oldest data the cache holds is; `None` when it holds none.
    #[serde(with = "opt_duration_ms")]
    pub data_age: Option<Duration>,
    /// The feeds that write the cache (stream caches).
    pub feeds: Vec<FeedStats>,
}

/// One stream feed's health, as its cache sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
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
    /// Whether it is a user's own transport, written through
    /// [`StreamCache::custom_transport_writer`](crate::stream_cache::StreamCache::custom_transport_writer)
    /// rather than by one of the crate's feeds.
    pub custom_transport: bool,
}
