use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

impl hft_cache::policy::StreamValue for Balance {}

fn main() {}
