// Generic streamed and static wrappers take bounds from their fields.
use hft_cache::{Classified, DataClass, Static, StreamCache, Streamed};

#[derive(Static)]
struct Level {
    price: u64,
    qty: u64,
}

#[derive(Streamed)]
struct Snapshot<L> {
    levels: Vec<L>,
    seq: u64,
}

#[derive(Static)]
struct Table<K: Ord, V> {
    rows: std::collections::BTreeMap<K, V>,
}

struct Feed {
    books: StreamCache<String, Snapshot<Level>>,
}

const _: () = {
    assert!(matches!(<Snapshot<Level> as Classified>::CLASS, DataClass::Streamed));
    assert!(matches!(<Table<String, Level> as Classified>::CLASS, DataClass::Static));
};

fn main() {
    let _ = std::mem::size_of::<Feed>();
}
