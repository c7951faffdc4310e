use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(hft_cache::Static)]
#[hft(crate = "not a path")]
struct Fees {
    bps: u32,
}

fn main() {}
