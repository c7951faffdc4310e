use hft_cache::{Live, Static};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Static)]
struct FeeSchedule {
    maker_bps: u32,
    account_balance: Balance,
}

fn main() {}
