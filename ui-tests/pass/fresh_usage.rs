// Reading live data goes through `Fresh<T>`, borrowed for the decision that needs it.
use hft_cache::{Expired, Fresh, Live};
use rust_decimal::Decimal;

#[derive(Live, serde::Deserialize, Debug)]
struct Balance {
    asset: String,
    free: Decimal,
}

#[derive(Live, serde::Deserialize)]
struct Order {
    id: u64,
}

fn can_afford(balance: &Fresh<Balance>, cost: Decimal) -> Result<bool, Expired> {
    let balance = balance.read()?;
    Ok(balance.free >= cost && !balance.asset.is_empty())
}

fn open_ids(orders: &Fresh<Vec<Order>>) -> Result<Vec<u64>, Expired> {
    Ok(orders.read()?.iter().map(|o| o.id).collect())
}

fn describe(balance: &Fresh<Balance>) -> String {
    format!("{balance:?} age={:?} max={:?}", balance.age(), balance.max_age())
}

fn main() {
    let _ = (can_afford, open_ids, describe);
}
