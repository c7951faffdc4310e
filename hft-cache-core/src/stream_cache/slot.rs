//! [`Slot`]: one key's latest entry, replaced by writers that reuse its storage, read by readers
//! that never block and never see a torn entry.
//!
//! A slot owns a few nodes, each holding one entry and a count of the readers holding it. The
//! slot's `current` pointer names the node readers should use. A writer (one at a time, under
//! the slot's writer lock) fills a node that is neither current nor held by any reader, then
//! makes it current; the node it replaced keeps its entry until a later publish finds it free.
//! So a publish in the steady state allocates nothing, frees nothing and touches no reference
//! count: it costs the writer lock and one atomic swap. Nodes live as long as the slot; a slot
//! has at most two more nodes than readers holding one at the same time.
//!
//! The protocol, by the two sides of a Dekker-style handshake (all `SeqCst`; the loom models in
//! `loom_tests` check it, see `crate::sync` for why a fence follows each `SeqCst` access there):
//!
//! - reader: increment `node.readers`, then load `current`; keep the node only if it is still
//!   current, else decrement and start again.
//! - writer: swap `current` away from a node; later, reuse that node only after loading its
//!   `readers` as 0.
//!
//! In the single order of `SeqCst` operations, a reader's increment either comes before the
//! writer's load of the count (the writer sees it and leaves the node alone), or after it; then
//! the reader's next load of `current` also comes after the swap that retired the node, so the
//! reader sees another node and lets go (or sees the node current again, which only happens once
//! the writer has finished refilling it and swapped it back in). A reader therefore reads an
//! entry only while no writer can write it, and a writer writes a node only while no reader can
//! read it.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use super::Entry;
use crate::clock::Timestamp;
use crate::stream_cache::feed::FeedState;
use crate::sync::{self, seq_cst_fence, yield_now, ConstPtr, UnsafeCell};
use sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// A reader's shared access to a node's entry (loom tracks it until it drops).
type EntryAccess<V> = ConstPtr<Option<Entry<V>>>;

/// A reader's hold: the node, counted in its `readers`, and the access to its entry.
type Hold<V> = (NonNull<Node<V>>, EntryAccess<V>);

/// One entry and the readers holding it.
struct Node<V> {
    readers: AtomicUsize,
    /// Written only by the writer holding the slot's lock while no reader holds the node and the
    /// node is not current; read only by readers holding the node.
    entry: UnsafeCell<Option<Entry<V>>>,
}

/// The latest entry of one key.
pub(super) struct Slot<V> {
    /// The node readers use; null while the key has no value (never written, or removed).
    current: AtomicPtr<Node<V>>,
    /// Serialises writers (two feeds may write one key); readers never take it.
    writing: AtomicBool,
    /// Every node of the slot, made by `Box::into_raw` and freed only in `drop`. Accessed only
    /// by the writer holding `writing`.
    nodes: UnsafeCell<Vec<NonNull<Node<V>>>>,
}

// SAFETY: a slot hands out `&Entry<V>` to readers on any thread (so `V: Sync`), and drops
// entries on whichever thread writes or drops it (so `V: Send`). Its cells are accessed only as
// the module documentation describes: `nodes` under the writer lock, a node's entry by one
// writer exclusively or by readers shared.
unsafe impl<V: Send + Sync> Send for Slot<V> {}
// SAFETY: as for `Send`.
unsafe impl<V: Send + Sync> Sync for Slot<V> {}

impl<V> Slot<V> {
    pub(super) fn new() -> Self {
        Slot {
            current: AtomicPtr::new(ptr::null_mut()),
            writing: AtomicBool::new(false),
            nodes: UnsafeCell::new(Vec::new()),
        }
    }

