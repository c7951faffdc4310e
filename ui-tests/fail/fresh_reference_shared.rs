use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Fresh;

fn share(_: &Fresh<Vec<&'static Balance>>) {}

fn main() {}
