use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::StaticCache;

fn rules<V>(_: &StaticCache<String, V>) {}

fn main() {}