    /// Makes (`value`, `updated_at`, `feed`) the current entry.
    pub(super) fn publish(&self, value: V, updated_at: Timestamp, feed: &Arc<FeedState>) {
        let _writing = self.lock();
        // Only writers store `current`, and this one holds the lock: a relaxed load is exact.
        let current = self.current.load(Ordering::Relaxed);
        // SAFETY: the writer lock is held, so no one else accesses `nodes`.
        let node = self
            .nodes
            .with_mut(|nodes| unsafe { Self::free_node(&mut *nodes, current) });
        // SAFETY: nodes stay allocated until the slot drops.
        let free = unsafe { node.as_ref() };
        free.entry.with_mut(|entry| {
            // SAFETY: the node is not current and its reader count was 0 after the swap that
            // made it not current (module documentation): no reader holds it or can come to
            // hold it before it is current again, and the writer lock keeps other writers out.
            let entry = unsafe { &mut *entry };
            match entry {
                Some(entry) => {
                    entry.value = value;
                    entry.updated_at = updated_at;
                    if !Arc::ptr_eq(&entry.feed, feed) {
                        entry.feed = Arc::clone(feed);
                    }
                }
                None => {
                    *entry = Some(Entry {
                        value,
                        updated_at,
                        feed: Arc::clone(feed),
                    });
                }
            }
        });
        // SeqCst: the writer's half of the handshake; also publishes the entry just written.
        self.current.swap(node.as_ptr(), Ordering::SeqCst);
        seq_cst_fence();
    }

    /// A node that is neither `current` nor held by a reader, made if there is none.
    ///
    /// # Safety
    ///
    /// The caller holds the writer lock, and `nodes` is the slot's.
    unsafe fn free_node(
        nodes: &mut Vec<NonNull<Node<V>>>,
        current: *mut Node<V>,
    ) -> NonNull<Node<V>> {
        let free = nodes.iter().copied().find(|node| {
            // SAFETY: nodes stay allocated until the slot drops.
            node.as_ptr() != current && unsafe { node.as_ref() }.readers.load(Ordering::SeqCst) == 0
        });
        free.unwrap_or_else(|| {
            let node = NonNull::from(Box::leak(Box::new(Node {
                readers: AtomicUsize::new(0),
                entry: UnsafeCell::new(None),
            })));
            nodes.push(node);
            node
        })
    }

    /// Makes the key valueless. The node's entry stays (unreadable) until the node is reused.
    pub(super) fn clear(&self) {
        let _writing = self.lock();
        // SeqCst: as in `publish`, a node retired here is reused only after a count of 0.
        self.current.swap(ptr::null_mut(), Ordering::SeqCst);
        seq_cst_fence();
    }

    /// The current entry, held until the returned guard drops.
    #[inline]
    pub(super) fn load(&self) -> Option<EntryRef<'_, V>> {
        let (node, entry) = self.acquire()?;
        Some(EntryRef {
            node,
            entry: ManuallyDrop::new(entry),
            _slot: PhantomData,
        })
    }

    /// Takes a hold on the current node (the reader's half of the handshake), and the shared
    /// access to its entry that the hold allows.
    #[inline]
    fn acquire(&self) -> Option<Hold<V>> {
        let mut node = NonNull::new(self.current.load(Ordering::SeqCst))?;
        loop {
            // SAFETY: nodes stay allocated until the slot drops, and `self` is borrowed.
            let held = unsafe { node.as_ref() };
            held.readers.fetch_add(1, Ordering::SeqCst);
            seq_cst_fence();
            let current = self.current.load(Ordering::SeqCst);
            if current == node.as_ptr() {
                return Some((node, held.entry.get()));
            }
            // Release: as in `release`; this reader read nothing, but the count must drop.
            held.readers.fetch_sub(1, Ordering::Release);
            node = NonNull::new(current)?;
        }
    }

    /// Lets go of a node taken by `acquire`, once the access to its entry has ended.
    #[inline]
    // Not a no-op under loom, where the access is tracked until it drops: it must end first.
    #[allow(clippy::drop_non_drop)]
    fn release(node: NonNull<Node<V>>, entry: EntryAccess<V>) {
        drop(entry);
        // Release: the writer's `SeqCst` load that sees the count drop also sees this reader's
        // reads of the entry finished, before it overwrites the entry.
        // SAFETY: a held node belongs to a slot that outlives the hold.
        unsafe { node.as_ref() }
            .readers
            .fetch_sub(1, Ordering::Release);
    }

    /// # Safety
    ///
    /// `entry` is the access of a node the caller holds (from `acquire`, not yet released).
    #[inline]
    unsafe fn entry(entry: &EntryAccess<V>) -> &Entry<V> {
        // SAFETY: a held node is not written (module documentation), and a node is current only
        // once its entry is filled in.
        match unsafe { entry.deref() } {
            Some(entry) => entry,
            None => unreachable!("a current node always has an entry"),
        }
    }

    fn lock(&self) -> WriteLock<'_> {
        // Acquire/Release: the lock hands `nodes` and the node entries from writer to writer.
        while self
            .writing
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Only another writer of this very key holds it, for the length of one publish.
            yield_now();
        }
        WriteLock(&self.writing)
    }
}

