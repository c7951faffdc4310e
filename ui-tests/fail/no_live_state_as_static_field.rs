use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::{NoLiveState, Static};

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(NoLiveState)]
struct Adapter {
    rules: hft_cache::StaticCache<String, Rules>,
}

#[derive(Static)]
struct Snapshot {
    lot: u64,
    adapter: Option<Adapter>,
}

fn main() {}
