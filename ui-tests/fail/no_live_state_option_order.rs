use hft_cache::{Live, NoLiveState};

#[derive(Live)]
struct Order {
    id: u64,
}

#[derive(NoLiveState)]
struct Engine {
    last_order: Option<Order>,
}

fn main() {}