impl<V> Drop for Slot<V> {
    fn drop(&mut self) {
        self.nodes.with_mut(|nodes| {
            // SAFETY: `&mut self`: no reader or writer is left.
            for node in unsafe { &mut *nodes }.drain(..) {
                // SAFETY: made by `Box::into_raw` (`Box::leak`), freed once, here.
                drop(unsafe { Box::from_raw(node.as_ptr()) });
            }
        });
    }
}

struct WriteLock<'a>(&'a AtomicBool);

impl Drop for WriteLock<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A reader's hold on a slot's entry: the writer leaves it alone until the hold ends.
pub(super) struct EntryRef<'s, V> {
    node: NonNull<Node<V>>,
    /// The shared access to the node's entry; ended (dropped) just before the hold.
    entry: ManuallyDrop<EntryAccess<V>>,
    /// The hold lasts no longer than the borrow of the slot that owns the node.
    _slot: PhantomData<&'s Slot<V>>,
}

impl<V> std::ops::Deref for EntryRef<'_, V> {
    type Target = Entry<V>;
    #[inline]
    fn deref(&self) -> &Entry<V> {
        // SAFETY: the node is held until `self` drops.
        unsafe { Slot::<V>::entry(&self.entry) }
    }
}

impl<V> Drop for EntryRef<'_, V> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: taken once, here; `self.entry` is not used again.
        let entry = unsafe { ManuallyDrop::take(&mut self.entry) };
        Slot::<V>::release(self.node, entry);
    }
}

/// A reader's lasting hold on a slot's entry, for a reader handle that reads the key again
/// and again: while the entry is still current, a read costs one load of the slot's pointer.
pub(super) struct HeldSlot<V> {
    slot: sync::Arc<Slot<V>>,
    /// The node this handle holds (counted in its `readers`) and the access to its entry.
    held: Option<Hold<V>>,
}

// SAFETY: the hold is on a node of `slot`, which the handle owns an `Arc` of; it is used
// only through `&mut self`. Entries are shared across threads as in `Slot`.
unsafe impl<V: Send + Sync> Send for HeldSlot<V> {}
// SAFETY: `&HeldSlot` gives access to nothing (every method takes `&mut self`).
unsafe impl<V: Send + Sync> Sync for HeldSlot<V> {}

impl<V> HeldSlot<V> {
    pub(super) fn new(slot: sync::Arc<Slot<V>>) -> Self {
        HeldSlot { slot, held: None }
    }

    /// The current entry. It stays valid until the next call (or the drop).
    #[inline]
    pub(super) fn load(&mut self) -> Option<&Entry<V>> {
        // Acquire: an entry newly made current is read after this load.
        let current = self.slot.current.load(Ordering::Acquire);
        let held = self
            .held
            .as_ref()
            .map_or(ptr::null_mut(), |(node, _)| node.as_ptr());
        if current != held {
            self.reload();
        }
        // SAFETY: `held` is a node this handle holds, with its access.
        self.held
            .as_ref()
            .map(|(_, entry)| unsafe { Slot::<V>::entry(entry) })
    }

    #[cold]
    #[inline(never)]
    fn reload(&mut self) {
        if let Some((node, entry)) = self.held.take() {
            Slot::<V>::release(node, entry);
        }
        self.held = self.slot.acquire();
    }
}

impl<V> Drop for HeldSlot<V> {
    fn drop(&mut self) {
        if let Some((node, entry)) = self.held.take() {
            Slot::<V>::release(node, entry);
        }
    }
}

// The loom models of this module (`scripts/loom.sh`).
#[cfg(all(test, hft_loom))]
mod loom_tests;

