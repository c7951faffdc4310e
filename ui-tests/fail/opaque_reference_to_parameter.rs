#![allow(unused_parens)]
use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter<'a, T> {
    #[hft(opaque)]
    kept: &'a (T),
}

fn main() {}
