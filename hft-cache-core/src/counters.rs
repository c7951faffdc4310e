//! Event counters that reader threads bump without sharing a cache line, so counting a cache
//! hit costs about as much as a local increment.
//!
//! Each thread takes one of [`SHARDS`] padded slots for its lifetime and bumps it with a plain
//! load and store (no locked instruction), as nobody else writes it. Once more threads than slots
//! are alive, the extra threads share a few overflow slots with `fetch_add`. A reader handle,
//! used by one thread at a time, can own a padded slot of its own ([`LocalCounters`]), which
//! saves even the thread-local lookup. Totals are the sum of all slots, read with relaxed
//! loads: a monitor's snapshot, not a synchronisation point.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_utils::CachePadded;

/// Slots a thread can own.
pub(crate) const SHARDS: usize = 32;
/// Slots shared, with atomic adds, by the threads beyond [`SHARDS`].
const OVERFLOW: usize = 8;

type Slot<const N: usize> = CachePadded<[AtomicU64; N]>;

fn new_slot<const N: usize>() -> Slot<N> {
    CachePadded::new(std::array::from_fn(|_| AtomicU64::new(0)))
}

/// `N` counters, sharded per thread.
pub(crate) struct Counters<const N: usize> {
    shards: Box<[Slot<N>]>,
    locals: Mutex<Locals<N>>,
}

/// The slots reader handles own, and what the dropped ones counted.
struct Locals<const N: usize> {
    live: Vec<Arc<Slot<N>>>,
    retired: [u64; N],
}

/// Counters owned by one handle, bumped by whichever thread holds it (`&mut self`), and
/// counted in the totals of the [`Counters`] they came from.
pub(crate) struct LocalCounters<const N: usize> {
    slot: Arc<Slot<N>>,
}

impl<const N: usize> LocalCounters<N> {
    /// Adds one to counter `which`.
    #[inline]
    pub(crate) fn bump(&mut self, which: usize) {
        // Only the holder of `&mut self` writes the slot: no read-modify-write is needed.
        let counter = &self.slot[which];
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }
}

impl<const N: usize> Counters<N> {
    pub(crate) fn new() -> Self {
        Counters {
            shards: (0..SHARDS + OVERFLOW).map(|_| new_slot()).collect(),
            locals: Mutex::new(Locals {
                live: Vec::new(),
                retired: [0; N],
            }),
        }
    }

    /// A slot of counters for one handle.
    pub(crate) fn local(&self) -> LocalCounters<N> {
        let slot = Arc::new(new_slot());
        if let Ok(mut locals) = self.locals.lock() {
            // Handles made per request without a monitor reading the totals must not grow
            // the list: fold the dropped ones before it would reallocate (amortised O(1)).
            if locals.live.len() == locals.live.capacity() {
                locals.retire_dropped();
            }
            locals.live.push(Arc::clone(&slot));
        }
        LocalCounters { slot }
    }

