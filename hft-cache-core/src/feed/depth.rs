//! [`DepthFeed`]: one task per symbol keeping a book from a diff-depth WebSocket stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::Message;

use super::health::{FeedHealth, FeedPhase, HealthCell};
use crate::book::{BookError, BookView, DepthSnapshot, DepthSync, DepthUpdate, SyncOutcome};
use crate::clock::{SharedClock, SystemClock};
use crate::fetch::{FetchError, FreshClient};
use crate::stream_cache::{FeedFault, FeedWriter, StreamCache};

/// Keeps order books from an exchange's diff-depth stream in a [`StreamCache`].
///
/// One task per symbol connects to `{ws_url}/ws/{symbol}@depth`, buffers events, fetches
/// `{rest_url}/api/v3/depth?symbol=..&limit=..` and synchronises them with
/// [`DepthSync`]; after each applied event it publishes the book's top levels as a
/// [`BookView`] under the symbol. Each symbol has its own feed writer, so a fault in one
/// symbol's stream makes only that symbol unreadable.
///
/// ```no_run
/// use std::time::Duration;
/// use hft_cache::book::BookView;
/// use hft_cache::feed::DepthFeed;
/// use hft_cache::StreamCache;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let books = StreamCache::<String, BookView>::builder().name("books").build().unwrap();
/// let feed = DepthFeed::builder("wss://stream.example.com:9443", "https://api.example.com")
///     .symbols(["BTCUSDT", "ETHUSDT"])
///     .silence_timeout(Duration::from_secs(3))
///     .spawn(&books)?;
/// let mid = books.read("BTCUSDT", |book| book.mid());
/// # let _ = (mid, feed); Ok(()) }
/// ```
#[derive(Debug)]
pub struct DepthFeed;

