//! Loom models of the slot: every interleaving of small writer/reader configurations on one
//! key (all of them for the two smaller models; up to `LOOM_MAX_PREEMPTIONS` preemptions, 4
//! when unset, for the one with three threads and a removal).
//!
//! On each interleaving loom checks that no access to a node's entry or to the node list
//! overlaps a write of it without a happens-before edge between them (a torn read, a writer
//! refilling a node a reader holds, two writers at once), and that nothing deadlocks. The models
//! assert what readers see: whole entries (a value's two halves agree), never an entry older
//! than one they already saw, never a value already freed; and that every value published is
//! freed exactly once, by the writer that replaced it or by the slot's drop.

use std::sync::Mutex as StdMutex;

use loom::thread;

use super::{HeldSlot, Slot};
use crate::clock::Timestamp;
use crate::stream_cache::feed::FeedState;
use crate::stream_cache::Entry;
use crate::sync::model::{bounded, exhaustive};
use crate::sync::Arc;

/// The values freed so far, in order. A std mutex: it is taken and released within one drop,
/// never across a step of the model, so it adds no interleavings and cannot block one.
type FreedLog = std::sync::Arc<StdMutex<Vec<u64>>>;

/// A published value: `n` twice (in place and behind a pointer), so that a torn read shows,
/// and the log its drop writes to.
struct Value {
    n: u64,
    copy: Box<u64>,
    freed: FreedLog,
}

impl Drop for Value {
    fn drop(&mut self) {
        self.freed.lock().unwrap().push(self.n);
    }
}

fn freed_values(log: &FreedLog) -> Vec<u64> {
    let mut freed = log.lock().unwrap().clone();
    freed.sort_unstable();
    freed
}

struct Writer {
    slot: Arc<Slot<Value>>,
    feed: std::sync::Arc<FeedState>,
    freed: FreedLog,
}

impl Writer {
    fn new(slot: &Arc<Slot<Value>>, freed: &FreedLog) -> Self {
        Writer {
            slot: Arc::clone(slot),
            feed: std::sync::Arc::new(FeedState::new("loom".into(), false)),
            freed: std::sync::Arc::clone(freed),
        }
    }

    fn publish(&self, n: u64) {
        let value = Value {
            n,
            copy: Box::new(n),
            freed: std::sync::Arc::clone(&self.freed),
        };
        self.slot
            .publish(value, Timestamp::from_nanos(n), &self.feed);
    }
}

/// What a reader saw in an entry, after checking that it is whole and not freed.
fn seen(entry: &Entry<Value>) -> u64 {
    let value = &entry.value;
    assert_eq!(*value.copy, value.n, "torn entry");
    assert_eq!(
        entry.updated_at,
        Timestamp::from_nanos(value.n),
        "torn entry"
    );
    assert!(
        !value.freed.lock().unwrap().contains(&value.n),
        "read {} after it was freed",
        value.n
    );
    value.n
}

/// One writer replaces the value twice while a reader holds two entries at once (so the writer
/// must find a third node): the reader sees whole entries in publish order, the last value is
/// current at the end, and each value is freed once.
#[test]
fn loom_one_writer_one_reader() {
    exhaustive(|| {
        let freed = FreedLog::default();
        let slot = Arc::new(Slot::new());
        let writer = Writer::new(&slot, &freed);
        writer.publish(1);
        let writing = thread::spawn(move || {
            writer.publish(2);
            writer.publish(3);
        });

        let first = slot.load().expect("published before the reader started");
        let second = slot.load().expect("never cleared");
        let (a, b) = (seen(&first), seen(&second));
        assert!(a <= b, "went back in time: {a} then {b}");
        // A held entry is not freed while held, however many publishes pass.
        drop(first);
        drop(second);

        writing.join().unwrap();
        assert_eq!(slot.load().map(|e| seen(&e)), Some(3));
        drop(slot);
        assert_eq!(freed_values(&freed), [1, 2, 3]);
    });
}

/// Where an observation sits in the writer's history 1, 2, removed, 3 (the slot starts at 1,
/// so "no value" can only be the removal).
fn position(observed: Option<u64>) -> u64 {
    match observed {
        Some(1) => 0,
        Some(2) => 1,
        None => 2,
        Some(3) => 3,
        Some(n) => panic!("never published: {n}"),
    }
}

/// One writer publishes, removes the key and publishes again, against two readers: one taking
/// a hold per read (`Slot::load`, as `StreamCache::read`), one keeping its hold from read to
/// read (`HeldSlot`, as a `StreamReader`). Neither ever goes back in the writer's history.
#[test]
fn loom_one_writer_two_readers_with_a_removal() {
    bounded(|| {
        let freed = FreedLog::default();
        let slot = Arc::new(Slot::new());
        let writer = Writer::new(&slot, &freed);
        writer.publish(1);
        let writing = thread::spawn(move || {
            writer.publish(2);
            writer.slot.clear();
            writer.publish(3);
        });
        let reading = {
            let slot = Arc::clone(&slot);
            thread::spawn(move || {
                let mut last = 0;
                for _ in 0..2 {
                    let now = position(slot.load().map(|e| seen(&e)));
                    assert!(now >= last, "went back in time");
                    last = now;
                }
            })
        };

        let mut held = HeldSlot::new(Arc::clone(&slot));
        let mut last = 0;
        for _ in 0..2 {
            let now = position(held.load().map(seen));
            assert!(now >= last, "went back in time");
            last = now;
        }
        drop(held);

        writing.join().unwrap();
        reading.join().unwrap();
        assert_eq!(slot.load().map(|e| seen(&e)), Some(3));
        drop(slot);
        assert_eq!(freed_values(&freed), [1, 2, 3]);
    });
}

/// Two writers of one key (two feeds), one of them removing it, against a reader: the writer
/// lock keeps them apart (loom would see two writers in the node list at once), the reader sees
/// whole entries, the key ends as the last writer left it, and each value is freed once.
#[test]
fn loom_two_writers_one_reader() {
    exhaustive(|| {
        let freed = FreedLog::default();
        let slot = Arc::new(Slot::new());
        let first = Writer::new(&slot, &freed);
        let second = Writer::new(&slot, &freed);
        let removing = thread::spawn(move || {
            first.publish(1);
            first.slot.clear();
        });
        let writing = thread::spawn(move || second.publish(2));

        for _ in 0..2 {
            if let Some(entry) = slot.load() {
                seen(&entry);
            }
        }

        removing.join().unwrap();
        writing.join().unwrap();
        // 1 is always removed after its publish, so it is never what is left.
        let last = slot.load().map(|e| seen(&e));
        assert!(matches!(last, None | Some(2)), "{last:?}");
        drop(slot);
        assert_eq!(freed_values(&freed), [1, 2]);
    });
}
