#![allow(unused_parens)]
use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter<T> {
    #[hft(opaque)]
    kept: Foreign<[(T); 1]>,
}

fn takes<S: NoLiveState>(_: S) {}

fn main() {
    takes(Adapter { kept: Foreign([(Balance { free: 1 })]) });
}
