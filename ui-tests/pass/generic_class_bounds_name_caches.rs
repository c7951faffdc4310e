// A generic `V: Static` names `StaticCache<K, V>` and `V: Streamed` names `StreamCache<K, V>`:
// the class traits imply the cache bundles.
use hft_cache::{Static, StaticCache, StreamCache, Streamed};

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(Streamed)]
struct Book {
    bid: u64,
}

struct Desk<S: Static, B: Streamed> {
    rules: StaticCache<String, S>,
    books: StreamCache<String, B>,
}

fn rules_of<V: Static>(cache: &StaticCache<String, V>) -> &StaticCache<String, V> {
    cache
}

fn books_of<V: Streamed>(cache: &StreamCache<u64, V>) -> &StreamCache<u64, V> {
    cache
}

fn main() {
    let _ = rules_of::<Rules>;
    let _ = books_of::<Book>;
    let _ = std::mem::size_of::<Option<Desk<Rules, Book>>>;
}
