use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Static;

macro_rules! counter {
    () => { std::cell::Cell<u64> };
}

#[derive(Static)]
struct Rules {
    lot: u64,
    hits: counter!(),
}

fn main() {}
