//! The symbol-info data set the static-cache benchmarks read.

use hft_cache::Static;
use rust_decimal::Decimal;

/// A realistic symbol-info record (about 170 bytes); the benchmark reads one field.
#[derive(Static, Clone, Debug)]
#[allow(dead_code)]
pub struct SymbolInfo {
    pub base_asset: String,
    pub quote_asset: String,
    pub tick_size: Decimal,
    pub step_size: Decimal,
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub min_notional: Decimal,
    pub price_precision: u32,
    pub qty_precision: u32,
    pub order_types: u16,
    pub trading: bool,
}

pub const SYMBOLS: usize = 1000;

pub fn symbols() -> Vec<(String, SymbolInfo)> {
    (0..SYMBOLS)
        .map(|i| {
            let base = format!("C{i:03}X");
            let info = SymbolInfo {
                base_asset: base.clone(),
                quote_asset: "USDT".into(),
                tick_size: Decimal::new(i as i64 + 1, 4),
                step_size: Decimal::new(1, 5),
                min_qty: Decimal::new(1, 5),
                max_qty: Decimal::new(9000, 0),
                min_notional: Decimal::new(5, 0),
                price_precision: 8,
                qty_precision: 8,
                order_types: 0b1_1111,
                trading: true,
            };
            (format!("{base}USDT"), info)
        })
        .collect()
}

/// The lookup order: every key, shuffled so the access pattern is not sequential.
pub fn lookups() -> Vec<String> {
    let mut keys: Vec<String> = symbols().into_iter().map(|(k, _)| k).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..keys.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        keys.swap(i, (x % (i as u64 + 1)) as usize);
    }
    keys
}