impl DepthFeed {
    /// Configures a feed from the exchange's WebSocket and REST base URLs.
    pub fn builder(ws_url: impl Into<String>, rest_url: impl Into<String>) -> DepthFeedBuilder {
        DepthFeedBuilder {
            config: Config {
                name: "depth".into(),
                ws_url: ws_url.into(),
                rest_url: rest_url.into(),
                silence_timeout: Duration::from_secs(5),
                connect_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(5),
                reconnect_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                snapshot_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                snapshot_limit: 100,
                depth: 20,
            },
            symbols: Vec::new(),
            clock: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Config {
    name: String,
    ws_url: String,
    rest_url: String,
    silence_timeout: Duration,
    connect_timeout: Duration,
    request_timeout: Duration,
    reconnect_backoff: (Duration, Duration),
    snapshot_backoff: (Duration, Duration),
    snapshot_limit: u32,
    depth: usize,
}

/// Configures a [`DepthFeed`].
#[derive(Debug)]
#[must_use]
pub struct DepthFeedBuilder {
    config: Config,
    symbols: Vec<String>,
    clock: Option<SharedClock>,
}

/// A [`DepthFeedBuilder`] setting that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DepthFeedBuildError {
    /// No symbols were given.
    #[error("a depth feed needs at least one symbol")]
    NoSymbols,
    /// A timeout or backoff of zero.
    #[error("depth feed setting `{0}` must be above zero")]
    Zero(&'static str),
    /// The HTTP client for snapshots could not be built.
    #[error("depth feed snapshot client: {0}")]
    Client(#[source] FetchError),
}

impl DepthFeedBuilder {
    /// The symbols to follow, exchange-style (`BTCUSDT`).
    pub fn symbols<S: Into<String>>(mut self, symbols: impl IntoIterator<Item = S>) -> Self {
        self.symbols.extend(symbols.into_iter().map(Into::into));
        self
    }

    /// The prefix of each symbol's feed name in reports (default `depth`: `depth:BTCUSDT`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = name.into();
        self
    }

    /// No depth event for this long marks the symbol silent and reconnects (default 5 s).
    pub fn silence_timeout(mut self, timeout: Duration) -> Self {
        self.config.silence_timeout = timeout;
        self
    }

    /// Opening the WebSocket must finish within this (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// A snapshot request must finish within this (default 5 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Waits between reconnects: from `min`, doubling, up to `max` (default 250 ms to 3 s).
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.reconnect_backoff = (min, max.max(min));
        self
    }

    /// Waits between failed snapshot requests: from `min`, doubling, up to `max` (default
    /// 250 ms to 3 s).
    pub fn snapshot_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.snapshot_backoff = (min, max.max(min));
        self
    }

    /// Levels per side in the snapshot request (default 100).
    pub fn snapshot_limit(mut self, limit: u32) -> Self {
        self.config.snapshot_limit = limit;
        self
    }

    /// Levels per side published in each [`BookView`] (default 20).
    pub fn depth(mut self, depth: usize) -> Self {
        self.config.depth = depth;
        self
    }

    /// The clock for health ages (default: [`SystemClock`]). Value ages use the cache's clock.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts one task per symbol, writing into `books`. Needs a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`DepthFeedBuildError`] for impossible settings.
    pub fn spawn(
        self,
        books: &StreamCache<String, BookView>,
    ) -> Result<DepthFeedHandle, DepthFeedBuildError> {
        let config = self.config;
        if self.symbols.is_empty() {
            return Err(DepthFeedBuildError::NoSymbols);
        }
        for (name, d) in [
            ("silence_timeout", config.silence_timeout),
            ("connect_timeout", config.connect_timeout),
            ("request_timeout", config.request_timeout),
            ("reconnect_backoff", config.reconnect_backoff.0),
            ("snapshot_backoff", config.snapshot_backoff.0),
        ] {
            if d.is_zero() {
                return Err(DepthFeedBuildError::Zero(name));
            }
        }
        let http = FreshClient::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(DepthFeedBuildError::Client)?;
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        let config = Arc::new(config);
        let mut symbols = Vec::new();
        for symbol in self.symbols {
            let health = HealthCell::new(&symbol, Arc::clone(&clock));
            let writer = Arc::new(books.feed(format!("{}:{symbol}", config.name)));
            let stopped = Arc::new(AtomicBool::new(false));
            let task = SymbolTask {
                config: Arc::clone(&config),
                symbol: symbol.clone(),
                writer: Arc::clone(&writer),
                stopped: Arc::clone(&stopped),
                health: health.clone(),
                http: http.clone(),
            };
            symbols.push(SymbolEntry {
                symbol,
                health,
                writer,
                stopped,
                task: tokio::spawn(task.run()),
            });
        }
        Ok(DepthFeedHandle { symbols })
    }
}

/// The running feed: health per symbol. Dropping it stops every symbol's task, which marks
/// their feeds closed, so their books stop being served.
#[derive(Debug)]
pub struct DepthFeedHandle {
    symbols: Vec<SymbolEntry>,
}

#[derive(Debug)]
struct SymbolEntry {
    symbol: String,
    health: HealthCell,
    writer: Arc<FeedWriter<String, BookView>>,
    stopped: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl DepthFeedHandle {
    /// One symbol's health.
    pub fn health(&self, symbol: &str) -> Option<FeedHealth> {
        self.symbols
            .iter()
            .find(|e| e.symbol == symbol)
            .map(|e| e.health.snapshot())
    }

    /// Every symbol's health.
    pub fn health_all(&self) -> Vec<FeedHealth> {
        self.symbols.iter().map(|e| e.health.snapshot()).collect()
    }

    /// Stops every task now.
    pub fn shutdown(self) {}
}

impl Drop for DepthFeedHandle {
    fn drop(&mut self) {
        for entry in &self.symbols {
            // Closed now, not when the runtime gets round to cancelling the task; the flag keeps
            // a task caught mid-event from publishing or reopening the feed.
            entry.stopped.store(true, Ordering::SeqCst);
            entry.writer.mark_unhealthy(FeedFault::Closed);
            entry.task.abort();
            entry.health.phase(FeedPhase::Stopped);
        }
    }
}

impl std::fmt::Debug for HealthCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthCell").finish_non_exhaustive()
    }
}

