use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize)]
struct Order {
    id: u64,
    #[serde(skip_deserializing)]
    filled: u64,
}

fn main() {}
