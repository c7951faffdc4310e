use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live, Clone, Copy)]
struct Position<T = u8> {
    qty: T,
}

fn main() {}
