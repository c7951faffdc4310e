use hft_cache::Live;

#[derive(Live, Clone)]
struct Balance {
    free: u64,
}

fn main() {}
