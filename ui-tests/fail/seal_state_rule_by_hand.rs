use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

impl hft_cache::policy::StateNotLive<Balance> for hft_cache::policy::class::Live {}

fn main() {}
