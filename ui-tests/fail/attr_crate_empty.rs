use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(hft_cache::Static)]
#[hft(crate = "")]
struct Fees {
    bps: u32,
}

fn main() {}
