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
    type SharedPointer<O: OwnershipMarker> = O::AtLeastShared;
}

/// Whether a value is owned exclusively by whoever holds it: no interior mutability (`Cell`,
/// `RefCell`, `Mutex`, `RwLock`, atomics, `OnceCell`) and no shared access (`Arc`, `Rc`, `Weak`,
/// `&`) to live data anywhere inside. `Fresh<T>` holds only exclusive data, so nothing can be
/// taken out of it, written into it, or shared past its max age. Sealed.
///
/// Four levels, joined to the highest: [`Exclusive`] < [`Shared`] < [`NotExclusive`] <
/// [`Handle`].
pub trait OwnershipMarker: sealed::Sealed + Send + Sync + 'static {
    /// The higher of the two.
    type Join<R: OwnershipMarker>: OwnershipMarker;
    #[doc(hidden)]
    type AtLeastShared: OwnershipMarker;
    #[doc(hidden)]
    type AtLeastNotExclusive: OwnershipMarker;
}

/// Owned exclusively: reading it through `&` can neither change it nor share it.
#[derive(Debug)]
pub enum Exclusive {}
/// Live data reached through a shared pointer or reference (`&T`, `Arc<T>`, `Cow::Borrowed`):
/// it cannot be changed through `&`, but others hold it too. Allowed in a transient `Live` view
/// with lifetime parameters, never in `Fresh<T>`.
#[derive(Debug)]
pub enum Shared {}
/// Interior mutability somewhere inside (or a handle of the crate that shares state).
#[derive(Debug)]
pub enum NotExclusive {}
/// A long-lived struct (`#[derive(NoLiveState)]`), or data holding one: never part of data.
#[derive(Debug)]
pub enum Handle {}

impl sealed::Sealed for Exclusive {}
impl sealed::Sealed for Shared {}
impl sealed::Sealed for NotExclusive {}
impl sealed::Sealed for Handle {}

impl OwnershipMarker for Exclusive {
    type Join<R: OwnershipMarker> = R;
    type AtLeastShared = Shared;
    type AtLeastNotExclusive = NotExclusive;
}

impl OwnershipMarker for Shared {
    type Join<R: OwnershipMarker> = R::AtLeastShared;
    type AtLeastShared = Shared;
    type AtLeastNotExclusive = NotExclusive;
}

impl OwnershipMarker for NotExclusive {
    type Join<R: OwnershipMarker> = R::AtLeastNotExclusive;
    type AtLeastShared = NotExclusive;
    type AtLeastNotExclusive = NotExclusive;
}

impl OwnershipMarker for Handle {
    type Join<R: OwnershipMarker> = Handle;
    type AtLeastShared = Handle;
    type AtLeastNotExclusive = Handle;
}

/// The types a max-age walk has already counted (see [`max_age_of`]): a type's max age is the
/// shortest own max age of every derived type reachable through its fields, and recursion, also
/// through other types or aliases, ends at a type already counted.
#[doc(hidden)]
#[derive(Default)]
pub struct AgeWalk {
    seen: Vec<&'static str>,
}

impl AgeWalk {
    /// Whether `T` is new to this walk (and now counted).
    #[doc(hidden)]
    pub fn enter<T: ?Sized>(&mut self) -> bool {
        let name = std::any::type_name::<T>();
        if self.seen.contains(&name) {
            return false;
        }
        self.seen.push(name);
        true
    }
}

/// The shorter of two optional max ages: a value holding both is as old as its most perishable
/// part.
#[doc(hidden)]
pub const fn min_age(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if x.as_nanos() <= y.as_nanos() {
                Some(x)
            } else {
                Some(y)
            }
        }
        (Some(x), None) => Some(x),
        (None, y) => y,
    }
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
    /// How long a value of this type may be used, if the type itself says
    /// (`#[hft(max_age_ms = N)]`). `None` means the class default
    /// ([`DataClass::default_max_age`]). A value is used for at most the shortest max age of
    /// everything inside it: [`max_age_of`] gives that.
    const MAX_AGE: Option<Duration> = None;
    /// The shortest max age of `Self` and everything inside it that `walk` has not counted yet.
    #[doc(hidden)]
    fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
        let _ = walk;
        effective_max_age::<Self>()
    }
    /// That each field passed its class's rule: only the crate's own checks build one.
    #[doc(hidden)]
    const PROOF: crate::proof::Proof<Self, <Self::Class as ClassMarker>::FieldRule>;
}

