use hft_cache::{Live, NoLiveState};

#[derive(Live)]
struct Order {
    id: u64,
}

#[derive(NoLiveState)]
enum Mode {
    Idle,
    Working { pending: Box<Order> },
}

fn main() {}
