// `opaque` vouches for foreign types with no class, including generic ones over non-live data.
use std::collections::HashMap;

use hft_cache::{NoLiveState, Static};

#[derive(Static)]
struct SymbolInfo {
    tick: u64,
}

struct Pool<T>(Vec<T>);
struct Client;

#[derive(NoLiveState)]
enum Transport {
    Http(#[hft(opaque)] Client),
    Pooled {
        #[hft(opaque)]
        pool: Pool<SymbolInfo>,
        #[hft(opaque)]
        by_name: Pool<HashMap<String, u64>>,
    },
}

fn main() {}
