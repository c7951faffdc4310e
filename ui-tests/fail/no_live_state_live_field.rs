use hft_cache::{Live, NoLiveState};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(NoLiveState)]
struct Strategy {
    name: String,
    last_balance: Balance,
}

fn main() {}
