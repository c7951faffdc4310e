use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use std::pin::Pin;
use hft_cache::Fresh;

fn share(_: &Fresh<Option<Pin<&'static Balance>>>) {}

fn main() {}
