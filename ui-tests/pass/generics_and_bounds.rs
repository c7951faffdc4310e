// Generic types get the class bounds their fields need, and no more.
use hft_cache::{Classified, DataClass, Live, NoLiveState, Static, StaticCache, Streamed};

#[derive(Static)]
struct Versioned<T> {
    version: u64,
    data: T,
}

#[derive(Static)]
struct Fees(u32);

#[derive(Streamed)]
struct Tagged<T: Send, const N: usize>
where
    T: Sync,
{
    levels: [T; N],
}

#[derive(Live)]
struct Page<T> {
    items: Vec<T>,
}

#[derive(NoLiveState)]
struct Engine<S> {
    strategy: S,
    fees: StaticCache<String, Versioned<Fees>>,
}

#[derive(NoLiveState)]
struct Momentum {
    lookback: usize,
}

const _: () = {
    assert!(matches!(<Versioned<Fees> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Tagged<u64, 4> as Classified>::CLASS, DataClass::Streamed));
    assert!(matches!(<Page<String> as Classified>::CLASS, DataClass::Live));
};

fn run(_: Engine<Momentum>) {}

fn main() {
    let _ = run;
}
