//! The policy's rules as traits, so that the compiler enforces them and its errors speak them.
//!
//! Each rule is a trait `Rule<F>` implemented for the classes it allows; a type `F` breaks the
//! rule when its class does not implement `Rule<F>`, and the error's first line is the rule's
//! message with `F` filled in, e.g. "`Balance` is live trading data and can never be cached".
//! The traits users name are the bundles at the bottom ([`StaticValue`], [`StreamValue`],
//! [`CacheKey`], [`Static`], [`Streamed`](crate::Streamed), [`Live`], ...), implemented for every
//! type whose class passes their rules.

//!
//! Every trait here is sealed: each has a supertrait in a private module that the crate
//! implements exactly where the rule allows, so no user crate can add an impl (`impl
//! StaticValue for Balance {}` or `impl NeverCached<Balance> for Live {}` do not compile). The
//! only way around the policy is a hand-written `unsafe impl` of [`Classified`] or
//! [`NoLiveState`](crate::NoLiveState), which `#![forbid(unsafe_code)]` turns off.

mod checks;

use crate::class::Classified;
pub use crate::class::{max_age_of, ClassMarker, OwnershipMarker};

/// The classes and ownerships as types: what a type's [`Classified::Class`] and
/// [`Classified::Ownership`] name, and what the rules are implemented for.
pub mod class {
    pub use crate::class::{
        Exclusive, Handle, Live, NotExclusive, Plain, Shared, Static, Streamed,
    };
}

/// The private supertraits that seal the rules and bundles: one per trait, implemented exactly
/// where that trait is, so a user impl of the public trait lacks its supertrait.
mod sealed {
    #[diagnostic::on_unimplemented(
        message = "the policy's rules are sealed: no impl outside hft-cache can vouch for `{F}`",
        label = "a hand-written policy rule",
        note = "derive `Static`, `Streamed` or `Live` on your types; the crate decides what each class may hold"
    )]
    pub trait Rule<Tag, F: ?Sized> {}
    #[diagnostic::on_unimplemented(
        message = "the policy's traits are sealed: no impl outside hft-cache can vouch for `{Self}`",
        label = "a hand-written policy trait",
        note = "derive `Static`, `Streamed` or `Live` on your types; the crate decides what each class may hold"
    )]
    pub trait Bundle<Tag> {}
}

macro_rules! rule {
    (
        $(#[$doc:meta])*
        $name:ident for [$($class:ident),*],
        message = $msg:literal,
        label = $label:literal,
        note = $note:literal $(,)?
    ) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $msg, label = $label, note = $note)]
        pub trait $name<F: ?Sized>: ClassMarker + sealed::Rule<tags::$name, F> {}
        $(
            #[diagnostic::do_not_recommend]
            impl<F: ?Sized> sealed::Rule<tags::$name, F> for class::$class {}
            #[diagnostic::do_not_recommend]
            impl<F: ?Sized> $name<F> for class::$class {}
        )*
    };
}

/// Names for the sealing supertraits, one per rule or bundle.
mod tags {
    macro_rules! tags {
        ($($name:ident),*) => {$(
            #[allow(dead_code)]
            pub enum $name {}
        )*};
    }
    tags!(
        NeverCached,
        PublicData,
        NotStreamedInStaticCache,
        NotStaticInStreamCache,
        DeclaredValue,
        KeyNotStreamed,
        StaticFieldNotLive,
        StaticFieldNotStreamed,
        StreamedFieldNotLive,
        StateNotLive,
        LiveAnyClass,
        IsStatic,
        IsStreamed,
        IsLive,
        ExclusiveInFresh,
        ExclusiveInLive,
        NotMutableInLiveView,
        NotMutableInData,
        NotHandleInData,
        LiveViewField,
        Static,
        Streamed,
        Live,
        StaticValue,
        StreamValue,
        CacheKey,
        StaticField,
        StreamedField,
        LiveField,
        StateField,
        HoldsNoLiveData
    );
}

rule! {
    /// No cache of any kind holds live data.
    NeverCached for [Plain, Static, Streamed],
    message = "`{F}` is live trading data and can never be cached",
    label = "live data in a cache",
    note = "read live data (balances, orders, positions, recent trades) through `Fresh<T>`, fetched for the decision that uses it",
}

