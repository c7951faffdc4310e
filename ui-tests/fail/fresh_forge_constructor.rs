use hft_cache::{Fresh, Live};

#[derive(Live, serde::Deserialize)]
struct Balance {
    free: u64,
}

fn forge(balance: Balance, clock: hft_cache::clock::SharedClock) -> Fresh<Balance> {
    Fresh::from_response(balance, clock.now(), clock)
}

fn main() {}
