use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use serde::Deserialize;

mod stale {
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(_: D) -> Result<u64, D::Error> {
        Ok(42)
    }
}

#[derive(Live, Deserialize)]
enum Event {
    Fill {
        #[serde(with = "stale")]
        qty: u64,
    },
}

fn main() {}