    /// Adds one to counter `which`.
    #[inline]
    pub(crate) fn bump(&self, which: usize) {
        let slot = thread_slot();
        let counter = &self.shards[slot & !SHARED_SLOT][which];
        if slot & SHARED_SLOT == 0 {
            // This thread owns the slot: nobody else writes it, so no read-modify-write is needed.
            counter.store(
                counter.load(Ordering::Relaxed).wrapping_add(1),
                Ordering::Relaxed,
            );
        } else {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The total of counter `which` over all threads and handles.
    pub(crate) fn total(&self, which: usize) -> u64 {
        let shards = self
            .shards
            .iter()
            .map(|s| s[which].load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add);
        let Ok(mut locals) = self.locals.lock() else {
            return shards;
        };
        locals.retire_dropped();
        locals
            .live
            .iter()
            .map(|s| s[which].load(Ordering::Relaxed))
            .fold(
                shards.wrapping_add(locals.retired[which]),
                u64::wrapping_add,
            )
    }
}

impl<const N: usize> Locals<N> {
    /// Folds the slots of dropped handles (only this list still holds them) into the retired
    /// totals.
    fn retire_dropped(&mut self) {
        let Locals { live, retired } = self;
        live.retain(|slot| {
            if Arc::strong_count(slot) > 1 {
                return true;
            }
            // Pairs with the release decrement of the handle's drop, so its last bumps are seen.
            std::sync::atomic::fence(Ordering::Acquire);
            for (total, counter) in retired.iter_mut().zip(slot.iter()) {
                *total = total.wrapping_add(counter.load(Ordering::Relaxed));
            }
            false
        });
    }
}

const UNASSIGNED: usize = usize::MAX;
const SHARED_SLOT: usize = 1 << 31;

thread_local! {
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
    static OWNED: SlotOwner = const { SlotOwner(Cell::new(None)) };
}

/// Which slots are owned by a live thread.
static OWNERS: Mutex<[bool; SHARDS]> = Mutex::new([false; SHARDS]);

/// Gives the thread's slot back when the thread ends.
struct SlotOwner(Cell<Option<usize>>);

impl Drop for SlotOwner {
    fn drop(&mut self) {
        if let Some(index) = self.0.get() {
            if let Ok(mut owners) = OWNERS.lock() {
                owners[index] = false;
            }
        }
    }
}

#[inline]
fn thread_slot() -> usize {
    let slot = SLOT.with(Cell::get);
    if slot != UNASSIGNED {
        return slot;
    }
    assign_slot()
}

#[cold]
fn assign_slot() -> usize {
    let owned = OWNERS.lock().ok().and_then(|mut owners| {
        let free = owners.iter().position(|taken| !taken)?;
        owners[free] = true;
        Some(free)
    });
    let slot = match owned {
        Some(index) => {
            // If thread-local storage is being torn down, keep the slot rather than panic.
            let _ = OWNED.try_with(|o| o.0.set(Some(index)));
            index
        }
        None => {
            let id = std::thread::current().id();
            let hash = std::hash::BuildHasher::hash_one(&ahash::RandomState::with_seed(0), id);
            (SHARDS + hash as usize % OVERFLOW) | SHARED_SLOT
        }
    };
    let _ = SLOT.try_with(|s| s.set(slot));
    slot
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn totals_add_up_across_more_threads_than_slots() {
        let counters = Arc::new(Counters::<2>::new());
        let threads: Vec<_> = (0..SHARDS * 2)
            .map(|_| {
                let c = Arc::clone(&counters);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.bump(0);
                    }
                    c.bump(1);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counters.total(0), (SHARDS * 2 * 1000) as u64);
        assert_eq!(counters.total(1), (SHARDS * 2) as u64);
    }

    /// A thread that ends gives its slot back, so that threads made one after another never
    /// fall back to the shared overflow slots (and their locked adds).
    #[test]
    fn slots_of_finished_threads_are_reused() {
        for round in 0..2 * SHARDS {
            let slot = std::thread::spawn(|| {
                Counters::<1>::new().bump(0);
                thread_slot()
            })
            .join()
            .unwrap();
            assert_eq!(
                slot & SHARED_SLOT,
                0,
                "round {round}: overflow slot {slot:#x}"
            );
        }
    }

    #[test]
    fn handle_counts_stay_in_the_totals_after_the_handle_is_dropped() {
        let counters = Counters::<2>::new();
        let mut a = counters.local();
        let mut b = counters.local();
        a.bump(0);
        b.bump(0);
        b.bump(1);
        counters.bump(0);
        assert_eq!((counters.total(0), counters.total(1)), (3, 1));
        drop(b);
        assert_eq!((counters.total(0), counters.total(1)), (3, 1));
        a.bump(0);
        assert_eq!(counters.total(0), 4);
        assert_eq!(counters.locals.lock().unwrap().live.len(), 1);
    }

    #[test]
    fn handles_made_and_dropped_in_a_loop_do_not_pile_up() {
        let counters = Counters::<1>::new();
        for _ in 0..10_000 {
            counters.local().bump(0);
        }
        assert!(counters.locals.lock().unwrap().live.len() <= 64);
        assert_eq!(counters.total(0), 10_000);
    }
}
