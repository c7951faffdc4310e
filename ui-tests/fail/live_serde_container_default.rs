use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize, Default)]
#[serde(default)]
struct Order {
    id: u64,
}

fn main() {}
