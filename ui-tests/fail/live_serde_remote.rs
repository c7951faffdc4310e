use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

mod foreign {
    pub struct Order {
        pub id: u64,
    }
}

#[derive(Live, Deserialize)]
#[serde(remote = "foreign::Order")]
struct OrderDef {
    id: u64,
}

fn main() {}
