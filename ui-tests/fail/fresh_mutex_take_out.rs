use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Fresh;

fn take(_: Fresh<std::sync::Mutex<Option<Balance>>>) {}

fn main() {}
