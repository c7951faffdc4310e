use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Account {
    balance: &'static Balance,
}

fn main() {}
