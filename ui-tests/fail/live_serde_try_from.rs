use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Live, Deserialize)]
#[serde(try_from = "u64")]
struct Order {
    id: u64,
}
impl TryFrom<u64> for Order {
    type Error = String;
    fn try_from(id: u64) -> Result<Self, String> {
        Ok(Order { id })
    }
}

fn main() {}
