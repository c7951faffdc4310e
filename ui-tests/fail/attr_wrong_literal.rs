use hft_cache::Live;

#[derive(Live)]
#[hft(max_age_ms = "250ms")]
struct Balance {
    free: u64,
}

fn main() {}
