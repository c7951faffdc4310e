// Long-lived structs hold channels, tasks and locks of non-live data without `opaque`.
use std::sync::{Arc, Mutex};

use hft_cache::{NoLiveState, Static, Streamed};

#[derive(Static, Clone)]
struct SymbolInfo {
    tick: u64,
}

#[derive(Streamed, Clone)]
struct Ticker {
    bid: u64,
}

#[derive(NoLiveState)]
struct Engine {
    rules_tx: tokio::sync::watch::Sender<Arc<SymbolInfo>>,
    ticks: tokio::sync::mpsc::Receiver<Ticker>,
    events: tokio::sync::broadcast::Sender<String>,
    worker: tokio::task::JoinHandle<()>,
    std_worker: std::thread::JoinHandle<u64>,
    symbols: Mutex<Vec<SymbolInfo>>,
    halted: std::sync::atomic::AtomicBool,
}

fn main() {}
