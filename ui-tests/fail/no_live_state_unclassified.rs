use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter {
    name: String,
    http: reqwest::Client,
}

fn main() {}