// Under loom every atomic needs a model to run in; these run on real threads.
#[cfg(all(test, not(hft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn feed(name: &str) -> Arc<FeedState> {
        Arc::new(FeedState::new(name.into(), false))
    }

    #[test]
    fn a_publish_is_read_and_a_clear_empties_the_slot() {
        let slot = Slot::new();
        let feed = feed("a");
        assert!(slot.load().is_none());
        slot.publish(1u64, Timestamp::from_nanos(5), &feed);
        assert_eq!(
            slot.load().map(|e| (e.value, e.updated_at)),
            Some((1, Timestamp::from_nanos(5)))
        );
        slot.clear();
        assert!(slot.load().is_none());
        slot.publish(2, Timestamp::from_nanos(6), &feed);
        assert_eq!(slot.load().map(|e| e.value), Some(2));
    }

    #[test]
    fn the_entry_knows_which_feed_wrote_it() {
        let slot = Slot::new();
        let (a, b) = (feed("a"), feed("b"));
        for round in 0..4 {
            let writer = if round % 2 == 0 { &a } else { &b };
            slot.publish(round, Timestamp::ZERO, writer);
            assert!(Arc::ptr_eq(&slot.load().unwrap().feed, writer));
        }
    }

    /// A held entry is never overwritten: the writer takes other nodes while it is held.
    #[test]
    fn held_entries_are_not_reused_and_nodes_stay_few() {
        let slot = Arc::new(Slot::new());
        let feed = feed("a");
        slot.publish(String::from("first"), Timestamp::ZERO, &feed);
        let mut held = HeldSlot::new(Arc::clone(&slot));
        let kept = slot.load().unwrap();
        assert_eq!(held.load().map(|e| e.value.as_str()), Some("first"));
        for i in 0..100 {
            slot.publish(format!("v{i}"), Timestamp::ZERO, &feed);
        }
        assert_eq!(kept.value, "first");
        drop(kept);
        // SAFETY (test): only this thread uses the slot.
        let nodes = slot.nodes.with_mut(|nodes| unsafe { &*nodes }.len());
        assert!(nodes <= 3, "{nodes} nodes");
        assert_eq!(held.load().map(|e| e.value.as_str()), Some("v99"));
        slot.clear();
        assert!(held.load().is_none());
    }

    #[test]
    fn dropping_a_slot_drops_every_entry() {
        let marker = Arc::new(());
        let feed = feed("a");
        let slot = Slot::new();
        for _ in 0..5 {
            slot.publish(Arc::clone(&marker), Timestamp::ZERO, &feed);
        }
        assert!(Arc::strong_count(&marker) > 1);
        drop(slot);
        assert_eq!(Arc::strong_count(&marker), 1);
    }

    /// Readers racing writers only ever see whole entries, whose two halves are written as one
    /// publish, and never go back in time. No timing is asserted.
    #[test]
    fn concurrent_readers_never_see_a_torn_or_older_entry() {
        const PUBLISHES: u64 = 200_000;
        let slot = Arc::new(Slot::<(u64, Vec<u64>)>::new());
        let done = Arc::new(AtomicBool::new(false));
        let feeds = [feed("a"), feed("b")];
        let check = |entry: &Entry<(u64, Vec<u64>)>| {
            let (n, ref copy) = entry.value;
            assert_eq!(copy.len(), 4);
            assert!(copy.iter().all(|&c| c == n), "torn entry: {n} {copy:?}");
            assert_eq!(entry.updated_at, Timestamp::from_nanos(n));
            n
        };
        std::thread::scope(|scope| {
            // Two writers of the one key, each publishing increasing numbers of its own parity.
            let writers: Vec<_> = (0..2u64)
                .map(|w| {
                    let (slot, feed) = (&slot, &feeds[w as usize]);
                    scope.spawn(move || {
                        for i in 0..PUBLISHES / 2 {
                            let n = i * 2 + w;
                            slot.publish((n, vec![n; 4]), Timestamp::from_nanos(n), feed);
                        }
                    })
                })
                .collect();
            for _ in 0..2 {
                let (slot, done) = (&slot, &done);
                scope.spawn(move || {
                    let mut held = HeldSlot::new(Arc::clone(slot));
                    let mut last_seen = [0u64; 2];
                    while !done.load(Ordering::Relaxed) {
                        for entry in [slot.load().as_deref().map(check), held.load().map(check)]
                            .into_iter()
                            .flatten()
                        {
                            let parity = (entry % 2) as usize;
                            assert!(entry >= last_seen[parity], "went back in time");
                            last_seen[parity] = entry;
                        }
                    }
                });
            }
            for writer in writers {
                writer.join().unwrap();
            }
            done.store(true, Ordering::Relaxed);
        });
        assert!(slot.load().is_some());
    }
}
