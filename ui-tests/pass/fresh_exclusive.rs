// `Fresh<T>` holds owned data: shared ownership of non-live data (an `Arc<str>` symbol) is fine.
use std::sync::Arc;

use hft_cache::{Fresh, Live, NoLiveState, Static};

#[derive(Static)]
struct SymbolInfo {
    tick: u64,
}

#[derive(Live)]
struct Order {
    symbol: Arc<str>,
    rules: Arc<SymbolInfo>,
    fills: Vec<(u64, u64)>,
}

struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    pool: Foreign<SymbolInfo>,
    #[hft(opaque)]
    names: Foreign<Vec<String>>,
}

fn price(order: &Fresh<Order>) -> Option<usize> {
    order.read().ok().map(|o| o.fills.len() + o.symbol.len() + o.rules.tick as usize)
}

fn main() {
    let _ = price;
}
