use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

impl hft_cache::policy::NeverCached<Balance> for hft_cache::policy::class::Live {}

fn main() {}
