use hft_cache::Static;

#[derive(Static)]
#[hft(max_age_ms = 1000, max_age_ms = 2000)]
struct Fees {
    maker_bps: u32,
}

fn main() {}
