use hft_cache::Streamed;

#[derive(Streamed)]
#[hft(max_age_ms = 0)]
struct Ticker {
    last: u64,
}

fn main() {}
