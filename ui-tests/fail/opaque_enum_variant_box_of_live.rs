use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
enum State {
    Idle,
    Holding(#[hft(opaque)] Box<Balance>),
}

fn main() {}
