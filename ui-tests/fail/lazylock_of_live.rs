use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Engine {
    cached: std::sync::LazyLock<Vec<Balance>>,
}

fn main() {}
