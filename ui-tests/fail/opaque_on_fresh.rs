use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::{Fresh, NoLiveState};

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    last: Option<Fresh<Balance>>,
}

fn main() {}
