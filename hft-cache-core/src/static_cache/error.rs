//! Errors of [`StaticCache`](super::StaticCache) reads and refreshes.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why a static read returned no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StaticReadError {
    /// The data is older than its max age; it is refused until a refresh succeeds.
    #[error("static cache `{cache}` holds data {age:?} old, past its max age of {max_age:?}: refused until a refresh succeeds")]
    Stale {
        /// The cache.
        cache: Arc<str>,
        /// How old the data is.
        age: Duration,
        /// The cache's max age.
        max_age: Duration,
    },
    /// Nothing has been loaded yet.
    #[error("static cache `{cache}` has not loaded its data yet")]
    NeverLoaded {
        /// The cache.
        cache: Arc<str>,
    },
    /// The emergency procedure disabled the cache; only fresh calls remain.
    #[error(
        "static cache `{cache}` is disabled by the emergency procedure: only fresh calls remain"
    )]
    Disabled {
        /// The cache.
        cache: Arc<str>,
    },
}

/// A load that failed. Cheap to clone, so that coalesced refreshes can all return it.
#[derive(Clone)]
pub struct RefreshError {
    pub(crate) cache: Arc<str>,
    pub(crate) source: Arc<dyn Error + Send + Sync>,
}

impl RefreshError {
    /// The cache whose load failed.
    pub fn cache(&self) -> &str {
        &self.cache
    }
}

impl fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshError")
            .field("cache", &self.cache)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "static cache `{}` failed to load: {}",
            self.cache, self.source
        )
    }
}

impl Error for RefreshError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}

crate::class::declare_class!(Plain for StaticReadError);
crate::class::declare_class!(Plain for RefreshError);
