use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Order {
    filled: std::sync::atomic::AtomicU64,
}

fn main() {}
