// The derives work in a crate that forbids unsafe code (a hand-written `unsafe impl` there is
// refused: see fail/seal_forbid_unsafe_*).
#![forbid(unsafe_code)]

use hft_cache::{Fresh, Live, NoLiveState, Static, StaticCache, StreamCache, Streamed};

#[derive(Static)]
struct SymbolInfo {
    tick: u64,
}

#[derive(Streamed)]
struct Ticker {
    bid: u64,
    info: SymbolInfo,
}

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(NoLiveState)]
struct Adapter {
    symbols: StaticCache<String, SymbolInfo>,
    tickers: StreamCache<String, Ticker>,
    #[hft(opaque)]
    http: reqwest::Client,
}

fn decide(_: &Adapter, balance: &Fresh<Balance>) -> bool {
    balance.read().is_ok_and(|b| b.free > 0)
}

fn main() {
    let _ = decide;
}
