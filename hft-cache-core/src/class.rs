//! Data classes: the four kinds of data the policy knows, at the type level and at run time.
//!
//! Every type that may appear in a cache, a `Fresh<T>` or a long-lived struct carries its class
//! through [`Classified`]. Domain types declare theirs with `#[derive(Static)]`,
//! `#[derive(Streamed)]` or `#[derive(Live)]`; std types are [`Plain`]; containers take the
//! highest class inside them (Live > Streamed > Static > Plain).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// The class of a type, as a value: what the compliance report shows.
///
/// Ordered from the least to the most sensitive, so `max` joins two classes.
///
/// ```
/// use hft_cache::DataClass;
/// assert!(DataClass::Live > DataClass::Streamed);
/// assert_eq!(DataClass::Static.max(DataClass::Plain), DataClass::Static);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DataClass {
    /// Integers, strings, decimals, durations: allowed as fields of any class, never cached alone.
    Plain,
    /// Symbol mappings, trading rules, fees, exchange config: cached in a `StaticCache`.
    Static,
    /// Order books, tickers, live trades from a stream: cached only in a `StreamCache`.
    Streamed,
    /// Balances, orders, positions, recent trades: never cached, read through `Fresh<T>`.
    Live,
}

impl DataClass {
    /// The max age a type of this class gets when it sets none (`#[hft(max_age_ms = N)]`).
    ///
    /// Static data: 1 h; streamed data: 5 s; live data: 250 ms; plain data has none.
    pub const fn default_max_age(self) -> Option<Duration> {
        match self {
            DataClass::Plain => None,
            DataClass::Static => Some(Duration::from_secs(3600)),
            DataClass::Streamed => Some(Duration::from_secs(5)),
            DataClass::Live => Some(Duration::from_millis(250)),
        }
    }

    /// The class's name as the policy spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            DataClass::Plain => "Plain",
            DataClass::Static => "Static",
            DataClass::Streamed => "Streamed",
            DataClass::Live => "Live",
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A class at the type level: one of [`Plain`], [`Static`], [`Streamed`], [`Live`]. Sealed.
///
/// `Join` is the class of a value that holds both: the higher of the two. It is written as a
/// generic associated type so that containers need no extra `where` clauses.
pub trait ClassMarker: sealed::Sealed + Send + Sync + 'static {
    /// This class as a value.
    const CLASS: DataClass;
    /// The higher of `Self` and `R`.
    type Join<R: ClassMarker>: ClassMarker;
    #[doc(hidden)]
    type AtLeastStatic: ClassMarker;
    #[doc(hidden)]
    type AtLeastStreamed: ClassMarker;
    /// The rule every field of a derived type of this class was checked against.
    #[doc(hidden)]
    type FieldRule: 'static;
    /// The ownership of an `Arc`/`Rc`/`Weak` around a value of this class: shared ownership of
    /// live data is never exclusive; of anything else it is as exclusive as the value.
    #[doc(hidden)]
    type SharedPointer<O: OwnershipMarker>: OwnershipMarker;
}

/// The class of std primitives, strings, decimals and durations.
#[derive(Debug)]
pub enum Plain {}
/// The class of symbol info, trading rules, fee schedules and exchange config.
#[derive(Debug)]
pub enum Static {}
/// The class of order books, tickers and trades that arrive on a stream.
#[derive(Debug)]
pub enum Streamed {}
/// The class of balances, orders, positions and recent trades: never cached.
#[derive(Debug)]
pub enum Live {}

impl sealed::Sealed for Plain {}
impl sealed::Sealed for Static {}
impl sealed::Sealed for Streamed {}
impl sealed::Sealed for Live {}

impl ClassMarker for Plain {
    const CLASS: DataClass = DataClass::Plain;
    type Join<R: ClassMarker> = R;
    type AtLeastStatic = Static;
    type AtLeastStreamed = Streamed;
    type FieldRule = crate::proof::StateRule;
    type SharedPointer<O: OwnershipMarker> = O;
}

impl ClassMarker for Static {
    const CLASS: DataClass = DataClass::Static;
    type Join<R: ClassMarker> = R::AtLeastStatic;
    type AtLeastStatic = Static;
    type AtLeastStreamed = Streamed;
    type FieldRule = crate::proof::StaticRule;
    type SharedPointer<O: OwnershipMarker> = O;
}

impl ClassMarker for Streamed {
    const CLASS: DataClass = DataClass::Streamed;
    type Join<R: ClassMarker> = R::AtLeastStreamed;
    type AtLeastStatic = Streamed;
    type AtLeastStreamed = Streamed;
    type FieldRule = crate::proof::StreamedRule;
    type SharedPointer<O: OwnershipMarker> = O;
}

impl ClassMarker for Live {
    const CLASS: DataClass = DataClass::Live;
    type Join<R: ClassMarker> = Live;
    type AtLeastStatic = Live;
    type AtLeastStreamed = Live;
    type FieldRule = crate::proof::LiveRule;
    type SharedPointer<O: OwnershipMarker> = NotExclusive;
}

/// Whether a value is owned exclusively by whoever holds it: no interior mutability (`Cell`,
/// `RefCell`, `Mutex`, `RwLock`, atomics, `OnceCell`) and no shared ownership (`Arc`, `Rc`,
/// `Weak`) of live data anywhere inside. `Fresh<T>` holds only exclusive data, so nothing can be
/// taken out of it, written into it, or shared past its max age. Sealed.
pub trait OwnershipMarker: sealed::Sealed + Send + Sync + 'static {
    /// Exclusive only if both are.
    type Join<R: OwnershipMarker>: OwnershipMarker;
}

