use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn twice(balance: Fresh<Balance>) -> (Fresh<Balance>, Fresh<Balance>) {
    (balance, balance)
}

fn main() {}
