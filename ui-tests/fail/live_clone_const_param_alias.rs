use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

type Slots = usize;

#[derive(Live, Clone, Copy)]
struct Position<const N: Slots> {
    qty: [u64; N],
}

fn main() {}
