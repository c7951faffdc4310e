//! `Classified` for std and third-party types: plain types are Plain, containers take the
//! highest class inside (and the shortest max age), and anything that can be changed or shared
//! through `&` is not exclusive.
//!
//! Every impl here is `do_not_recommend`, so an error about a container speaks of the
//! container ("`Vec<Balance>` is live trading data...") rather than of this table.

use std::borrow::Cow;
use std::cell::{Cell, LazyCell, OnceCell, RefCell, UnsafeCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::num::{NonZero, Saturating, Wrapping};
use std::ops::{Bound, Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};
use std::pin::Pin;
use std::rc::{self, Rc};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{self, Arc, LazyLock, Mutex, OnceLock, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::class::{ClassMarker, Classified, Exclusive, NotExclusive, OwnershipMarker, Plain};
use crate::proof::Proof;

/// The smaller of two optional max ages: a value holding both is as old as its most perishable part.
const fn min_age(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
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

/// The max age of a value holding a `T`: `T`'s own, else its class's default (so that joining a
/// 60 s static type into a streamed one cannot lift the streamed default of 5 s).
const fn age<T: Classified + ?Sized>() -> Option<Duration> {
    crate::class::effective_max_age::<T>()
}

/// Types with no trading meaning and nothing inside: Plain, with the given ownership.
macro_rules! plain {
    ($ownership:ident: $($ty:ty),* $(,)?) => {$(
        // SAFETY: std types that hold no domain data.
        #[diagnostic::do_not_recommend]
        unsafe impl Classified for $ty {
            type Class = Plain;
            type Ownership = $ownership;
            const PROOF: Proof<Self, <Plain as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}

plain!(Exclusive:
    bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, (),
    str, String, Duration, std::time::Instant, std::time::SystemTime, std::cmp::Ordering,
    std::convert::Infallible, std::marker::PhantomPinned, std::any::TypeId,
    std::thread::ThreadId, std::path::Path, std::path::PathBuf, std::ffi::OsStr,
    std::ffi::OsString, std::ffi::CStr, std::ffi::CString, std::net::IpAddr,
    std::net::Ipv4Addr, std::net::Ipv6Addr, std::net::SocketAddr, std::net::SocketAddrV4,
    std::net::SocketAddrV6, rust_decimal::Decimal, serde_json::Value, serde_json::Number,
    NonZero<u8>, NonZero<u16>, NonZero<u32>, NonZero<u64>, NonZero<u128>, NonZero<usize>,
    NonZero<i8>, NonZero<i16>, NonZero<i32>, NonZero<i64>, NonZero<i128>, NonZero<isize>,
    RangeFull,
);

plain!(NotExclusive:
    std::sync::atomic::AtomicBool, std::sync::atomic::AtomicU8, std::sync::atomic::AtomicU16,
    std::sync::atomic::AtomicU32, std::sync::atomic::AtomicU64, std::sync::atomic::AtomicUsize,
    std::sync::atomic::AtomicI8, std::sync::atomic::AtomicI16, std::sync::atomic::AtomicI32,
    std::sync::atomic::AtomicI64, std::sync::atomic::AtomicIsize, std::sync::Condvar,
    std::sync::Barrier, std::thread::Thread,
);

#[cfg(feature = "chrono")]
plain!(Exclusive:
    chrono::NaiveDate, chrono::NaiveTime, chrono::NaiveDateTime, chrono::TimeDelta,
    chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::FixedOffset>, chrono::Utc,
    chrono::FixedOffset, chrono::Weekday, chrono::Month,
);

#[cfg(feature = "time")]
plain!(Exclusive:
    time::Date, time::Time, time::PrimitiveDateTime, time::OffsetDateTime, time::UtcOffset,
    time::Duration, time::Weekday, time::Month,
);

// SAFETY: a marker holds no value.
#[diagnostic::do_not_recommend]
unsafe impl<T: ?Sized> Classified for std::marker::PhantomData<T> {
    type Class = Plain;
    type Ownership = Exclusive;
    const PROOF: Proof<Self, <Plain as ClassMarker>::FieldRule> = Proof::trusted();
}

/// Containers of one element type: the element's class and max age; the ownership says whether
/// the container adds interior mutability (`mutable`), shared ownership (`shared`) or nothing
/// (`owned`).
macro_rules! container {
    ($kind:ident: $($($ty:ident)::+<T $(: ?$sized:ident)? $(, $extra:ident)*>),* $(,)?) => {$(
        // SAFETY: the container holds only its elements, whose class and max age it takes.
        #[diagnostic::do_not_recommend]
        unsafe impl<T: Classified $(+ ?$sized)? $(, $extra)*> Classified for $($ty)::+<T $(, $extra)*> {
            type Class = T::Class;
            type Ownership = container!(@ownership $kind T);
            const MAX_AGE: Option<Duration> = age::<T>();
            const PROOF: Proof<Self, <T::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
    (@ownership owned $t:ident) => { $t::Ownership };
    (@ownership mutable $t:ident) => { NotExclusive };
    (@ownership shared $t:ident) => { <$t::Class as ClassMarker>::SharedPointer<$t::Ownership> };
}

container!(owned:
    Option<T>, Vec<T>, VecDeque<T>, LinkedList<T>, BinaryHeap<T>, BTreeSet<T>, Box<T: ?Sized>,
    Reverse<T>, Wrapping<T>, Saturating<T>, Range<T>, RangeInclusive<T>, RangeFrom<T>,
    RangeTo<T>, RangeToInclusive<T>, Bound<T>, HashSet<T, S>,
);
container!(shared: Arc<T: ?Sized>, Rc<T: ?Sized>);
container!(mutable:
    Mutex<T: ?Sized>, RwLock<T: ?Sized>, Cell<T: ?Sized>, RefCell<T: ?Sized>,
    UnsafeCell<T: ?Sized>, OnceCell<T>, OnceLock<T>, LazyLock<T, F>, LazyCell<T, F>,
    JoinHandle<T>, Sender<T>, SyncSender<T>, Receiver<T>,
);

// Weak pointers share ownership whatever they point at, and tokio's synchronisation types are
// mutable or shared: none is ever exclusive.
container!(mutable:
    rc::Weak<T: ?Sized>, sync::Weak<T: ?Sized>, tokio::sync::Mutex<T: ?Sized>,
    tokio::sync::RwLock<T: ?Sized>, tokio::sync::OnceCell<T>, tokio::sync::mpsc::Sender<T>,
    tokio::sync::mpsc::Receiver<T>, tokio::sync::mpsc::UnboundedSender<T>,
    tokio::sync::mpsc::UnboundedReceiver<T>, tokio::sync::watch::Sender<T>,
    tokio::sync::watch::Receiver<T>, tokio::sync::broadcast::Sender<T>,
    tokio::sync::broadcast::Receiver<T>, tokio::sync::oneshot::Sender<T>,
    tokio::sync::oneshot::Receiver<T>, tokio::task::JoinHandle<T>, arc_swap::ArcSwap<T>,
    arc_swap::ArcSwapOption<T>,
);

/// References, pointers and views: the class and ownership of what they point at.
macro_rules! pointer {
    ($(impl<$($lt:lifetime),* ; $t:ident> for $ty:ty;)*) => {$(
        // SAFETY: a reference holds only what it points at.
        #[diagnostic::do_not_recommend]
        unsafe impl<$($lt,)* $t: Classified + ?Sized> Classified for $ty {
            type Class = $t::Class;
            type Ownership = $t::Ownership;
            const MAX_AGE: Option<Duration> = age::<$t>();
            const PROOF: Proof<Self, <$t::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
pointer! {
    impl<'a; T> for &'a T;
    impl<'a; T> for &'a mut T;
}

// SAFETY: a `Cow` holds a `B` or its owned form, which has the same class.
#[diagnostic::do_not_recommend]
unsafe impl<B> Classified for Cow<'_, B>
where
    B: Classified + ToOwned + ?Sized,
{
    type Class = B::Class;
    type Ownership = B::Ownership;
    const MAX_AGE: Option<Duration> = age::<B>();
    const PROOF: Proof<Self, <B::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: a pinned pointer holds what the pointer holds.
#[diagnostic::do_not_recommend]
unsafe impl<P: Classified> Classified for Pin<P> {
    type Class = P::Class;
    type Ownership = P::Ownership;
    const MAX_AGE: Option<Duration> = age::<P>();
    const PROOF: Proof<Self, <P::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: a slice or array holds only its elements.
#[diagnostic::do_not_recommend]
unsafe impl<T: Classified> Classified for [T] {
    type Class = T::Class;
    type Ownership = T::Ownership;
    const MAX_AGE: Option<Duration> = age::<T>();
    const PROOF: Proof<Self, <T::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: as above.
#[diagnostic::do_not_recommend]
unsafe impl<T: Classified, const N: usize> Classified for [T; N] {
    type Class = T::Class;
    type Ownership = T::Ownership;
    const MAX_AGE: Option<Duration> = age::<T>();
    const PROOF: Proof<Self, <T::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

/// Two-parameter containers: the joined class, ownership and max age of both.
macro_rules! pair {
    ($($ty:ident<$a:ident, $b:ident $(, $extra:ident)*>),* $(,)?) => {$(
        // SAFETY: the container holds only values of its two parameters.
        #[diagnostic::do_not_recommend]
        unsafe impl<$a: Classified, $b: Classified $(, $extra)*> Classified for $ty<$a, $b $(, $extra)*> {
            type Class = <$a::Class as ClassMarker>::Join<$b::Class>;
            type Ownership = <$a::Ownership as OwnershipMarker>::Join<$b::Ownership>;
            const MAX_AGE: Option<Duration> = min_age(age::<$a>(), age::<$b>());
            const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
pair!(HashMap<K, V, S>, BTreeMap<K, V>, Result<T, E>);

/// The joined class of a list of types, folded from the right.
macro_rules! joined {
    ($assoc:ident $marker:ident; $last:ident) => { <$last as Classified>::$assoc };
    ($assoc:ident $marker:ident; $first:ident, $($rest:ident),+) => {
        <<$first as Classified>::$assoc as $marker>::Join<joined!($assoc $marker; $($rest),+)>
    };
}

/// The smallest max age of a list of types.
macro_rules! joined_max_age {
    ($last:ident) => { age::<$last>() };
    ($first:ident, $($rest:ident),+) => { min_age(age::<$first>(), joined_max_age!($($rest),+)) };
}

macro_rules! tuples {
    ($(($($name:ident),+)),* $(,)?) => {$(
        // SAFETY: a tuple holds only its elements.
        #[diagnostic::do_not_recommend]
        unsafe impl<$($name: Classified),+> Classified for ($($name,)+) {
            type Class = joined!(Class ClassMarker; $($name),+);
            type Ownership = joined!(Ownership OwnershipMarker; $($name),+);
            const MAX_AGE: Option<Duration> = joined_max_age!($($name),+);
            const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
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
    (A, B, C, D, E, F, G, H, I, J, K, L, M),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P),
);