/// Doubling waits between `min` and `max`.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new((min, max): (Duration, Duration)) -> Self {
        Backoff {
            min,
            max,
            next: min,
        }
    }

    fn next(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

type SnapshotFuture = Pin<Box<dyn Future<Output = Result<DepthSnapshot, FetchError>> + Send>>;

/// The pending snapshot's result; never resolves when there is none (`select!` disables the
/// branch then anyway).
async fn next_snapshot(snapshot: &mut Option<SnapshotFuture>) -> Result<DepthSnapshot, FetchError> {
    match snapshot {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

struct SymbolTask {
    config: Arc<Config>,
    symbol: String,
    writer: Arc<FeedWriter<String, BookView>>,
    stopped: Arc<AtomicBool>,
    health: HealthCell,
    http: FreshClient,
}

impl SymbolTask {
    async fn run(self) {
        let mut backoff = Backoff::new(self.config.reconnect_backoff);
        self.writer.mark_unhealthy(FeedFault::Resyncing);
        let url = format!(
            "{}/ws/{}@depth",
            self.config.ws_url.trim_end_matches('/'),
            self.symbol.to_lowercase()
        );
        loop {
            self.health.phase(FeedPhase::Connecting);
            let fault = match timeout(
                self.config.connect_timeout,
                tokio_tungstenite::connect_async(url.as_str()),
            )
            .await
            {
                Ok(Ok((socket, _))) => {
                    backoff.reset();
                    self.health.update(|c| c.set_connected(true));
                    let fault = self.session(socket).await;
                    self.health.update(|c| c.set_connected(false));
                    fault
                }
                Ok(Err(e)) => {
                    tracing::warn!(symbol = %self.symbol, error = %e, "depth stream: connect failed");
                    FeedFault::Disconnected
                }
                Err(_) => FeedFault::Disconnected,
            };
            self.fail(fault);
            self.health.update(|c| c.add_reconnect());
            self.health.phase(FeedPhase::Backoff);
            sleep(backoff.next()).await;
        }
    }

    /// Marks the symbol unreadable for `fault`.
    fn fail(&self, fault: FeedFault) {
        self.health.fault(&fault);
        self.writer.mark_unhealthy(fault);
    }

    /// One connection: sync and publish until the stream fails; returns why it ended.
    async fn session<S>(&self, socket: S) -> FeedFault
    where
        S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + futures_util::Sink<Message>
            + Unpin,
    {
        let (mut sink, mut stream) = socket.split();
        let mut sync = DepthSync::new();
        let mut snapshot_backoff = Backoff::new(self.config.snapshot_backoff);
        let mut snapshot: Option<SnapshotFuture> = Some(self.fetch_snapshot(Duration::ZERO));
        let mut data_deadline = Instant::now() + self.config.silence_timeout;
        self.health.phase(FeedPhase::Syncing);
        loop {
            tokio::select! {
                () = sleep_until(data_deadline) => {
                    return FeedFault::Silent { for_: self.config.silence_timeout };
                }
                result = next_snapshot(&mut snapshot), if snapshot.is_some() => {
                    snapshot = None;
                    match result {
                        Ok(depth) => {
                            snapshot_backoff.reset();
                            let outcome = sync.on_snapshot(depth);
                            if self.handle(outcome, &mut sync) {
                                snapshot = Some(self.fetch_snapshot(Duration::ZERO));
                            }
                        }
                        Err(e) => {
                            tracing::warn!(symbol = %self.symbol, error = %e, "depth snapshot failed; retrying");
                            self.health.update(|c| c.add_snapshot_failure());
                            snapshot = Some(self.fetch_snapshot(snapshot_backoff.next()));
                        }
                    }
                }
                frame = stream.next() => {
                    let message = match frame {
                        None => return FeedFault::Disconnected,
                        Some(Err(e)) => {
                            tracing::warn!(symbol = %self.symbol, error = %e, "depth stream failed");
                            return FeedFault::Disconnected;
                        }
                        Some(Ok(message)) => message,
                    };
                    self.health.frame();
                    let text = match message {
                        Message::Text(text) => text,
                        Message::Ping(payload) => {
                            if sink.send(Message::Pong(payload)).await.is_err() {
                                return FeedFault::Disconnected;
                            }
                            continue;
                        }
                        Message::Close(_) => return FeedFault::Disconnected,
                        Message::Pong(_) | Message::Frame(_) => continue,
                        Message::Binary(_) => {
                            self.resync(&mut sync, FeedFault::InvalidData("unexpected binary frame".into()));
                            snapshot.get_or_insert_with(|| self.fetch_snapshot(Duration::ZERO));
                            continue;
                        }
                    };
                    let event: DepthUpdate = match serde_json::from_str(text.as_str()) {
                        Ok(event) => event,
                        Err(e) => {
                            // A lost event cannot be told from a garbled one: rebuild the book.
                            self.resync(&mut sync, FeedFault::InvalidData(e.to_string()));
                            snapshot.get_or_insert_with(|| self.fetch_snapshot(Duration::ZERO));
                            continue;
                        }
                    };
                    self.health.event();
                    data_deadline = Instant::now() + self.config.silence_timeout;
                    let outcome = sync.on_event(event);
                    if self.handle(outcome, &mut sync) {
                        snapshot.get_or_insert_with(|| self.fetch_snapshot(Duration::ZERO));
                    }
                }
            }
        }
    }

    /// Acts on a sync outcome; `true` when a new snapshot is needed.
    fn handle(&self, outcome: SyncOutcome, sync: &mut DepthSync) -> bool {
        match outcome {
            SyncOutcome::Buffered | SyncOutcome::Ignored => false,
            SyncOutcome::Applied { last_update_id } => {
                if self.stopped.load(Ordering::SeqCst) {
                    return false;
                }
                if let Some(book) = sync.book() {
                    let view = BookView::of(&self.symbol, last_update_id, book, self.config.depth);
                    self.writer.publish(self.symbol.clone(), view);
                    self.health.update(|c| c.set_last_update_id(last_update_id));
                    if !self.writer.is_healthy() {
                        self.writer.mark_healthy();
                        self.health.phase(FeedPhase::Live);
                    }
                }
                false
            }
            SyncOutcome::Gap { expected, got } => {
                self.resync(sync, FeedFault::SequenceGap { expected, got });
                true
            }
            SyncOutcome::Invalid(error) => {
                let fault = match error {
                    BookError::Crossed { .. } => FeedFault::CrossedBook,
                    other => FeedFault::InvalidData(other.to_string()),
                };
                self.resync(sync, fault);
                true
            }
        }
    }

    /// Marks the symbol unreadable and starts over from a new snapshot on this connection.
    fn resync(&self, sync: &mut DepthSync, fault: FeedFault) {
        self.fail(fault);
        sync.reset();
        self.health.update(|c| c.add_resync());
        self.health.phase(FeedPhase::Syncing);
    }

    fn fetch_snapshot(&self, after: Duration) -> SnapshotFuture {
        let request = self
            .http
            .get(format!(
                "{}/api/v3/depth",
                self.config.rest_url.trim_end_matches('/')
            ))
            .query(&[
                ("symbol", self.symbol.clone()),
                ("limit", self.config.snapshot_limit.to_string()),
            ]);
        Box::pin(async move {
            if !after.is_zero() {
                sleep(after).await;
            }
            request.fetch_not_live::<DepthSnapshot>().await
        })
    }
}

crate::class::declare_class!(Plain for DepthFeedHandle);
