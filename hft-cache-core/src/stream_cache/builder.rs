//! [`StreamCacheBuilder`]: name, max age, clock and registry.

use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Body, Shared, SlotTable, StreamCache};
use crate::cache_core::{register, CoreOptions, MaxAgeError};
#[cfg(feature = "test-util")]
use crate::clock::SharedClock;
use crate::counters::Counters;
use crate::monitor::Registry;
use crate::policy::{CacheKey, StreamValue};

/// Configures a [`StreamCache`].
///
/// ```
/// use std::time::Duration;
/// use hft_cache::stream_cache::StreamCacheBuildError;
/// use hft_cache::{StreamCache, Streamed};
///
/// #[derive(Streamed)]
/// struct Ticker { bid: u64 }
///
/// let tickers = StreamCache::<String, Ticker>::builder()
///     .name("tickers")
///     .max_age(Duration::from_secs(2))
///     .build()
///     .unwrap();
/// assert_eq!(tickers.max_age(), Duration::from_secs(2));
///
/// let never_readable = StreamCache::<String, Ticker>::builder().max_age(Duration::ZERO).build();
/// assert!(matches!(never_readable, Err(StreamCacheBuildError::ZeroMaxAge(_))));
/// ```
#[must_use]
pub struct StreamCacheBuilder<K, V> {
    core: CoreOptions,
    _types: std::marker::PhantomData<fn() -> (K, V)>,
}

/// A [`StreamCacheBuilder`] setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamCacheBuildError {
    /// The max age is zero.
    #[error("stream cache `{0}` has a zero max age: nothing could ever be read")]
    ZeroMaxAge(String),
    /// The max age is above the value type's: a builder may lower a type's max age, never raise
    /// it (the type says how long its data may be used).
    #[error("stream cache `{cache}`: max age {max_age:?} is above its value type's {type_max_age:?}; a cache may lower a type's max age, never raise it")]
    MaxAgeAboveType {
        /// The cache's name.
        cache: String,
        /// The max age asked for.
        max_age: Duration,
        /// The value type's max age.
        type_max_age: Duration,
    },
}

impl<K, V> StreamCacheBuilder<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    pub(super) fn new() -> Self {
        StreamCacheBuilder {
            core: CoreOptions::default(),
            _types: std::marker::PhantomData,
        }
    }

    /// The name reports and logs use (default: the value type's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.core.name = Some(name.into());
        self
    }

    /// How long after its last update a value may be read (default: `V`'s max age, else 5 s).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.core.max_age = Some(max_age);
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock ages are measured with (default: [`SystemClock`](crate::clock::SystemClock)).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.core.clock = Some(clock);
        self
    }

    /// The registry the cache registers with when built, for the compliance report and the kill
    /// switch (default: [`Registry::global`]). The registry does not keep the cache alive.
    pub fn registry(mut self, registry: &Registry) -> Self {
        self.core.registry = Some(registry.clone());
        self
    }

    /// Builds the empty cache.
    ///
    /// # Errors
    ///
    /// [`StreamCacheBuildError::ZeroMaxAge`] for a zero max age.
    pub fn build(self) -> Result<StreamCache<K, V>, StreamCacheBuildError> {
        let (core, registry) = self
            .core
            .build::<V>()
            .map_err(StreamCacheBuildError::from)?;
        let body = Body {
            slots: SlotTable::new(),
            publishes: Counters::new(),
            feeds: Mutex::new(Vec::new()),
        };
        let shared: Arc<Shared<K, V>> = register(Shared { core, body }, registry);
        Ok(StreamCache { shared })
    }
}

crate::class::declare_class!([K, V] Plain for StreamCacheBuilder<K, V>);
crate::class::declare_class!(Plain for StreamCacheBuildError);

impl From<MaxAgeError> for StreamCacheBuildError {
    fn from(error: MaxAgeError) -> Self {
        match error {
            MaxAgeError::Zero(name) => StreamCacheBuildError::ZeroMaxAge(name),
            MaxAgeError::AboveType {
                cache,
                max_age,
                type_max_age,
            } => StreamCacheBuildError::MaxAgeAboveType {
                cache,
                max_age,
                type_max_age,
            },
        }
    }
}
