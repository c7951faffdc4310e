use hft_cache::{Live, Static, StreamCache, Streamed};

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

fn books(_: StreamCache<String, Vec<(OrderBook, Option<Balance>)>>) {}

fn main() {}
