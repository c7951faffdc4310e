// Every public type of the crate has a class, so an adapter holds readers, writers and handles
// of the crate without `#[hft(opaque)]`.
use hft_cache::book::{BookView, DepthSync, OrderBook, SnapshotDeltaSync};
use hft_cache::exchange::{RequestError, SignedClient};
use hft_cache::feed::binance::BookTicker;
use hft_cache::feed::{Backoff, DepthFeedHandle, FeedHealth, HealthRecorder, SilenceWatchdog, StreamFeedHandle};
use hft_cache::fetch::{FetchError, FreshClient};
use hft_cache::journal::OrderJournal;
use hft_cache::kill_switch::{
    EmergencyReport, GateMode, KillSwitch, PaperPhase, RelapseWatch, TradingGate, Trigger, Watcher,
    WatcherHandle,
};
use hft_cache::pre_trade::{Limits, PreTrade};
use hft_cache::monitor::{CacheId, ComplianceReport, Registry};
use hft_cache::static_cache::{RefresherHandle, StaticReader};
use hft_cache::stream_cache::{FeedWriter, StreamReader};
use hft_cache::{DataClass, NoLiveState, Static, StaticCache, StreamCache};
use hft_cache::clock::{SystemClock, Timestamp};

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(NoLiveState)]
struct Adapter {
    client: SignedClient,
    fresh: FreshClient,
    rules: StaticCache<String, Rules>,
    rules_reader: StaticReader<String, Rules>,
    refresher: RefresherHandle,
    books: StreamCache<String, BookView>,
    books_reader: StreamReader<String, BookView>,
    my_feed: FeedWriter<String, BookView>,
    tickers: StreamCache<String, BookTicker>,
    depth: DepthFeedHandle,
    ticker_feed: StreamFeedHandle,
    health: Option<FeedHealth>,
    recorder: HealthRecorder,
    watchdog: SilenceWatchdog,
    backoff: Backoff,
    sync: DepthSync,
    other_sync: SnapshotDeltaSync,
    book: OrderBook,
    kill: KillSwitch,
    gate: TradingGate,
    mode: GateMode,
    watcher: Option<Watcher>,
    watching: WatcherHandle,
    triggers: Vec<Trigger>,
    paper: Option<PaperPhase>,
    relapse: Option<RelapseWatch>,
    journal: OrderJournal,
    pre_trade: PreTrade,
    limits: Limits,
    registry: Registry,
    cache_ids: Vec<CacheId>,
    last_report: Option<EmergencyReport>,
    compliance: Option<ComplianceReport>,
    last_error: Option<RequestError>,
    last_fetch_error: Option<FetchError>,
    clock: SystemClock,
    started: Timestamp,
    class: DataClass,
}

fn main() {
    let _ = std::mem::size_of::<Adapter>();
}
