use hft_cache::NoLiveState;

#[derive(NoLiveState)]
#[hft(opaque)]
struct Adapter {
    http: reqwest::Client,
}

fn main() {}
