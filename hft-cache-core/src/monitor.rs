//! The compliance monitor: a [`Registry`] of every cache (name, class, value type, max age) and
//! a [`ComplianceReport`] of their counters, feed health and the policy's verdict.
//!
//! Caches get into a registry with [`Registry::register`] (the registry keeps the handle) or
//! [`Registry::register_weak`] (the entry leaves when the cache is dropped). Most programs use
//! the process-wide [`Registry::global`]; tests pass their own.
//!
//! The verdict checks two rules of the policy:
//!
//! - no cache holds `Live` data (checked from the classes the caches registered with: the type
//!   system already makes it impossible, the report checks it anyway, as the policy demands);
//! - no cache serves data past its max age (the caches refuse such reads themselves; the monitor
//!   checks the counters for evidence that a static data set was read after it expired).
//!
//! Besides the verdict, the report says whether the caches are *healthy*: every stream feed up,
//! no static data set past its max age. The kill switch resumes trading only when the caches
//! are both compliant and healthy.
//!
//! In JSON, every duration is a number of milliseconds (a float), as in
//! [`CacheStats`].

mod registry;
mod report;
#[cfg(feature = "test-util")]
mod stand_in;
mod text;
mod validate;

pub use crate::cache_stats::{CacheStats, FeedStats, MonitoredCache};
pub use registry::{CacheId, CacheInfo, Registry};
pub use report::{CacheReport, CacheStatus, ComplianceReport, HealthProblem, Violation};
#[cfg(feature = "test-util")]
pub use stand_in::StandInCache;
