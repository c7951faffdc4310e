use hft_cache::{Live, Streamed};

#[derive(Live)]
struct Fill {
    qty: u64,
}

#[derive(Streamed)]
enum MarketEvent {
    Trade(u64, u64),
    MyFill(Fill),
}

fn main() {}
