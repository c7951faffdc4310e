use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn take(balance: Fresh<Balance>) -> Balance {
    balance.into_inner()
}

fn main() {}
