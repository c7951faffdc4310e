use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::StaticCache;
use hft_cache::policy::StaticValue;

impl StaticValue for Balance {}

fn holds(_: &StaticCache<String, Balance>) {}

fn main() {}
