//! `Classified` for std and third-party types: plain types are Plain, containers take the
//! highest class of every parameter that can carry a value (and the shortest max age), anything
//! that can be changed through `&` is not exclusive, and shared access to live data (`&T`,
//! `Arc<T>`, `Cow::Borrowed`) is only shared.
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

#[cfg(feature = "http")]
use crate::class::Static;
use crate::class::{
    min_age, AgeWalk, ClassMarker, Classified, Exclusive, NotExclusive, OwnershipMarker, Plain,
};
use crate::proof::Proof;

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
            fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
                T::__max_age(walk)
            }
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
    RangeTo<T>, RangeToInclusive<T>, Bound<T>,
);
container!(shared: Arc<T: ?Sized>, Rc<T: ?Sized>);
container!(mutable:
    Mutex<T: ?Sized>, RwLock<T: ?Sized>, Cell<T: ?Sized>, RefCell<T: ?Sized>,
    UnsafeCell<T: ?Sized>, OnceCell<T>, OnceLock<T>, JoinHandle<T>, Sender<T>, SyncSender<T>, Receiver<T>,
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

// SAFETY: a shared reference reaches what it points at, which others may hold too: shared
// access to live data is `Shared`, never exclusive.
#[diagnostic::do_not_recommend]
unsafe impl<T: Classified + ?Sized> Classified for &T {
    type Class = T::Class;
    type Ownership = <T::Class as ClassMarker>::SharedPointer<T::Ownership>;
    fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
        T::__max_age(walk)
    }
    const PROOF: Proof<Self, <T::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: an exclusive reference is as exclusive as what it points at.
#[diagnostic::do_not_recommend]
unsafe impl<T: Classified + ?Sized> Classified for &mut T {
    type Class = T::Class;
    type Ownership = T::Ownership;
    fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
        T::__max_age(walk)
    }
    const PROOF: Proof<Self, <T::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: a `Cow` holds a borrowed `B` (shared access) or its owned form: both classes joined.
#[diagnostic::do_not_recommend]
unsafe impl<B> Classified for Cow<'_, B>
where
    B: Classified + ToOwned + ?Sized,
    B::Owned: Classified,
{
    type Class = <B::Class as ClassMarker>::Join<<B::Owned as Classified>::Class>;
    type Ownership =
        <<B::Class as ClassMarker>::SharedPointer<B::Ownership> as OwnershipMarker>::Join<
            <B::Owned as Classified>::Ownership,
        >;
    fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
        min_age(
            B::__max_age(walk),
            <B::Owned as Classified>::__max_age(walk),
        )
    }
    const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

/// Views that hold only their one parameter: its class, ownership and max age.
macro_rules! view {
    ($(impl<$t:ident $(: ?$sized:ident)? $(, const $n:ident: $nty:ty)?> for $ty:ty;)*) => {$(
        // SAFETY: the view holds only values of its parameter.
        #[diagnostic::do_not_recommend]
        unsafe impl<$t: Classified $(+ ?$sized)? $(, const $n: $nty)?> Classified for $ty {
            type Class = $t::Class;
            type Ownership = $t::Ownership;
            fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
                $t::__max_age(walk)
            }
            const PROOF: Proof<Self, <$t::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
view! {
    impl<P> for Pin<P>;
    impl<T> for [T];
    impl<T, const N: usize> for [T; N];
}

/// Lazily initialised cells: the value's class joined with the initialiser's (a closure type
/// may carry values; a function pointer is plain), never exclusive.
macro_rules! lazy {
    ($($ty:ident),*) => {$(
        // SAFETY: the cell holds a `T` or the `F` that makes it.
        #[diagnostic::do_not_recommend]
        unsafe impl<T: Classified, F: Classified> Classified for $ty<T, F> {
            type Class = <T::Class as ClassMarker>::Join<F::Class>;
            type Ownership = NotExclusive;
            fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
                min_age(T::__max_age(walk), F::__max_age(walk))
            }
            const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
lazy!(LazyLock, LazyCell);

/// Function pointers hold code, not data: plain.
macro_rules! fn_pointers {
    ($(($($arg:ident),*)),* $(,)?) => {$(
        // SAFETY: a function pointer holds no value.
        #[diagnostic::do_not_recommend]
        unsafe impl<R $(, $arg)*> Classified for fn($($arg),*) -> R {
            type Class = Plain;
            type Ownership = Exclusive;
            const PROOF: Proof<Self, <Plain as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
fn_pointers!(
    (),
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F)
);

/// Two-parameter containers: the joined class, ownership and max age of both.
macro_rules! pair {
    ($($ty:ident<$a:ident, $b:ident>),* $(,)?) => {$(
        // SAFETY: the container holds only values of its two parameters.
        #[diagnostic::do_not_recommend]
        unsafe impl<$a: Classified, $b: Classified> Classified for $ty<$a, $b> {
            type Class = <$a::Class as ClassMarker>::Join<$b::Class>;
            type Ownership = <$a::Ownership as OwnershipMarker>::Join<$b::Ownership>;
            fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
                min_age($a::__max_age(walk), $b::__max_age(walk))
            }
            const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
        }
    )*};
}
pair!(BTreeMap<K, V>, Result<T, E>, HashSet<T, S>);

// SAFETY: a hash map holds keys, values and its hasher (which may carry state): all joined.
#[diagnostic::do_not_recommend]
unsafe impl<K: Classified, V: Classified, S: Classified> Classified for HashMap<K, V, S> {
    type Class = <K::Class as ClassMarker>::Join<<V::Class as ClassMarker>::Join<S::Class>>;
    type Ownership = <K::Ownership as OwnershipMarker>::Join<
        <V::Ownership as OwnershipMarker>::Join<S::Ownership>,
    >;
    fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
        min_age(
            K::__max_age(walk),
            min_age(V::__max_age(walk), S::__max_age(walk)),
        )
    }
    const PROOF: Proof<Self, <Self::Class as ClassMarker>::FieldRule> = Proof::trusted();
}

// SAFETY: std's hashers hold keys and counters, no domain data.
plain!(Exclusive:
    std::hash::RandomState, std::hash::DefaultHasher,
);

// SAFETY: a marker of the hasher type; holds no value.
#[diagnostic::do_not_recommend]
unsafe impl<H> Classified for std::hash::BuildHasherDefault<H> {
    type Class = Plain;
    type Ownership = Exclusive;
    const PROOF: Proof<Self, <Plain as ClassMarker>::FieldRule> = Proof::trusted();
}

/// The joined class of a list of types, folded from the right.
macro_rules! joined {
    ($assoc:ident $marker:ident; $last:ident) => { <$last as Classified>::$assoc };
    ($assoc:ident $marker:ident; $first:ident, $($rest:ident),+) => {
        <<$first as Classified>::$assoc as $marker>::Join<joined!($assoc $marker; $($rest),+)>
    };
}

/// The smallest max age of a list of types.
macro_rules! joined_max_age {
    ($walk:ident; $last:ident) => { $last::__max_age($walk) };
    ($walk:ident; $first:ident, $($rest:ident),+) => {
        min_age($first::__max_age($walk), joined_max_age!($walk; $($rest),+))
    };
}

macro_rules! tuples {
    ($(($($name:ident),+)),* $(,)?) => {$(
        // SAFETY: a tuple holds only its elements.
        #[diagnostic::do_not_recommend]
        unsafe impl<$($name: Classified),+> Classified for ($($name,)+) {
            type Class = joined!(Class ClassMarker; $($name),+);
            type Ownership = joined!(Ownership OwnershipMarker; $($name),+);
            fn __max_age(walk: &mut AgeWalk) -> Option<Duration> {
                joined_max_age!(walk; $($name),+)
            }
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

// The HTTP and JSON types the crate re-exports (`fetch::{Method, header}`, `fetch::RawValue`,
// `exchange::SecretString`): plain values. A secret is plain data, held in `secrecy`'s type,
// which never prints it.
plain!(Exclusive: serde_json::value::RawValue);
#[cfg(feature = "http")]
plain!(Exclusive:
    reqwest::Method, reqwest::StatusCode, reqwest::header::HeaderName,
    reqwest::header::HeaderValue,
);
#[cfg(feature = "venues")]
plain!(Exclusive: secrecy::SecretString);
#[cfg(feature = "http")]
container!(owned: reqwest::header::HeaderMap<T>);

// SAFETY: an endpoint is static data in the policy's own table (endpoints, rate limits,
// timeouts are exchange configuration).
#[cfg(feature = "http")]
#[diagnostic::do_not_recommend]
unsafe impl Classified for reqwest::Url {
    type Class = Static;
    type Ownership = Exclusive;
    const PROOF: Proof<Self, <Static as ClassMarker>::FieldRule> = Proof::trusted();
}
