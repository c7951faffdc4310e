use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Account {
    balances: Vec<std::sync::Arc<Balance>>,
}

fn main() {}
