use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Static;

#[derive(Static)]
struct Rules {
    lot: u64,
    next: Option<Box<std::cell::RefCell<Self>>>,
}

fn main() {}
