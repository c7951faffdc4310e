use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn forge() -> Fresh<Balance> {
    Default::default()
}

fn main() {}
