use std::collections::HashMap;
use std::sync::Mutex;

use hft_cache::{Live, NoLiveState};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(NoLiveState)]
struct ExchangeAdapter {
    base_url: String,
    balances: Mutex<HashMap<String, Balance>>,
}

fn main() {}
