use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    kept: *const Balance,
}

fn main() {}
