use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use std::sync::Mutex;

#[derive(Live, Clone)]
struct Position<T = Mutex<u8>> {
    qty: T,
}

fn main() {}
