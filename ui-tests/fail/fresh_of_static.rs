use hft_cache::{Fresh, Static};

#[derive(Static)]
struct SymbolInfo {
    tick_size: u64,
}

fn fetch(_: Fresh<SymbolInfo>) {}

fn main() {}
