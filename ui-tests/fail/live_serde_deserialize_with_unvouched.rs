use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::{Deserialize, Deserializer};

#[derive(Live, Deserialize)]
struct Order {
    #[serde(deserialize_with = "cached_qty")]
    qty: u64,
}

fn cached_qty<'de, D: Deserializer<'de>>(_: D) -> Result<u64, D::Error> {
    Ok(42)
}

fn main() {}
