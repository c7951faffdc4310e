use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize)]
struct Order {
    #[serde(default = "zero")]
    qty: u64,
}

fn zero() -> u64 {
    0
}

fn main() {}
