use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn persist(balance: &Fresh<Balance>) -> String {
    serde_json::to_string(balance).unwrap()
}

fn main() {}
