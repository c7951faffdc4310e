use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn forge(balance: Balance) -> Fresh<Balance> {
    Fresh::from(balance)
}

fn main() {}
