use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

macro_rules! hidden {
    () => { Vec<Balance> };
}

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    kept: hidden!(),
}

fn main() {}