/// Owned exclusively: reading it through `&` can neither change it nor share it.
#[derive(Debug)]
pub enum Exclusive {}
/// Interior mutability or shared ownership of live data somewhere inside.
#[derive(Debug)]
pub enum NotExclusive {}

impl sealed::Sealed for Exclusive {}
impl sealed::Sealed for NotExclusive {}

impl OwnershipMarker for Exclusive {
    type Join<R: OwnershipMarker> = R;
}

impl OwnershipMarker for NotExclusive {
    type Join<R: OwnershipMarker> = NotExclusive;
}

/// The class a type belongs to, for the compiler (`Class`) and for reports (`CLASS`).
///
/// Implemented by the derives `Static`, `Streamed`, `Live` and `NoLiveState`, for std types as
/// [`Plain`], and for containers as the highest class inside them. Deriving two classes on one
/// type is a compile error (two impls of this trait).
///
/// # Safety
///
/// The whole policy rests on this trait telling the truth, so it is `unsafe` to implement by
/// hand: the derives implement it after checking every field, and their impls carry a proof
/// (the hidden `PROOF` item) that only the crate's own field checks can build. A
/// hand-written `unsafe impl` is the one visible, greppable way around the policy; a crate with
/// `#![forbid(unsafe_code)]` cannot write one, while the derives keep working there. Whoever
/// writes one vouches that the class is right, that no live data hides in a type declared
/// otherwise, and that `Ownership` is `NotExclusive` if anything inside can be mutated or shared
/// through `&`.
///
/// ```
/// use hft_cache::{Classified, DataClass, Live};
///
/// #[derive(Live)]
/// struct Balance {
///     free: rust_decimal::Decimal,
/// }
///
/// assert_eq!(<u64 as Classified>::CLASS, DataClass::Plain);
/// assert_eq!(<Vec<Option<Balance>> as Classified>::CLASS, DataClass::Live);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has not declared a data class",
    label = "`{Self}` has no data class",
    note = "derive `Static`, `Streamed` or `Live` on a domain type to declare its class"
)]
pub unsafe trait Classified {
    /// The class, at the type level.
    type Class: ClassMarker;
    /// Whether a value is owned exclusively (see [`OwnershipMarker`]).
    #[doc(hidden)]
    type Ownership: OwnershipMarker;
    /// The class, as a value.
    const CLASS: DataClass = <Self::Class as ClassMarker>::CLASS;
    /// How long a value of this type may be used, if the type says (`#[hft(max_age_ms = N)]`,
    /// lowered to the shortest max age of its fields). `None` means the class default
    /// ([`DataClass::default_max_age`]).
    const MAX_AGE: Option<Duration> = None;
    /// That each field passed its class's rule: only the crate's own checks build one.
    #[doc(hidden)]
    const PROOF: crate::proof::Proof<Self, <Self::Class as ClassMarker>::FieldRule>;
}

/// The max age a value of type `T` is used for: its own, else its class's default, else zero.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::Live;
/// use hft_cache::policy::max_age_of;
///
/// #[derive(Live)]
/// #[hft(max_age_ms = 100)]
/// struct Position {
///     qty: i64,
/// }
/// assert_eq!(max_age_of::<Position>(), Duration::from_millis(100));
/// assert_eq!(max_age_of::<Vec<Position>>(), Duration::from_millis(100));
/// ```
pub const fn max_age_of<T: Classified + ?Sized>() -> Duration {
    match effective_max_age::<T>() {
        Some(age) => age,
        None => Duration::ZERO,
    }
}

/// `T`'s own max age, else its class's default; `None` for plain data.
pub(crate) const fn effective_max_age<T: Classified + ?Sized>() -> Option<Duration> {
    match T::MAX_AGE {
        Some(age) => Some(age),
        None => T::CLASS.default_max_age(),
    }
}

/// Declares the class of one of the crate's own types, next to its definition (issue: every
/// public type of the crate has a class, so a `NoLiveState` adapter holds it without `opaque`).
///
/// `declare_class!(Plain for FeedHandle);` for a handle (never exclusive: it shares state),
/// `declare_class!(owned Plain for Side);` for a plain value, or, for a generic type,
/// `declare_class!([K: CacheKey, V: StaticValue] Plain for StaticReader<K, V>);`
macro_rules! declare_class {
    (owned $class:ident for $ty:ty) => {
        $crate::class::declare_class!(@impl [] $class, Exclusive, $ty);
    };
    ($class:ident for $ty:ty) => {
        $crate::class::declare_class!(@impl [] $class, NotExclusive, $ty);
    };
    ([$($generics:tt)*] $class:ident for $ty:ty) => {
        $crate::class::declare_class!(@impl [$($generics)*] $class, NotExclusive, $ty);
    };
    (@impl [$($generics:tt)*] $class:ident, $ownership:ident, $ty:ty) => {
        // SAFETY: the crate's own type, reviewed where it is defined: it holds no data of a
        // higher class than declared, and is `Exclusive` only if it is a plain value.
        #[diagnostic::do_not_recommend]
        unsafe impl<$($generics)*> $crate::class::Classified for $ty {
            type Class = $crate::class::$class;
            type Ownership = $crate::class::$ownership;
            const PROOF: $crate::proof::Proof<Self, <$crate::class::$class as $crate::class::ClassMarker>::FieldRule> =
                $crate::proof::Proof::trusted();
        }
    };
}
pub(crate) use declare_class;

crate::class::declare_class!(owned Plain for DataClass);
