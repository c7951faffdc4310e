// Fields whose type mentions `Self` or is a type macro naming a type parameter: checked,
// and part of the type's ownership and max age.
use hft_cache::policy::max_age_of;
use hft_cache::{Classified, DataClass, Fresh, Live, NoLiveState, Static, Streamed};

macro_rules! list {
    ($t:ty) => { Vec<$t> };
}

#[derive(Static)]
#[hft(max_age_ms = 60000)]
struct Fees {
    bps: u32,
}

#[derive(Static)]
struct Table<T> {
    rows: list!(T),
    fees: list!(Fees),
    next: Option<Box<Self>>,
}

#[derive(Streamed)]
struct Tape<T> {
    prints: list!(T),
    older: Vec<Tape<T>>,
}

#[derive(Live)]
struct Orders<T> {
    open: list!(T),
    children: Vec<Self>,
}

#[derive(NoLiveState)]
struct Engine<T> {
    books: list!(T),
    parent: Option<Box<Self>>,
}

fn reads(_: &Fresh<Orders<u64>>) {}

const _: () = {
    assert!(matches!(<Table<u64> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Tape<u64> as Classified>::CLASS, DataClass::Streamed));
};

fn takes<S: NoLiveState>(_: &S) {}

fn main() {
    let _ = reads;
    takes(&Engine::<u32> { books: Vec::new(), parent: None });
    assert!(max_age_of::<Table<u64>>().as_millis() == 60_000);
}