rule! {
    /// A static cache holds no streamed data: a stream writes it, and a periodic refresh would
    /// serve it far past its max age.
    NotStreamedInStaticCache for [Plain, Static, Live],
    message = "`{F}` is streamed market data and cannot be held in a static cache",
    label = "streamed data in a `StaticCache`",
    note = "keep order books and tickers in a `StreamCache`, written by its stream feed",
}

rule! {
    /// A stream cache holds no static data: nothing streams it, so it would never be refreshed.
    NotStaticInStreamCache for [Plain, Streamed, Live],
    message = "`{F}` is static reference data and cannot be held in a stream cache",
    label = "static data in a `StreamCache`",
    note = "keep symbol info, trading rules and fees in a `StaticCache`, which refreshes them",
}

rule! {
    /// A cache value is a domain type that declared its class, not a bare number or string.
    DeclaredValue for [Static, Streamed, Live],
    message = "`{F}` is plain data with no class of its own and cannot be a cache value",
    label = "undeclared cache value",
    note = "wrap it in a domain type that derives `Static` (or `Streamed`) and cache that",
}

rule! {
    /// A cache key is plain or static: a key that changes with the market is not a key.
    KeyNotStreamed for [Plain, Static, Live],
    message = "`{F}` is streamed market data and cannot be a cache key",
    label = "streamed data as a key",
    note = "key caches by symbol or another plain or static identifier",
}

rule! {
    /// Static data holds no live data.
    StaticFieldNotLive for [Plain, Static, Streamed],
    message = "`{F}` is live trading data and cannot be part of static data",
    label = "live field in a `Static` type",
    note = "static data is cached for up to its max age; read live data through `Fresh<T>` instead",
}

rule! {
    /// Static data holds no streamed data.
    StaticFieldNotStreamed for [Plain, Static, Live],
    message = "`{F}` is streamed market data and cannot be part of static data",
    label = "streamed field in a `Static` type",
    note = "derive `Streamed` on the outer type instead, or keep the streamed part in a `StreamCache`",
}

rule! {
    /// Streamed data holds no live data.
    StreamedFieldNotLive for [Plain, Static, Streamed],
    message = "`{F}` is live trading data and cannot be part of streamed data",
    label = "live field in a `Streamed` type",
    note = "streamed data is cached for up to its max age; read live data through `Fresh<T>` instead",
}

rule! {
    /// A long-lived struct holds no live data.
    StateNotLive for [Plain, Static, Streamed],
    message = "`{F}` holds live trading data and cannot be kept in a long-lived struct",
    label = "live data kept in a `NoLiveState` struct",
    note = "fetch live data as `Fresh<T>` where a decision needs it, and let it go after",
}

rule! {
    /// Live data may hold data of any class.
    LiveAnyClass for [Plain, Static, Streamed, Live],
    message = "`{F}` cannot be part of live data",
    label = "not allowed in a `Live` type",
    note = "live data may hold data of any class",
}

rule! {
    /// What a public call may return as a plain value: everything but live data.
    PublicData for [Plain, Static, Streamed],
    message = "`{F}` is live trading data and cannot be fetched as a plain value",
    label = "live data outside `Fresh<T>`",
    note = "fetch live data with `signed_get`/`public_get_fresh`, which return `Fresh<{F}>`",
}

rule! {
    /// What `Static` means.
    IsStatic for [Static],
    message = "`{F}` is not static data",
    label = "not `Static`",
    note = "derive `Static` on symbol info, trading rules, fee schedules and exchange config",
}

rule! {
    /// What `Streamed` means.
    IsStreamed for [Streamed],
    message = "`{F}` is not streamed market data",
    label = "not `Streamed`",
    note = "derive `Streamed` on order books, tickers and trades that arrive on a stream",
}

rule! {
    /// What `Live` means: `Fresh<T>` holds only live data.
    IsLive for [Live],
    message = "`{F}` is not live trading data, and `Fresh<T>` holds only live data",
    label = "not `Live`",
    note = "static data belongs in a `StaticCache`, streamed data in a `StreamCache`; derive `Live` on balances, orders and positions",
}

