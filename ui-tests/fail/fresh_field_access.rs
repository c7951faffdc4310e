use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn take(balance: Fresh<Balance>) -> Balance {
    balance.value
}

fn main() {}
