//! [`StaticCache`]: static data (symbol info, trading rules, fees, exchange config), loaded whole,
//! refreshed periodically, and never served past its max age.
//!
//! Reads take no lock and write no shared cache line: a refresh builds a new immutable snapshot
//! and swaps it in (`arc-swap`), the staleness check compares the snapshot's expiry with the
//! clock's cheap [`recent`](crate::clock::Clock::recent) reading, and the hit/miss counters are per
//! thread (per [`StaticReader`], for a reader). The refresher keeps the snapshot it replaced
//! until its next load, so that freeing a whole data set falls to it and not to a reader.
//!
//! What readers load is the *served* snapshot: the latest load while the cache is enabled, and
//! otherwise a placeholder that no clock reading passes (never loaded, or disabled by the kill
//! switch). So a read checks one thing, the served snapshot's expiry against the clock, and
//! sorts out why it was refused only off the hot path.
//!
//! Name, max age, clock, kill-switch flag, counters and reporting are the common cache core's,
//! shared with [`StreamCache`](crate::stream_cache::StreamCache).

mod builder;
pub(crate) mod cache;
mod error;
// The loom models of the served-snapshot swap (`scripts/loom.sh`).
#[cfg(all(test, hft_loom, feature = "test-util"))]
mod loom_tests;
mod reader;
mod refresh;

pub(crate) use cache::StaticCache;
use cache::{Body, Shared, Snapshot};

pub use builder::{StaticCacheBuildError, StaticCacheBuilder};
pub use error::{RefreshError, StaticReadError};
pub use reader::StaticReader;
pub use refresh::RefresherHandle;
