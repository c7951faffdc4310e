use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live, Clone)]
struct Position<const N: usize = 0> {
    qty: [i64; N],
}

fn main() {}
