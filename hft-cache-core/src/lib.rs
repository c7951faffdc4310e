//! The runtime of hft-cache: data classes, `Fresh<T>`, the permitted caches, the clock.
//!
//! Users depend on the `hft-cache` facade, which re-exports this crate and the derives.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The derives name paths through the facade (`::hft_cache::...`); this lets this crate's own
// tests and doc examples use them too.
extern crate self as hft_cache;

pub mod book;
mod cache_core;
pub mod cache_stats;
pub mod class;
mod classified_impls;
pub mod clock;
mod counters;
pub mod exchange;
pub mod feed;
pub mod fetch;
mod fresh;
pub mod journal;
pub mod kill_switch;
mod log_limit;
pub mod monitor;
#[cfg(feature = "ops")]
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
pub mod ops;
pub mod policy;
mod proof;
mod report_format;
pub mod static_cache;
pub mod stream_cache;

pub use cache_stats::{CacheStats, FeedStats, MonitoredCache};
pub use class::{max_age_of, ClassMarker, Classified, DataClass};
#[cfg(feature = "test-util")]
pub use clock::ManualClock;
pub use clock::{Clock, SharedClock, SystemClock, Timestamp};
pub use fetch::{FetchError, FreshClient, FreshClientBuilder, FreshRequest};
pub use fresh::{Expired, Fresh};
pub use hft_cache_macros::{Live, NoLiveState, Static, Streamed};
pub use kill_switch::{
    EmergencyReport, Halted, KillSwitch, KillSwitchBuilder, ResumeError, TradingGate, Trigger,
    TripReason, Watcher, WatcherBuildError, WatcherHandle,
};
pub use monitor::{CacheReport, ComplianceReport, Registry};
pub use policy::{CacheKey, Live, NoLiveState, Static, StaticValue, StreamValue, Streamed};
pub use static_cache::{
    RefreshError, RefresherHandle, StaticCache, StaticCacheBuildError, StaticCacheBuilder,
    StaticReadError, StaticReader,
};
pub use stream_cache::{
    FeedFault, FeedWriter, StreamCache, StreamCacheBuilder, StreamReadError, StreamReader,
};

#[doc(hidden)]
pub use policy::__private;