/// Rules on ownership rather than class: `Fresh<T>` and live fields hold exclusive data only,
/// no data holds interior mutability or a long-lived handle.
macro_rules! ownership_rule {
    (
        $(#[$doc:meta])*
        $name:ident for [$($ownership:ident),*],
        message = $msg:literal,
        label = $label:literal,
        note = $note:literal $(,)?
    ) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $msg, label = $label, note = $note)]
        pub trait $name<F: ?Sized>: OwnershipMarker + sealed::Rule<tags::$name, F> {}
        $(
            #[diagnostic::do_not_recommend]
            impl<F: ?Sized> sealed::Rule<tags::$name, F> for class::$ownership {}
            #[diagnostic::do_not_recommend]
            impl<F: ?Sized> $name<F> for class::$ownership {}
        )*
    };
}

ownership_rule! {
    /// `Fresh<T>` holds owned, exclusive data.
    ExclusiveInFresh for [Exclusive],
    message = "`{F}` can be changed or shared through a shared reference, so `Fresh` cannot hold it",
    label = "interior mutability or shared live data in `Fresh<T>`",
    note = "`Fresh<T>` holds owned, exclusive data (no `Cell`, `RefCell`, `Mutex`, `RwLock`, atomics, and no `&`, `Arc`/`Rc` or `Cow::Borrowed` of live data), so nothing can be taken out, written in, or shared past its max age",
}

ownership_rule! {
    /// Live data is owned exclusively (a handle is refused by [`NotHandleInData`]).
    ExclusiveInLive for [Exclusive, Handle],
    message = "`{F}` can be changed or shared through a shared reference, so it cannot be part of live data",
    label = "interior mutability or shared live data in a `Live` type",
    note = "live data is read through `Fresh<T>`, which holds owned, exclusive data (no `Cell`, `RefCell`, `Mutex`, `RwLock`, atomics, and no `&`, `Arc`/`Rc` or `Cow::Borrowed` of live data); a transient view of borrowed live data has a lifetime parameter",
}

ownership_rule! {
    /// A transient `Live` view (a type with lifetime parameters) may borrow live data, but holds
    /// no interior mutability.
    NotMutableInLiveView for [Exclusive, Shared, Handle],
    message = "`{F}` can be changed through a shared reference, so it cannot be part of live data",
    label = "interior mutability in a `Live` view",
    note = "live data holds no `Cell`, `RefCell`, `Mutex`, `RwLock`, atomics or `OnceCell`: what it says is what the response said",
}

ownership_rule! {
    /// Static and streamed data hold no interior mutability: cached values are read by many
    /// readers and replaced whole, never changed in place.
    NotMutableInData for [Exclusive, Shared, Handle],
    message = "`{F}` can be changed through a shared reference, so it cannot be part of static or streamed data",
    label = "interior mutability in cached data",
    note = "a cache replaces its values whole and readers share them: no `Cell`, `RefCell`, `Mutex`, `RwLock`, atomics or `OnceCell` inside; keep mutable state in a `NoLiveState` struct",
}

ownership_rule! {
    /// A long-lived struct is never part of data: it would carry what it holds into a cache or
    /// a `Fresh` without its class.
    NotHandleInData for [Exclusive, Shared, NotExclusive],
    message = "`{F}` is or holds a long-lived `NoLiveState` struct, which cannot be part of data",
    label = "a long-lived struct inside data",
    note = "a `NoLiveState` struct holds caches, clients and handles, not values: keep it beside the data, not inside it",
}

/// Declares a bundle trait: a name for "every rule in this list holds for `Self`'s class" (and,
/// after `;`, for its ownership).
macro_rules! bundle {
    (
        $(#[$doc:meta])* $name:ident $(=> [$($super:ident),+])?: $($rule:ident)&+ $(; $($orule:ident)&+)?,
        unclassified = $msg:literal, note = $note:literal
    ) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(message = $msg, label = "no data class", note = $note)]
        pub trait $name: Classified + sealed::Bundle<tags::$name> $($(+ $super)+)? {}
        impl<T: Classified + ?Sized> sealed::Bundle<tags::$name> for T
            where $(T::Class: $rule<T>,)+ $($(T::Ownership: $orule<T>,)+)? {}
        impl<T: Classified + ?Sized> $name for T
            where $(T::Class: $rule<T>,)+ $($(T::Ownership: $orule<T>,)+)? $($(T: $super,)+)? {}
    };
}

