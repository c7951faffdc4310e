use hft_cache::{Fresh, Live, NoLiveState};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(NoLiveState)]
struct Engine {
    balance: Fresh<Balance>,
}

fn main() {}
