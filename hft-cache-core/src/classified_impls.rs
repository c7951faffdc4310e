//! `Classified` for std types: primitives are Plain, containers take the highest class inside.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use crate::class::{ClassMarker, Plain};
use crate::Classified;

/// The smaller of two optional max ages: a value holding both is as old as its most perishable part.
#[doc(hidden)]
pub const fn min_max_age(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
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

macro_rules! plain {
    ($($ty:ty),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Classified for $ty {
            type Class = Plain;
        }
    )*};
}

plain!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    (),
    str,
    String,
    Duration,
    std::time::Instant,
    std::time::SystemTime,
    rust_decimal::Decimal,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
    std::num::NonZeroUsize,
    std::net::SocketAddr,
    std::net::IpAddr,
    std::sync::atomic::AtomicBool,
    std::sync::atomic::AtomicU64,
    std::sync::atomic::AtomicI64,
    std::sync::atomic::AtomicUsize,
);

#[diagnostic::do_not_recommend]
impl<T: ?Sized> Classified for std::marker::PhantomData<T> {
    type Class = Plain;
}

/// Containers of one element type: the element's class and max age.
macro_rules! same_as_element {
    ($($ty:ident<T $(: ?$sized:ident)?>),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Classified $(+ ?$sized)?> Classified for $ty<T> {
            type Class = T::Class;
            const MAX_AGE: Option<Duration> = T::MAX_AGE;
        }
    )*};
}

same_as_element!(
    Option<T>, Vec<T>, VecDeque<T>, LinkedList<T>, BinaryHeap<T>, BTreeSet<T>, Box<T: ?Sized>,
    Arc<T: ?Sized>, Rc<T: ?Sized>, Mutex<T: ?Sized>, RwLock<T: ?Sized>, Cell<T: ?Sized>,
    RefCell<T: ?Sized>, OnceCell<T>, OnceLock<T>, Reverse<T>,
);
use std::cmp::Reverse;

#[diagnostic::do_not_recommend]
impl<T: Classified + ?Sized> Classified for tokio::sync::Mutex<T> {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified + ?Sized> Classified for tokio::sync::RwLock<T> {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified> Classified for arc_swap::ArcSwap<T> {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified + ?Sized> Classified for &T {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified + ?Sized> Classified for &mut T {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified> Classified for [T] {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified, const N: usize> Classified for [T; N] {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<T: Classified, S> Classified for HashSet<T, S> {
    type Class = T::Class;
    const MAX_AGE: Option<Duration> = T::MAX_AGE;
}

#[diagnostic::do_not_recommend]
impl<K: Classified, V: Classified, S> Classified for HashMap<K, V, S> {
    type Class = <K::Class as ClassMarker>::Join<V::Class>;
    const MAX_AGE: Option<Duration> = min_max_age(K::MAX_AGE, V::MAX_AGE);
}

#[diagnostic::do_not_recommend]
impl<K: Classified, V: Classified> Classified for BTreeMap<K, V> {
    type Class = <K::Class as ClassMarker>::Join<V::Class>;
    const MAX_AGE: Option<Duration> = min_max_age(K::MAX_AGE, V::MAX_AGE);
}

/// The joined class of a list of types, folded from the right.
macro_rules! joined_class {
    ($last:ident) => { <$last as Classified>::Class };
    ($first:ident, $($rest:ident),+) => {
        <<$first as Classified>::Class as ClassMarker>::Join<joined_class!($($rest),+)>
    };
}

/// The smallest max age of a list of types.
macro_rules! joined_max_age {
    ($last:ident) => { <$last as Classified>::MAX_AGE };
    ($first:ident, $($rest:ident),+) => {
        min_max_age(<$first as Classified>::MAX_AGE, joined_max_age!($($rest),+))
    };
}

macro_rules! tuples {
    ($(($($name:ident),+)),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($name: Classified),+> Classified for ($($name,)+) {
            type Class = joined_class!($($name),+);
            const MAX_AGE: Option<Duration> = joined_max_age!($($name),+);
        }
    )*};
}

tuples!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H),
    (A, B, C, D, E, F, G, H, I),
    (A, B, C, D, E, F, G, H, I, J),
    (A, B, C, D, E, F, G, H, I, J, K),
    (A, B, C, D, E, F, G, H, I, J, K, L),
);
