use hft_cache::NoLiveState;

#[derive(NoLiveState)]
#[hft(max_age_ms = 1000)]
struct Adapter {
    name: String,
}

fn main() {}
