use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::StreamCache;

fn holds(_: &StreamCache<String, std::pin::Pin<Box<Balance>>>) {}

fn main() {}
