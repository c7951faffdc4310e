//! [`Fresh<T>`]: the only way to hold live data, and only for as long as it is fresh.

use std::fmt;
use std::time::Duration;

use crate::class::{self, max_age_of, ClassMarker, Classified};
use crate::clock::{SharedClock, Timestamp};
use crate::log_limit::LogLimit;
use crate::policy::Live;
use crate::proof::Proof;

/// Live data from a response to a request this crate sent, readable until its max age.
///
/// A `Fresh<T>` cannot be built by user code, cloned, copied, defaulted, serialized,
/// deserialized, converted from a `T`, dereferenced, or taken apart: the only access is
/// [`read`](Fresh::read), which lends `&T` while the value is younger than `T`'s max age
/// (`#[hft(max_age_ms = N)]`, default 250 ms) and fails after. The age counts from the moment the
/// request was sent, so a slow response does not look younger than it is.
///
/// ```no_run
/// use hft_cache::{Fresh, Live};
/// use hft_cache::fetch::FreshClient;
/// use rust_decimal::Decimal;
///
/// #[derive(Live, serde::Deserialize)]
/// struct Balance {
///     asset: String,
///     free: Decimal,
/// }
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = FreshClient::new()?;
/// let balance: Fresh<Balance> = client.get("http://127.0.0.1:8080/balance").fetch().await?;
/// let free = balance.read()?.free; // fails once the balance is older than 250 ms
/// # let _ = free; Ok(()) }
/// ```
pub struct Fresh<T: Live> {
    value: T,
    sent_at: Timestamp,
    /// `max_age_of::<T>()`, walked once when the value arrived rather than on every read.
    max_age: Duration,
    clock: SharedClock,
}

/// A [`Fresh`] value read after its max age.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{type_name}` was fetched {age:?} ago, past its max age of {max_age:?}: fetch it again")]
pub struct Expired {
    /// The live type.
    pub type_name: &'static str,
    /// How old the value was when it was read.
    pub age: Duration,
    /// The type's max age.
    pub max_age: Duration,
}

impl<T: Live> Fresh<T> {
    /// Only the crate's fetch path calls this, right after it has read the response.
    // Only `fetch` (feature `http`) makes a `Fresh`.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn from_response(value: T, sent_at: Timestamp, clock: SharedClock) -> Self {
        Fresh {
            value,
            sent_at,
            max_age: max_age_of::<T>(),
            clock,
        }
    }

    /// The value, if it is still younger than its max age.
    ///
    /// # Errors
    ///
    /// [`Expired`] once [`age`](Fresh::age) exceeds [`max_age`](Fresh::max_age). A value exactly
    /// at its max age is still readable.
    #[inline]
    pub fn read(&self) -> Result<&T, Expired> {
        let age = self.age();
        let max_age = self.max_age();
        if age > max_age {
            // One line per second at most: an expired value read in a hot loop must not flood.
            static EXPIRED_LOG: LogLimit = LogLimit::new();
            if EXPIRED_LOG.allow(self.clock.now()) {
                tracing::warn!(
                    type_name = std::any::type_name::<T>(),
                    age_us = age.as_micros() as u64,
                    max_age_us = max_age.as_micros() as u64,
                    "refused to read expired live data"
                );
            }
            return Err(Expired {
                type_name: std::any::type_name::<T>(),
                age,
                max_age,
            });
        }
        Ok(&self.value)
    }

    /// How long ago the request that produced this value was sent.
    #[inline]
    pub fn age(&self) -> Duration {
        self.clock.now().saturating_since(self.sent_at)
    }

    /// How long a `T` may be used: the shortest of `#[hft(max_age_ms = N)]` (else 250 ms) and
    /// the max ages of everything inside it.
    #[inline]
    pub const fn max_age(&self) -> Duration {
        self.max_age
    }

    /// A [`Receipt`](crate::pre_trade::Receipt) of this value: when its request was sent and
    /// its max age, for a [`Decision`](crate::pre_trade::Decision) that a signed client checks
    /// again when the order is sent.
    pub fn receipt(&self) -> crate::receipt::Receipt {
        crate::receipt::Receipt::fresh(std::any::type_name::<T>(), self.sent_at, self.max_age)
    }

    /// Whether [`read`](Fresh::read) would succeed now.
    #[inline]
    pub fn is_fresh(&self) -> bool {
        self.age() <= self.max_age()
    }
}

impl<T: Live> fmt::Debug for Fresh<T> {
    /// Shows the type and age, not the value: logs should not become a second copy of live data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fresh")
            .field("type", &std::any::type_name::<T>())
            .field("age", &self.age())
            .field("max_age", &self.max_age())
            .finish_non_exhaustive()
    }
}

// SAFETY: a `Fresh<T>` is live data of type `T` and ages with it.
#[diagnostic::do_not_recommend]
unsafe impl<T: Live> Classified for Fresh<T> {
    type Class = class::Live;
    type Ownership = class::Exclusive;
    fn __max_age(walk: &mut class::AgeWalk) -> Option<Duration> {
        T::__max_age(walk)
    }
    const PROOF: Proof<Self, <class::Live as ClassMarker>::FieldRule> = Proof::trusted();
}

/// What `Fresh<T>` never does, as bounds no type meets, so that trying it fails with the
/// policy's reason instead of "the trait `Clone` is not implemented".
mod never {
    #[diagnostic::on_unimplemented(
        message = "`Fresh<{Self}>` is never cloned: a copy of live data outlives its freshness",
        label = "cloning live data",
        note = "read it with `.read()` where the decision is made, and fetch it again for the next one"
    )]
    pub trait Cloned {}

    #[diagnostic::on_unimplemented(
        message = "`Fresh<{Self}>` has no default: live data comes only from a response to a request the crate sent",
        label = "forging live data",
        note = "fetch it with `FreshRequest::fetch` or a signed client call"
    )]
    pub trait Defaulted {}

    #[diagnostic::on_unimplemented(
        message = "`Fresh<{Self}>` is never serialized: a stored copy of live data outlives its freshness",
        label = "storing live data",
        note = "log the decision, not the data; `Debug` shows its type and age"
    )]
    pub trait Serialized {}

    #[diagnostic::on_unimplemented(
        message = "`Fresh<{Self}>` is never deserialized: live data comes only from a response to a request the crate sent",
        label = "forging live data",
        note = "fetch it with `FreshRequest::fetch` or a signed client call; deserialize the inner type there"
    )]
    pub trait Deserialized {}
}

impl<T: Live> Clone for Fresh<T>
where
    T: never::Cloned,
{
    fn clone(&self) -> Self {
        unreachable!("no type implements `never::Cloned`")
    }
}

impl<T: Live> Default for Fresh<T>
where
    T: never::Defaulted,
{
    fn default() -> Self {
        unreachable!("no type implements `never::Defaulted`")
    }
}

impl<T: Live> serde::Serialize for Fresh<T>
where
    T: never::Serialized,
{
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        unreachable!("no type implements `never::Serialized`")
    }
}

impl<'de, T: Live> serde::Deserialize<'de> for Fresh<T>
where
    T: never::Deserialized,
{
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        unreachable!("no type implements `never::Deserialized`")
    }
}

crate::class::declare_class!(owned Plain for Expired);
