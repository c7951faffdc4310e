// Static data in a StaticCache, streamed data in a StreamCache, keyed by plain or static keys.
use std::sync::Arc;

use hft_cache::{Static, StaticCache, StreamCache, Streamed};

#[derive(Static)]
struct SymbolInfo {
    tick_size: rust_decimal::Decimal,
}

#[derive(Static, PartialEq, Eq, Hash)]
struct SymbolId(u32);

#[derive(Streamed)]
struct Ticker {
    bid: rust_decimal::Decimal,
    ask: rust_decimal::Decimal,
}

struct Caches {
    symbols: StaticCache<String, SymbolInfo>,
    by_id: StaticCache<SymbolId, Arc<SymbolInfo>>,
    all: StaticCache<u8, Vec<SymbolInfo>>,
    tickers: StreamCache<String, Ticker>,
    tickers_by_id: StreamCache<SymbolId, Ticker>,
}

fn main() {
    let _ = std::mem::size_of::<Caches>();
}