/// The max age a value of type `T` is used for: the shortest of its own and of every type inside
/// it (a value is as old as its most perishable part), else its class's default, else zero.
///
/// Computed by walking the types inside `T` once each, so recursive types, also mutually
/// recursive ones or through an alias, are fine; callers on a hot path keep the result.
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
pub fn max_age_of<T: Classified + ?Sized>() -> Duration {
    T::__max_age(&mut AgeWalk::default()).unwrap_or(Duration::ZERO)
}

/// `T`'s own max age, else its class's default; `None` for plain data.
#[doc(hidden)]
pub const fn effective_max_age<T: Classified + ?Sized>() -> Option<Duration> {
    match T::MAX_AGE {
        Some(age) => Some(age),
        None => T::CLASS.default_max_age(),
    }
}

/// Declares the class of one of the crate's own types, next to its definition (issue: every
/// public type of the crate has a class, so a `NoLiveState` adapter holds it without `opaque`).
///
/// `declare_class!(Plain for FeedHandle);` for a handle (never exclusive: it shares state),
/// `declare_class!(owned Plain for Side);` for a plain value, for a generic type
/// `declare_class!([K: CacheKey, V: StaticValue] Plain for StaticReader<K, V>);`, and for a
/// handle over a user type, which takes that type's class (a venue holding live data makes its
/// client live), `declare_class!([V: Venue] Plain joined(V) for SignedClient<V>);`.
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
    ([$($generics:tt)*] $class:ident joined($($param:ident),+) for $ty:ty) => {
        // SAFETY: the crate's own handle over user types: it holds values of those types (or
        // acts on them), so it takes their class; it shares state, so it is never exclusive.
        #[diagnostic::do_not_recommend]
        unsafe impl<$($generics)*> $crate::class::Classified for $ty
        where
            $($param: $crate::class::Classified,)+
        {
            type Class = $crate::class::declare_class!(@join $crate::class::$class; $($param),+);
            type Ownership = $crate::class::NotExclusive;
            fn __max_age(walk: &mut $crate::class::AgeWalk) -> ::core::option::Option<::core::time::Duration> {
                let mut age = $crate::class::effective_max_age::<Self>();
                $(age = $crate::class::min_age(age, <$param as $crate::class::Classified>::__max_age(walk));)+
                age
            }
            const PROOF: $crate::proof::Proof<Self, <Self::Class as $crate::class::ClassMarker>::FieldRule> =
                $crate::proof::Proof::trusted();
        }
    };
    (@join $acc:ty; $param:ident $(, $rest:ident)*) => {
        $crate::class::declare_class!(@join <$acc as $crate::class::ClassMarker>::Join<<$param as $crate::class::Classified>::Class>; $($rest),*)
    };
    (@join $acc:ty;) => { $acc };
    (owned [$($generics:tt)*] $class:ident for $ty:ty) => {
        $crate::class::declare_class!(@impl [$($generics)*] $class, Exclusive, $ty);
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

// The derives' non-Clone probe, declared here so that `proof` needs nothing of `class`.
// SAFETY: holds nothing; declared live so that a wrapper of it turns out live.
unsafe impl Classified for crate::proof::LiveProbe {
    type Class = crate::class::Live;
    type Ownership = crate::class::Exclusive;
    const PROOF: crate::proof::Proof<
        Self,
        <crate::class::Live as crate::class::ClassMarker>::FieldRule,
    > = crate::proof::Proof::trusted();
}

crate::class::declare_class!(owned Plain for DataClass);
