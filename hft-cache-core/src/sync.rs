//! The synchronisation primitives of the lock-free core: `std`'s, or loom's under
//! `--cfg hft_loom`.
//!
//! The stream cache's slot and the static cache's served-snapshot swap take their atomics,
//! cells, `Arc`, locks, fences and spin hints from here, so that the loom models
//! (`scripts/loom.sh`) explore every interleaving of the code that ships, not of a copy. In a
//! normal build everything here is a plain re-export of `std` (or a `#[repr(transparent)]`
//! wrapper whose methods inline to what they wrap): no cost at all.
//!
//! Two things differ from `std`'s shape, both because loom needs them:
//!
//! - [`UnsafeCell`] is accessed through `with_mut` (exclusive, for the closure's length) and
//!   `get` (shared, for as long as the returned [`ConstPtr`] lives), which is loom's API: loom
//!   then checks that no exclusive access overlaps another access without a happens-before
//!   edge between them.
//! - [`seq_cst_fence`] is a no-op in normal builds and a `SeqCst` fence under loom. Loom models
//!   `SeqCst` *accesses* as `AcqRel` (tokio-rs/loom#180), which would make a correct Dekker
//!   handshake fail its model; it models `SeqCst` *fences* exactly. So a handshake whose
//!   correctness rests on the single order of its `SeqCst` accesses calls it right after each
//!   access that order matters for: the model then checks the argument the code makes, and the
//!   normal build keeps the accesses' own order for free.
//!
//! The static cache's snapshot swap is `arc-swap`, which has no loom support. Under loom,
//! [`arc_swap`] is a stand-in with the same surface built on a loom `Mutex`: the models check
//! what the crate builds on the swap (the serving lock, the kill switch's flag, the readers'
//! snapshot caches, the refusal reasons, the freeing of snapshots), not arc-swap's own
//! algorithm, which its authors test.

#[cfg(not(hft_loom))]
pub(crate) use std::sync::{Arc, Mutex};

#[cfg(hft_loom)]
pub(crate) use loom::sync::{Arc, Mutex};

/// Atomics and fences.
pub(crate) mod atomic {
    #[cfg(not(hft_loom))]
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

    #[cfg(hft_loom)]
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
}

/// Nothing in a normal build; a `SeqCst` fence under loom (see the module documentation).
#[inline(always)]
pub(crate) fn seq_cst_fence() {
    #[cfg(hft_loom)]
    loom::sync::atomic::fence(atomic::Ordering::SeqCst);
}

/// Lets another thread run: a spinning writer waits for one that holds the lock.
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(hft_loom))]
    std::thread::yield_now();
    #[cfg(hft_loom)]
    loom::thread::yield_now();
}

#[cfg(hft_loom)]
pub(crate) use loom::cell::{ConstPtr, UnsafeCell};

#[cfg(not(hft_loom))]
pub(crate) use self::cell::{ConstPtr, UnsafeCell};

/// `std`'s `UnsafeCell` with loom's access API.
#[cfg(not(hft_loom))]
mod cell {
    /// An `UnsafeCell` accessed as loom's is.
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        #[inline(always)]
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Exclusive access for the length of `f`.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }

        /// Shared access for as long as the returned pointer lives.
        #[inline(always)]
        pub(crate) fn get(&self) -> ConstPtr<T> {
            ConstPtr(self.0.get())
        }
    }

    /// A shared access to an [`UnsafeCell`]'s value.
    #[repr(transparent)]
    pub(crate) struct ConstPtr<T>(*const T);

    impl<T> ConstPtr<T> {
        /// # Safety
        ///
        /// As dereferencing a `*const T`: the cell is alive and nobody writes it meanwhile.
        #[inline(always)]
        pub(crate) unsafe fn deref(&self) -> &T {
            // SAFETY: the caller's.
            unsafe { &*self.0 }
        }
    }
}

