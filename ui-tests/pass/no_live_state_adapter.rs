// A realistic long-lived adapter: caches, config, and opaque foreign handles.
use std::sync::Arc;

use hft_cache::{NoLiveState, Static, StaticCache, StreamCache, Streamed};
use hft_cache::fetch::FreshClient;

#[derive(Static)]
struct SymbolInfo {
    tick_size: rust_decimal::Decimal,
}

#[derive(Streamed)]
struct OrderBook {
    bids: Vec<(u64, u64)>,
}

#[derive(NoLiveState)]
struct BinanceAdapter {
    base_url: String,
    recv_window_ms: u64,
    symbols: StaticCache<String, SymbolInfo>,
    books: Arc<StreamCache<String, OrderBook>>,
    client: FreshClient,
    #[hft(opaque)]
    runtime: tokio::runtime::Handle,
    shutdown: tokio::sync::watch::Sender<bool>,
}

#[derive(NoLiveState)]
struct Desk {
    adapters: Vec<BinanceAdapter>,
}

fn main() {
    let _ = std::mem::size_of::<Desk>();
}