bundle! {
    /// A value a `StaticCache` may hold: of class `Static`.
    StaticValue: NeverCached & NotStreamedInStaticCache & DeclaredValue,
    unclassified = "`{Self}` has not declared a data class and cannot be held in a static cache",
    note = "a static cache holds types that derive `Static`"
}

bundle! {
    /// A value a `StreamCache` may hold: of class `Streamed`.
    StreamValue: NeverCached & NotStaticInStreamCache & DeclaredValue,
    unclassified = "`{Self}` has not declared a data class and cannot be held in a stream cache",
    note = "a stream cache holds types that derive `Streamed`"
}

bundle! {
    /// A cache key: plain or static.
    CacheKey: NeverCached & KeyNotStreamed,
    unclassified = "`{Self}` has not declared a data class and cannot be a cache key",
    note = "keys are plain values (symbols as `String`, ids as integers) or types that derive `Static`"
}

bundle! {
    /// A field `#[derive(Static)]` accepts: plain or static.
    StaticField: StaticFieldNotLive & StaticFieldNotStreamed; NotMutableInData & NotHandleInData,
    unclassified = "`{Self}` has not declared a data class and cannot be part of static data",
    note = "derive `Static` on it, or use a plain std type instead"
}

bundle! {
    /// A field `#[derive(Streamed)]` accepts: plain, static or streamed.
    StreamedField: StreamedFieldNotLive; NotMutableInData & NotHandleInData,
    unclassified = "`{Self}` has not declared a data class and cannot be part of streamed data",
    note = "derive `Static` or `Streamed` on it, or use a plain std type instead"
}

bundle! {
    /// A field `#[derive(Live)]` accepts: data of any class, owned exclusively.
    LiveField: LiveAnyClass; ExclusiveInLive & NotHandleInData,
    unclassified = "`{Self}` has not declared a data class, so it cannot be part of live data",
    note = "live data is read through `Fresh<T>`, which must know that nothing inside it can be changed or shared through `&`: derive `Static` on enums such as order sides and statuses, or use a plain std type"
}

bundle! {
    /// A field of a transient `#[derive(Live)]` view (a type with lifetime parameters): data of
    /// any class, borrowed or owned, with no interior mutability. Such a view is never exclusive,
    /// so `Fresh` does not hold it.
    LiveViewField: LiveAnyClass; NotMutableInLiveView & NotHandleInData,
    unclassified = "`{Self}` has not declared a data class, so it cannot be part of live data",
    note = "derive `Static` on enums such as order sides and statuses, or use a plain std type"
}

bundle! {
    /// A field `#[derive(NoLiveState)]` accepts: anything but live data.
    StateField: StateNotLive,
    unclassified = "`{Self}` has not declared a data class, so a `NoLiveState` struct cannot vouch for it",
    note = "derive a class on it (a handle type of your own can derive `NoLiveState`), or, if it is a foreign type with no class that holds no live data, mark the field `#[hft(opaque)]`"
}

/// A type of yours that the crate keeps for as long as it runs (a request signer, a book
/// stream, the venue a kill switch sweeps) holds no live data: the rule of a field of a
/// `NoLiveState` struct, checked where the crate takes such a value.
///
/// Implemented for every type that passes [`StateField`]: derive `NoLiveState` on a signer or
/// book stream of your own (its fields are then checked), or use the crate's own types.
///
/// ```
/// use hft_cache::policy::HoldsNoLiveData;
/// use hft_cache::{Live, NoLiveState};
///
/// fn kept_for_good<T: HoldsNoLiveData>(_: T) {}
///
/// #[derive(NoLiveState)]
/// struct MySigner {
///     key_id: String,
/// }
/// kept_for_good(MySigner { key_id: "k1".into() });
/// ```
///
/// ```compile_fail
/// # use hft_cache::policy::HoldsNoLiveData;
/// # use hft_cache::Live;
/// # fn kept_for_good<T: HoldsNoLiveData>(_: T) {}
/// #[derive(Live)]
/// struct Balance {
///     free: u64,
/// }
/// kept_for_good(Balance { free: 1 }); // live data, kept for good: refused
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has not shown that it holds no live data, so hft-cache will not keep it",
    label = "kept by hft-cache for as long as the process runs",
    note = "derive `NoLiveState` on a signer or book stream of your own: its fields are checked like those of any long-lived struct"
)]
pub trait HoldsNoLiveData: sealed::Bundle<tags::HoldsNoLiveData> {}
impl<T: StateField + ?Sized> sealed::Bundle<tags::HoldsNoLiveData> for T {}
impl<T: StateField + ?Sized> HoldsNoLiveData for T {}

