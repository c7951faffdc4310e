use hft_cache::{Live, Static};

/// Static data with interior mutability: fine in a static cache, not inside live data.
#[derive(Static)]
struct Counters {
    seen: std::cell::Cell<u64>,
}

#[derive(Live)]
struct Balance {
    free: u64,
    counters: Counters,
}

fn main() {}
