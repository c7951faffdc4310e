use hft_cache::Static;

#[derive(Static)]
#[hft(max_age = 60000)]
struct SymbolInfo {
    tick_size: u64,
}

fn main() {}
