use hft_cache::{Live, Static};

#[derive(Live)]
struct Order {
    id: u64,
}

#[derive(Static)]
enum TradingRule {
    MinNotional(u64),
    MaxOpenOrders { limit: u32, current: Vec<Order> },
}

fn main() {}
