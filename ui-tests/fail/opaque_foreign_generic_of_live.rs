use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    kept: Foreign<Balance>,
}

fn main() {}
