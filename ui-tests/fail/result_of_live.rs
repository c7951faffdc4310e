use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::StaticCache;

fn holds(_: &StaticCache<String, Result<Balance, String>>) {}

fn main() {}
