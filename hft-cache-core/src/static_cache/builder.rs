//! [`StaticCacheBuilder`]: name, max age, refresh interval, clock and loader.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use super::refresh::{BoxError, Loader, RefreshState};
use super::{Body, Shared, StaticCache};
use crate::cache_core::{register, CoreOptions, MaxAgeError};
#[cfg(feature = "test-util")]
use crate::clock::SharedClock;
use crate::monitor::Registry;
use crate::policy::{CacheKey, StaticValue};

/// Configures a [`StaticCache`].
///
/// ```
/// use std::time::Duration;
/// use hft_cache::static_cache::StaticCacheBuildError;
/// use hft_cache::{Static, StaticCache};
///
/// #[derive(Static)]
/// struct Fees { maker_bps: u32 }
///
/// let built = StaticCache::<String, Fees>::builder()
///     .name("fees")
///     .max_age(Duration::from_secs(60))
///     .refresh_interval(Duration::from_secs(60))
///     .loader(|| async { Ok::<_, std::io::Error>(Vec::new()) })
///     .build();
/// assert!(matches!(built, Err(StaticCacheBuildError::RefreshNotBelowMaxAge { .. })));
/// ```
#[must_use]
pub struct StaticCacheBuilder<K, V> {
    core: CoreOptions,
    refresh_interval: Option<Duration>,
    loader: Option<Loader<K, V>>,
}

/// A [`StaticCacheBuilder`] setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StaticCacheBuildError {
    /// No loader was given.
    #[error("static cache `{0}` needs a loader")]
    MissingLoader(String),
    /// The max age is zero.
    #[error("static cache `{0}` has a zero max age: nothing could ever be read")]
    ZeroMaxAge(String),
    /// The max age is above the value type's: a builder may lower a type's max age, never raise
    /// it (the type says how long its data may be used).
    #[error("static cache `{cache}`: max age {max_age:?} is above its value type's {type_max_age:?}; a cache may lower a type's max age, never raise it")]
    MaxAgeAboveType {
        /// The cache's name.
        cache: String,
        /// The max age asked for.
        max_age: Duration,
        /// The value type's max age.
        type_max_age: Duration,
    },
    /// The refresh interval is zero or not below the max age, so data would expire before (or as)
    /// it is refreshed.
    #[error("static cache `{cache}`: refresh interval {refresh_interval:?} must be above zero and below the max age {max_age:?}")]
    RefreshNotBelowMaxAge {
        /// The cache.
        cache: String,
        /// The interval asked for.
        refresh_interval: Duration,
        /// The max age.
        max_age: Duration,
    },
}

impl<K, V> StaticCacheBuilder<K, V>
where
    K: CacheKey + Eq + Hash + Send + Sync + 'static,
    V: StaticValue + Send + Sync + 'static,
{
    pub(super) fn new() -> Self {
        StaticCacheBuilder {
            core: CoreOptions::default(),
            refresh_interval: None,
            loader: None,
        }
    }

    /// The name reports and logs use (default: the value type's name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.core.name = Some(name.into());
        self
    }

    /// How long loaded data may be served (default: `V`'s `#[hft(max_age_ms)]`, else 1 h).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.core.max_age = Some(max_age);
        self
    }

    /// How often the background refresher loads (default: half the max age). Must be below the
    /// max age, so that a single failed refresh does not make the data unreadable.
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = Some(interval);
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

    /// The async function that fetches the whole data set: any iterable of `(key, value)`, or an
    /// error that keeps the previous data.
    pub fn loader<F, Fut, I, E>(mut self, load: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<I, E>> + Send + 'static,
        I: IntoIterator<Item = (K, V)>,
        E: Into<BoxError>,
    {
        self.loader = Some(Arc::new(move || {
            let load = load();
            Box::pin(async move {
                load.await
                    .map(|entries| entries.into_iter().collect())
                    .map_err(Into::into)
            })
        }));
        self
    }

    /// Builds the cache. It holds no data until [`refresh`](StaticCache::refresh) or
    /// [`spawn_refresher`](StaticCache::spawn_refresher) loads it.
    ///
    /// # Errors
    ///
    /// [`StaticCacheBuildError`] for a missing loader or an impossible max age or interval.
    pub fn build(self) -> Result<StaticCache<K, V>, StaticCacheBuildError> {
        let (core, registry) = self
            .core
            .build::<V>()
            .map_err(StaticCacheBuildError::from)?;
        let max_age = core.max_age();
        let refresh_interval = self.refresh_interval.unwrap_or(max_age / 2);
        if refresh_interval.is_zero() || refresh_interval >= max_age {
            return Err(StaticCacheBuildError::RefreshNotBelowMaxAge {
                cache: core.name().to_string(),
                refresh_interval,
                max_age,
            });
        }
        let Some(loader) = self.loader else {
            return Err(StaticCacheBuildError::MissingLoader(
                core.name().to_string(),
            ));
        };
        let body = Body::new(refresh_interval, RefreshState::new(loader));
        let shared: Arc<Shared<K, V>> = register(Shared { core, body }, registry);
        Ok(StaticCache { shared })
    }
}

crate::class::declare_class!([K, V] Plain for StaticCacheBuilder<K, V>);
crate::class::declare_class!(Plain for StaticCacheBuildError);

impl From<MaxAgeError> for StaticCacheBuildError {
    fn from(error: MaxAgeError) -> Self {
        match error {
            MaxAgeError::Zero(name) => StaticCacheBuildError::ZeroMaxAge(name),
            MaxAgeError::AboveType {
                cache,
                max_age,
                type_max_age,
            } => StaticCacheBuildError::MaxAgeAboveType {
                cache,
                max_age,
                type_max_age,
            },
        }
    }
}
