use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Fresh;

fn write(_: &Fresh<std::cell::RefCell<Balance>>) {}

fn main() {}
