use hft_cache::NoLiveState;

#[derive(NoLiveState)]
struct Adapter {
    #[hft(skip)]
    http: reqwest::Client,
}

fn main() {}
