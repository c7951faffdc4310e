use hft_cache::{Live, Static, StaticCache, Streamed};

#[derive(Live)]
struct Balance {
    free: rust_decimal::Decimal,
}

#[derive(Static)]
struct SymbolInfo {
    tick_size: rust_decimal::Decimal,
}

#[derive(Streamed)]
struct OrderBook {
    bids: Vec<(rust_decimal::Decimal, rust_decimal::Decimal)>,
}

fn holds(_: &StaticCache<String, std::collections::HashMap<String, Balance>>) {}

fn main() {}
