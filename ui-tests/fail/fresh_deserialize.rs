use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn forge(json: &str) -> Fresh<Balance> {
    serde_json::from_str(json).unwrap()
}

fn main() {}
