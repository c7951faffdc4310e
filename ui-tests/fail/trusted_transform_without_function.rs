use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize)]
struct Order {
    #[hft(trusted_transform)]
    qty: u64,
}

fn main() {}