/// How the loom models run (`scripts/loom.sh`).
#[cfg(all(test, hft_loom))]
pub(crate) mod model {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Preemptions a bounded model allows when `LOOM_MAX_PREEMPTIONS` is unset.
    const DEFAULT_BOUND: usize = 4;

    /// Runs `model` on every interleaving: for the models small enough to be explored whole
    /// (loom's partial-order reduction still skips the equivalent ones).
    pub(crate) fn exhaustive(model: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = None;
        run(builder, model);
    }

    /// Runs `model` on every interleaving with at most `LOOM_MAX_PREEMPTIONS` preemptions
    /// (default 4): for the models whose whole state space takes too long.
    pub(crate) fn bounded(model: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = builder.preemption_bound.or(Some(DEFAULT_BOUND));
        run(builder, model);
    }

    fn run(builder: loom::model::Builder, model: impl Fn() + Sync + Send + 'static) {
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&runs);
        builder.check(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            model();
        });
        // Shown with `--nocapture`: how much of the state space the model explored.
        eprintln!(
            "{}: {} interleavings",
            std::thread::current().name().unwrap_or("model"),
            runs.load(Ordering::Relaxed)
        );
    }
}

/// `arc-swap`, or a stand-in with its surface under loom.
pub(crate) mod arc_swap {
    #[cfg(not(hft_loom))]
    pub(crate) use ::arc_swap::{ArcSwap, ArcSwapOption, Cache};

    #[cfg(hft_loom)]
    pub(crate) use self::model::{ArcSwap, ArcSwapOption, Cache};

    /// What the static cache uses of arc-swap, over a loom `Mutex`: every load, store and swap
    /// is one atomic step of the model, as arc-swap's are linearisable.
    #[cfg(hft_loom)]
    mod model {
        use std::ops::Deref;
        use std::sync::Arc;

        use loom::sync::Mutex;

        /// `arc_swap::ArcSwapAny`: an `Arc` (or an optional one) swapped whole.
        pub(crate) struct ArcSwapAny<T>(Mutex<T>);

        /// `arc_swap::ArcSwap`.
        pub(crate) type ArcSwap<T> = ArcSwapAny<Arc<T>>;
        /// `arc_swap::ArcSwapOption`.
        pub(crate) type ArcSwapOption<T> = ArcSwapAny<Option<Arc<T>>>;

        impl<T: Clone> ArcSwapAny<T> {
            pub(crate) fn new(value: T) -> Self {
                ArcSwapAny(Mutex::new(value))
            }

            fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
                self.0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            }

            /// arc-swap's guard derefs to the `Arc`; a clone of it does the same.
            pub(crate) fn load(&self) -> T {
                self.lock().clone()
            }

            pub(crate) fn load_full(&self) -> T {
                self.lock().clone()
            }

            pub(crate) fn store(&self, value: T) {
                drop(self.swap(value));
            }

            pub(crate) fn swap(&self, value: T) -> T {
                std::mem::replace(&mut *self.lock(), value)
            }
        }

        impl<T> ArcSwapAny<Option<Arc<T>>> {
            pub(crate) fn empty() -> Self {
                ArcSwapAny(Mutex::new(None))
            }
        }

        /// `arc_swap::Cache`: keeps the last value loaded until the swap holds another.
        pub(crate) struct Cache<A, T> {
            swap: A,
            cached: T,
        }

        impl<A, U> Cache<A, Arc<U>>
        where
            A: Deref<Target = ArcSwap<U>>,
        {
            pub(crate) fn new(swap: A) -> Self {
                let cached = swap.load_full();
                Cache { swap, cached }
            }

            pub(crate) fn load(&mut self) -> &Arc<U> {
                let current = self.swap.lock();
                if !Arc::ptr_eq(&current, &self.cached) {
                    // As arc-swap's cache, the one it replaces is dropped here, by the reader.
                    let fresh = Arc::clone(&current);
                    drop(current);
                    self.cached = fresh;
                }
                &self.cached
            }
        }
    }
}
