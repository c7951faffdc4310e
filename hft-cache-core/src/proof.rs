//! The proof a derived `Classified` impl carries that every field passed its class's rule.
//!
//! A derive builds `Classified::PROOF`, whose type the real trait fixes from the type and its
//! class, from one check per field: `seal(cons(static_field::<A>(), cons(.., nil())))`. Only the
//! crate's checks build the parts, and each carries the rule as a bound: a look-alike
//! `__private` module reached through `#[hft(crate = "...")]` cannot hand in checks of its own,
//! so the field checks cannot be turned into no-ops.
//!
//! This module holds the proof's types; the checks that build them, with the rules as bounds,
//! are in `policy::checks`. Not part of the API: reached through `hft_cache::__private` by the
//! derives only.

use std::marker::PhantomData;

/// The rule fields of a `Static` type pass: plain or static.
#[derive(Debug)]
pub enum StaticRule {}
/// The rule fields of a `Streamed` type pass: plain, static or streamed.
#[derive(Debug)]
pub enum StreamedRule {}
/// The rule fields of a `Live` type pass: any class, owned exclusively.
#[derive(Debug)]
pub enum LiveRule {}
/// The rule fields of a `NoLiveState` struct pass: anything but live data.
#[derive(Debug)]
pub enum StateRule {}

/// A list of checked field types: `()` or `(*const Head, Tail)`.
pub trait FieldList {}
impl FieldList for () {}
impl<H: ?Sized, T: FieldList> FieldList for (*const H, T) {}

/// Names `T` and `R` without owning either (so proofs are `Send`, `Sync` and free to build).
type Marker<T, R> = PhantomData<(fn() -> *const T, R)>;

/// Every field of `S` passed rule `R`. Names only `S`, so a public type with private fields can
/// carry one.
pub struct Proof<S: ?Sized, R>(Marker<S, R>);

/// Every type in the list `L` passed rule `R`: built by [`cons`] and [`nil`] inside a derived
/// impl's constant, then [`seal`]ed into a [`Proof`].
pub struct Fields<L: ?Sized, R>(Marker<L, R>);

/// One type `F` passed rule `R`.
pub struct Checked<F: ?Sized, R>(Marker<F, R>);

impl<F: ?Sized, R> Checked<F, R> {
    /// Only the checks in `policy`, whose bounds are the rules, call this.
    pub(crate) const fn new() -> Self {
        Checked(PhantomData)
    }
}

/// The empty list needs no check.
pub const fn nil<R>() -> Fields<(), R> {
    Fields(PhantomData)
}

/// The checked fields of `S`, as its proof.
pub const fn seal<S: ?Sized, L: FieldList, R>(_fields: Fields<L, R>) -> Proof<S, R> {
    Proof(PhantomData)
}

impl<S: ?Sized, R> Proof<S, R> {
    /// For the crate's own types, reviewed where they are declared.
    pub(crate) const fn trusted() -> Self {
        Proof(PhantomData)
    }

    /// For a hand-written `unsafe impl Classified`, whose author vouches for every field.
    ///
    /// # Safety
    ///
    /// Not memory safety: the policy's. Only inside an `unsafe impl`, which is the escape.
    pub const unsafe fn vouched() -> Self {
        Proof(PhantomData)
    }
}

/// What only the crate's own field checks return.
#[diagnostic::on_unimplemented(
    message = "a field check did not come from hft-cache: `#[hft(crate = \"...\")]` must name the real crate",
    label = "a look-alike field check",
    note = "a `crate` path may lead to a re-export of hft-cache, never to helpers of another crate"
)]
pub trait FieldCheck<H: ?Sized, R> {}
impl<H: ?Sized, R> FieldCheck<H, R> for Checked<H, R> {}

/// A checked head in front of a proven tail.
pub const fn cons<H: ?Sized, T: FieldList, R, C: FieldCheck<H, R>>(
    head: C,
    _tail: Fields<T, R>,
) -> Fields<(*const H, T), R> {
    // `C` is generic, so a const fn may not drop it; the crate's `Checked` holds nothing.
    std::mem::forget(head);
    Fields(PhantomData)
}

/// The `Clone` check of a live type, as a part of its proof.
pub struct CloneCheck<T: ?Sized>(PhantomData<T>);

/// A live type that is not `Clone` passes.
pub trait NotCloneFallback<T: ?Sized> {
    /// The check passed.
    const CHECKED: Checked<CloneCheck<T>, LiveRule> = Checked(PhantomData);
}

impl<T: ?Sized> NotCloneFallback<T> for CloneCheck<T> {}

impl<T: Clone> CloneCheck<T> {
    /// A live type that is `Clone` fails when its proof is evaluated (the derive forces that).
    pub const CHECKED: Checked<CloneCheck<T>, LiveRule> =
        panic!("live trading data must not be `Clone` or `Copy`: a copy outlives its freshness");
}

/// A zero of each type a const parameter can have on stable Rust, so that the derives can probe
/// a generic type at zero whatever its const parameters' types are called.
pub trait ConstZero {
    /// Zero, `false` or `'\0'`.
    const ZERO: Self;
}

macro_rules! const_zero {
    ($zero:expr => $($ty:ty),*) => {$(
        impl ConstZero for $ty {
            const ZERO: Self = $zero;
        }
    )*};
}
const_zero!(0 => u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
const_zero!(false => bool);
const_zero!('\0' => char);

/// A live type that is not `Clone`: what a `class_of` wrapper's `Clone` probe puts in for its
/// class parameters. It holds nothing.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LiveProbe;
