use hft_cache::{Live, Streamed};

#[derive(Live)]
struct Order {
    id: u64,
}

#[derive(Streamed)]
struct BookWithMyOrders {
    bids: Vec<(u64, u64)>,
    my_orders: Vec<Order>,
}

fn main() {}
