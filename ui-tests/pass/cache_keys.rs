// Keys are plain or static: strings, integers, tuples of them, static enums.
use hft_cache::{Static, StaticCache, StreamCache, Streamed};

#[derive(Static, PartialEq, Eq, Hash, Clone)]
enum Venue {
    Binance,
    Bybit,
}

#[derive(Static)]
struct Fees {
    bps: u32,
}

#[derive(Streamed)]
struct Book {
    bid: u64,
}

struct Caches {
    fees: StaticCache<(Venue, String), Fees>,
    by_id: StaticCache<u32, Fees>,
    books: StreamCache<(Venue, String), Book>,
}

fn main() {
    let _ = std::mem::size_of::<Caches>();
}
