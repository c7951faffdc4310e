use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use std::sync::LazyLock;
use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter {
    // The initialiser is a closure that may capture anything, live data too.
    started: LazyLock<u64, Box<dyn FnOnce() -> u64 + Send>>,
}

fn main() {}
