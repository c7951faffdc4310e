//! The field checks a derived impl's proof is built from: each returns a [`Checked`] and carries
//! its rule as a bound, so a field that breaks the rule fails right here, at the field's span,
//! in the rule's words.

use std::marker::PhantomData;

use super::{LiveField, LiveViewField, StateField, StaticField, StreamedField};
use crate::class::{self, Classified};
use crate::proof::{Checked, LiveRule, StateRule, StaticRule, StreamedRule};

/// A field of a `#[derive(Static)]` type.
#[inline(always)]
pub const fn static_field<F: ?Sized + StaticField>() -> Checked<F, StaticRule> {
    Checked::new()
}

/// A field of a `#[derive(Streamed)]` type.
#[inline(always)]
pub const fn streamed_field<F: ?Sized + StreamedField>() -> Checked<F, StreamedRule> {
    Checked::new()
}

/// A field of a `#[derive(Live)]` type.
#[inline(always)]
pub const fn live_field<F: ?Sized + LiveField>() -> Checked<F, LiveRule> {
    Checked::new()
}

/// A field of a `#[derive(Live)]` view with lifetime parameters: may borrow live data.
#[inline(always)]
pub const fn live_view_field<F: ?Sized + LiveViewField>() -> Checked<F, LiveRule> {
    Checked::new()
}

/// A field of a `#[derive(NoLiveState)]` struct.
#[inline(always)]
pub const fn state_field<F: ?Sized + StateField>() -> Checked<F, StateRule> {
    Checked::new()
}

mod sealed {
    pub trait RuleFor<F: ?Sized> {}
}

/// Rule `Self` admits type `F`: for the fields of a `class_of` wrapper, whose rule follows its
/// parameters' class. Sealed, and implemented through the bundles, so an error names the broken
/// rule ("`Balance` is live trading data and cannot be part of static data").
#[diagnostic::on_unimplemented(
    message = "`{F}` breaks the field rule of the class this wrapper takes from its parameters",
    label = "a field its class does not allow",
    note = "a `class_of` wrapper of static data holds only plain or static fields; of streamed data, no live fields; of live data, only exclusively owned ones"
)]
pub trait RuleFor<F: ?Sized>: sealed::RuleFor<F> {}

macro_rules! rule_for {
    ($($rule:ident: $bundle:ident),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<F: ?Sized + $bundle> sealed::RuleFor<F> for $rule {}
        #[diagnostic::do_not_recommend]
        impl<F: ?Sized + $bundle> RuleFor<F> for $rule {}
    )*};
}
rule_for!(StaticRule: StaticField, StreamedRule: StreamedField, LiveRule: LiveField, StateRule: StateField);

/// A field of a `class_of` wrapper, under the rule of the class it takes from its parameters.
#[inline(always)]
pub const fn field_under<F: ?Sized, R: RuleFor<F>>() -> Checked<F, R> {
    Checked::new()
}

/// Compile-time probes of concrete types: an inherent constant applies when the type has the
/// property, and the trait's fallback constant when it does not.
pub struct Probe<T: ?Sized>(PhantomData<T>);

/// The fallbacks of [`Probe`]'s inherent constants.
pub trait ProbeFallback {
    /// Not `Clone`.
    const IS_CLONE: bool = false;
    /// Has no data class.
    const IS_CLASSIFIED: bool = false;
    /// Is not live data.
    const IS_LIVE: bool = false;
}

impl<T: ?Sized> ProbeFallback for Probe<T> {}

impl<T: Clone> Probe<T> {
    /// `T` is `Clone` (and so perhaps `Copy`).
    pub const IS_CLONE: bool = true;
}

impl<T: ?Sized + Classified> Probe<T> {
    /// `T` has a data class.
    pub const IS_CLASSIFIED: bool = true;
}

impl<T: ?Sized + Classified<Class = class::Live>> Probe<T> {
    /// `T` is live data.
    pub const IS_LIVE: bool = true;
}
