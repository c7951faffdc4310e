use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn keep(balance: Fresh<Balance>) -> &'static Balance {
    balance.read().unwrap()
}

fn main() {}
