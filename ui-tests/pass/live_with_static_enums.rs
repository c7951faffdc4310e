// Live types hold enums that declare a class, containers of them, and other live data.
use hft_cache::{Fresh, Live, Static};

#[derive(Static, serde::Deserialize)]
enum Side {
    Buy,
    Sell,
}

#[derive(Static, serde::Deserialize)]
enum Status {
    New,
    Filled,
    Canceled,
}

#[derive(Live, serde::Deserialize)]
struct Order {
    id: u64,
    side: Side,
    status: Status,
    price: rust_decimal::Decimal,
}

#[derive(Live, serde::Deserialize)]
struct OpenOrders {
    orders: Vec<Order>,
}

fn count(open: &Fresh<OpenOrders>, mine: &Fresh<Vec<Order>>, pair: &Fresh<(Order, Order)>) -> usize {
    open.read().map_or(0, |o| o.orders.len())
        + mine.read().map_or(0, |m| m.len())
        + pair.read().map_or(0, |_| 2)
}

fn main() {
    let _ = count;
}
