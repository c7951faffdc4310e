use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

macro_rules! hidden {
    () => { Balance };
}

struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    kept: Foreign<hidden!()>,
}

fn main() {}
