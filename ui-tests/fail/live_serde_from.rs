use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

#[derive(Deserialize)]
struct Wire {
    id: u64,
}

#[derive(Live, Deserialize)]
#[serde(from = "Wire")]
struct Order {
    id: u64,
}
impl From<Wire> for Order {
    fn from(w: Wire) -> Self {
        Order { id: w.id }
    }
}

fn main() {}
