use hft_cache::{Static, Streamed};

#[derive(Streamed)]
struct Ticker {
    last: u64,
}

#[derive(Static)]
struct PairInfo {
    symbol: String,
    ticker: Option<Ticker>,
}

fn main() {}
