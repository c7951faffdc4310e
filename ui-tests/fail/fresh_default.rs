use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Fresh;

fn forge() -> Fresh<Balance> {
    Default::default()
}

fn main() {}
