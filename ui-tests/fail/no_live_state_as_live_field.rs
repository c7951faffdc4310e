use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter {
    name: String,
}

#[derive(Live)]
struct Account {
    balance: Balance,
    adapter: Adapter,
}

fn main() {}
