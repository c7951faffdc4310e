use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn peek(balance: &Fresh<Balance>) -> u64 {
    balance.free
}

fn main() {}
