use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

macro_rules! counter {
    () => { std::sync::atomic::AtomicU64 };
}

#[derive(Live)]
struct Account {
    balance: Balance,
    hits: counter!(),
}

fn main() {}
