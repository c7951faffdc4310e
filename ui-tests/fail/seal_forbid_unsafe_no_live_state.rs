#![forbid(unsafe_code)]
use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

struct Engine {
    balances: Vec<Balance>,
}

unsafe impl hft_cache::NoLiveState for Engine {}

fn main() {}
