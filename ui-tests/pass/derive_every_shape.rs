// Every struct and enum shape derives each class.
use hft_cache::{Classified, DataClass, Live, Static, Streamed};
use rust_decimal::Decimal;

#[derive(Static)]
struct SymbolInfo {
    symbol: String,
    tick_size: Decimal,
    min_qty: Decimal,
}

#[derive(Static)]
struct Precision(u32, u32);

#[derive(Static)]
struct Spot;

#[derive(Static)]
enum OrderType {
    Limit,
    Market,
    StopLoss { trigger: Decimal },
    Iceberg(Decimal),
}

#[derive(Streamed)]
struct BookLevel(Decimal, Decimal);

#[derive(Streamed)]
struct OrderBook {
    symbol: SymbolInfo,
    bids: Vec<BookLevel>,
    asks: Vec<BookLevel>,
    last_update_id: u64,
}

#[derive(Live)]
struct Balance {
    asset: String,
    free: Decimal,
    locked: Decimal,
}

#[derive(Live)]
enum OrderStatus {
    New,
    Filled { qty: Decimal, book: Option<Box<OrderBook>> },
}

const _: () = {
    assert!(matches!(<SymbolInfo as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Precision as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Spot as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<OrderType as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<OrderBook as Classified>::CLASS, DataClass::Streamed));
    assert!(matches!(<Balance as Classified>::CLASS, DataClass::Live));
    assert!(matches!(<OrderStatus as Classified>::CLASS, DataClass::Live));
};

fn main() {}
