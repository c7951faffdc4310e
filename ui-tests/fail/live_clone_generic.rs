use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live, Clone)]
struct Position<T> {
    qty: T,
}

fn main() {}