/// The class traits and `NoLiveState`: re-exported at the crate root, which is their one path.
pub(crate) mod class_traits {
    use super::*;

    bundle! {
        /// Data of class `Static`: symbol info, trading rules, fees, exchange config, or a
        /// container of them. Implemented by `#[derive(Static)]`.
        ///
        /// ```
        /// use hft_cache::Static;
        ///
        /// #[derive(Static)]
        /// struct SymbolInfo {
        ///     tick_size: rust_decimal::Decimal,
        /// }
        ///
        /// fn takes_static<T: Static>(_: &T) {}
        /// takes_static(&vec![SymbolInfo { tick_size: Default::default() }]);
        /// ```
        Static => [StaticValue, CacheKey, StateField]: IsStatic,
        unclassified = "`{Self}` has not declared a data class, so it is not static data",
        note = "derive `Static` on symbol info, trading rules, fee schedules and exchange config"
    }

    bundle! {
        /// Data of class `Streamed`: order books, tickers and trades from a stream, or a container
        /// of them. Implemented by `#[derive(Streamed)]`.
        Streamed => [StreamValue, StateField]: IsStreamed,
        unclassified = "`{Self}` has not declared a data class, so it is not streamed market data",
        note = "derive `Streamed` on order books, tickers and trades that arrive on a stream"
    }

    bundle! {
        /// Data of class `Live`, owned exclusively: balances, orders, positions, recent trades, or
        /// a container of them. Implemented by `#[derive(Live)]`; held only in `Fresh<T>`.
        Live: IsLive; ExclusiveInFresh,
        unclassified = "`{Self}` has not declared a data class, so it is not live trading data",
        note = "derive `Live` on balances, orders, positions and recent trades"
    }

    /// A long-lived struct (an exchange adapter, a strategy, an engine) that holds no live data.
    ///
    /// Implemented by `#[derive(NoLiveState)]`, which checks every field.
    ///
    /// # Safety
    ///
    /// `unsafe` to implement by hand, like [`Classified`]: the derive checks every field; whoever
    /// writes an impl vouches that no field holds live data.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use hft_cache::{NoLiveState, Static, StaticCache};
    ///
    /// #[derive(Static)]
    /// struct SymbolInfo {
    ///     tick_size: rust_decimal::Decimal,
    /// }
    ///
    /// #[derive(NoLiveState)]
    /// struct Adapter {
    ///     name: String,
    ///     symbols: StaticCache<String, SymbolInfo>,
    ///     #[hft(opaque)]
    ///     http: reqwest::Client,
    /// }
    /// ```
    pub unsafe trait NoLiveState {}
}

pub(crate) use class_traits::Live;
#[cfg(feature = "http")]
pub(crate) use class_traits::Static;

/// Used by the derives' generated code; not part of the API. Code that names these items by hand
/// is outside the policy, as an `unsafe impl` is.
#[doc(hidden)]
pub mod __private {
    pub use super::checks::{
        field_under, live_field, live_view_field, state_field, static_field, streamed_field, Probe,
        ProbeFallback, RuleFor,
    };
    pub use crate::class::{effective_max_age, min_age, AgeWalk};
    pub use crate::proof::{
        cons, nil, seal, Checked, CloneCheck, ConstZero, Fields, LiveProbe, LiveRule,
        NotCloneFallback, Proof, StateRule, StaticRule, StreamedRule,
    };
    pub use core::option::Option::{self, None, Some};
    pub use core::time::Duration;
}
