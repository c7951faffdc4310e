//! What every cache tells the monitor: identity, class, max age and counters.

use std::time::Duration;

use serde::Serialize;

use crate::class::Classified;
use crate::report_format::opt_duration_ms;

pub(crate) mod sealed {
    /// The seal of [`MonitoredCache`](super::MonitoredCache): implemented for the crate's caches.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not one of hft-cache's caches, so the compliance monitor cannot vouch for it",
        label = "a cache of your own",
        note = "keep static data in a `StaticCache` and streamed data in a `StreamCache`: the monitor reports only the crate's caches, whose max age and counters it can trust"
    )]
    pub trait Sealed {}
}

/// A cache the compliance monitor can report on and the kill switch can disable.
///
/// Implemented by [`StaticCache`](crate::static_cache::StaticCache) and
/// [`StreamCache`](crate::stream_cache::StreamCache) only: the trait is sealed, because the
/// compliance report and the kill switch trust what a cache says of itself (its max age, its
/// counters, that it stopped serving when disabled), and only the crate's caches keep those
/// promises by construction. A cache's class and value type come from
/// [`Value`](MonitoredCache::Value), never from what the cache says. Tests that need a cache
/// breaking the rules use `monitor::StandInCache` (feature `test-util`).
pub trait MonitoredCache: sealed::Sealed + Send + Sync + 'static {
    /// The type of the values it holds; the report shows its class and name.
    type Value: Classified + ?Sized;
    /// The cache's name, as given to its builder.
    fn name(&self) -> &str;
    /// How old a value may be when it is served.
    fn max_age(&self) -> Duration;
    /// A snapshot of the counters.
    fn stats(&self) -> CacheStats;
    /// Makes every read fail until [`enable`](MonitoredCache::enable) (the emergency procedure).
    fn disable(&self);
    /// Lets reads succeed again.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
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
    /// Its health epoch: how many times it has become unhealthy. A decision
    /// [`Receipt`](crate::pre_trade::Receipt) of one of its values is refused at send time
    /// once this has moved past the epoch of the read.
    pub epoch: u64,
    /// How many keys it has written.
    pub keys: usize,
    /// Whether it is a user's own transport, written through
    /// [`StreamCache::custom_transport_writer`](crate::stream_cache::StreamCache::custom_transport_writer)
    /// rather than by one of the crate's feeds.
    pub custom_transport: bool,
}

/// What the registry keeps of a cache: [`MonitoredCache`] without its value type, so that caches
/// of every type fit one list. The class and value type were read from the type at registration.
pub(crate) trait DynCache: Send + Sync + 'static {
    fn name(&self) -> &str;
    fn max_age(&self) -> Duration;
    fn stats(&self) -> CacheStats;
    fn disable(&self);
    fn enable(&self);
    fn is_enabled(&self) -> bool;
}

impl<C: MonitoredCache> DynCache for C {
    fn name(&self) -> &str {
        MonitoredCache::name(self)
    }
    fn max_age(&self) -> Duration {
        MonitoredCache::max_age(self)
    }
    fn stats(&self) -> CacheStats {
        MonitoredCache::stats(self)
    }
    fn disable(&self) {
        MonitoredCache::disable(self)
    }
    fn enable(&self) {
        MonitoredCache::enable(self)
    }
    fn is_enabled(&self) -> bool {
        MonitoredCache::is_enabled(self)
    }
}

crate::class::declare_class!(owned Plain for CacheStats);
crate::class::declare_class!(owned Plain for FeedStats);
