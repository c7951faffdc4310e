use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter<T> {
    #[hft(opaque)]
    kept: [T; 2],
}

fn main() {}
