//! [`DepthFeed`]: one task per symbol keeping a book from a venue's depth stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::backoff::Backoff;
use super::binance_depth::BinanceDepth;
use super::binance_futures::BinanceFuturesDepth;
use super::health::{FeedHealth, FeedPhase, HealthRecorder};
use super::link::{self, Frame};
use super::settings::{sleep_until_opt, Config, FeedBuildError, MAX_MESSAGE_BYTES, SEND_TIMEOUT};
use super::supervise::{supervise, TaskFuture};
use super::watchdog::{SilenceWatchdog, Watch};
use crate::book::{
    BookDelta, BookError, BookLimits, BookSnapshot, BookSync, BookView, BufferStats, SyncOutcome,
};
use crate::clock::{SharedClock, SystemClock};
use crate::fetch::FetchError;
use crate::policy::HoldsNoLiveData;
use crate::stream_cache::{FeedFault, FeedWriter, StreamCache};
use crate::tls::{RootCertificate, TrustRoots};

/// Why a REST snapshot could not be had; the feed logs it, counts it and retries.
pub type SnapshotError = Box<dyn std::error::Error + Send + Sync>;

/// A REST snapshot on its way.
pub type SnapshotFuture = Pin<Box<dyn Future<Output = Result<BookSnapshot, SnapshotError>> + Send>>;

/// One decoded frame of a book stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BookMessage {
    /// The whole book (venues that send it on the stream).
    Snapshot(BookSnapshot),
    /// Changed levels.
    Delta(BookDelta),
    /// Not data: a subscription reply, an application-level pong.
    Skip,
    /// The server is going away: open a new link, keep the book (Binance's `serverShutdown`).
    Reconnect,
}

crate::class::declare_class!(owned Plain for BookMessage);

/// How a venue's book stream is reached and read: the one venue-specific part of a
/// [`DepthFeed`]. [`BinanceDepth`] ships; a venue that sends its book on the stream (Bybit
/// v5, OKX) needs `url`, `subscribe` and `decode`, with
/// [`SnapshotDeltaSync`](crate::book::SnapshotDeltaSync) as its procedure.
pub trait BookStream: HoldsNoLiveData + Send + Sync + 'static {
    /// The venue's synchronisation procedure.
    type Sync: BookSync + Send + 'static;

    /// A procedure for one symbol, waiting for its snapshot.
    fn new_sync(&self) -> Self::Sync;

    /// The WebSocket URL for `symbol`.
    fn url(&self, symbol: &str) -> String;

    /// The text frame that subscribes to `symbol` once connected, if the venue needs one.
    fn subscribe(&self, symbol: &str) -> Option<String> {
        let _ = symbol;
        None
    }

    /// The text frame the venue wants as a heartbeat (Bybit `{"op":"ping"}`, OKX `ping`),
    /// sent every ping interval instead of a WebSocket ping; its reply decodes as
    /// [`BookMessage::Skip`].
    fn heartbeat(&self) -> Option<String> {
        None
    }

    /// Decodes one text frame.
    ///
    /// # Errors
    ///
    /// Why the frame is not valid: the feed treats it as lost data and resynchronises.
    fn decode(&self, symbol: &str, text: &str) -> Result<BookMessage, String>;

    /// A REST snapshot request for `symbol`, for venues that serve the snapshot apart from the
    /// stream; `None` when the stream sends it (a resync then reconnects, which brings a fresh
    /// one).
    fn snapshot(&self, symbol: &str) -> Option<SnapshotFuture> {
        let _ = symbol;
        None
    }

    /// The certificates the feed was told to trust besides the public roots
    /// ([`DepthFeedBuilder::root_certificate`]), given before [`prepare`](Self::prepare), for a
    /// venue that builds its own HTTPS client for snapshots. The default ignores them.
    fn root_certificates(&mut self, certificates: &[RootCertificate]) {
        let _ = certificates;
    }

    /// Called once by [`DepthFeedBuilder::spawn`], with the feed's connect timeout, before any
    /// task starts (e.g. to build an HTTP client).
    ///
    /// # Errors
    ///
    /// Why the stream cannot work; `spawn` returns it as [`FeedBuildError::Stream`].
    fn prepare(&mut self, connect_timeout: Duration) -> Result<(), String> {
        let _ = connect_timeout;
        Ok(())
    }
}

/// Keeps order books from a venue's depth stream in a [`StreamCache`].
///
/// One task per symbol opens the venue's stream, synchronises it with the venue's
/// [`BookSync`] procedure and, after each applied message, publishes the book's top levels as
/// a [`BookView`] under the symbol. Each symbol has its own feed writer, so a fault in one
/// symbol's stream makes only that symbol unreadable.
///
/// Two clocks are kept apart. The link is alive while frames arrive; the feed pings it every
/// [`ping_interval`](DepthFeedBuilder::ping_interval), so a quiet but healthy link answers and
/// is never reconnected, and a link silent for
/// [`silence_timeout`](DepthFeedBuilder::silence_timeout) is dead. A quiet book simply ages:
/// the cache refuses it once older than its max age. A link that drops or errs, a gap or
/// garbage makes the symbol unreadable until it has resynchronised from a fresh snapshot; a
/// `serverShutdown` opens a new link and keeps the book if the sequence continues.
///
/// For Binance (the default, [`DepthFeed::builder`]): `{ws_url}/ws/{symbol}@depth@100ms`,
/// snapshots from `{rest_url}/api/v3/depth?symbol=..&limit=5000`, Binance's documented
/// procedure ([`DepthSync`](crate::book::DepthSync)).
///
/// ```no_run
/// use std::time::Duration;
/// use hft_cache::book::BookView;
/// use hft_cache::feed::DepthFeed;
/// use hft_cache::StreamCache;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let books = StreamCache::<String, BookView>::builder().name("books").build().unwrap();
/// let feed = DepthFeed::builder("wss://stream.binance.com:9443", "https://api.binance.com")
///     .symbols(["BTCUSDT", "ETHUSDT"])
///     .spawn(&books)?;
/// let mid = books.read("BTCUSDT", |book| book.mid());
/// # let _ = (mid, feed); Ok(()) }
/// ```
#[derive(Debug)]
pub struct DepthFeed;

impl DepthFeed {
    /// A Binance feed from the exchange's WebSocket and REST base URLs.
    pub fn builder(
        ws_url: impl Into<String>,
        rest_url: impl Into<String>,
    ) -> DepthFeedBuilder<BinanceDepth> {
        Self::with_stream(BinanceDepth::new(ws_url, rest_url))
    }

    /// A Binance USD-M futures feed from the venue's WebSocket and REST base URLs
    /// (`wss://fstream.binance.com`, `https://fapi.binance.com`): snapshots from
    /// `/fapi/v1/depth`, deltas chained by `pu`
    /// ([`FuturesDepthSync`](crate::book::FuturesDepthSync)).
    pub fn binance_futures(
        ws_url: impl Into<String>,
        rest_url: impl Into<String>,
    ) -> DepthFeedBuilder<BinanceFuturesDepth> {
        Self::with_stream(BinanceFuturesDepth::new(ws_url, rest_url))
    }

    /// A feed of any venue's book stream.
    pub fn with_stream<P: BookStream>(stream: P) -> DepthFeedBuilder<P> {
        DepthFeedBuilder {
            stream,
            config: Config {
                name: "depth".into(),
                silence_timeout: Duration::from_secs(30),
                ping_interval: None,
                data_timeout: None,
                connect_timeout: Duration::from_secs(5),
                reconnect_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                snapshot_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                depth: 20,
                send_timeout: SEND_TIMEOUT,
                max_message_bytes: MAX_MESSAGE_BYTES,
                roots: TrustRoots::default(),
            },
            limits: BookLimits::default(),
            symbols: Vec::new(),
            clock: None,
        }
    }
}

/// Configures a [`DepthFeed`].
#[derive(Debug)]
#[must_use]
pub struct DepthFeedBuilder<P> {
    stream: P,
    config: Config,
    limits: BookLimits,
    symbols: Vec<String>,
    clock: Option<SharedClock>,
}

impl DepthFeedBuilder<BinanceDepth> {
    /// The stream after `<symbol>@` (default `depth@100ms`; `depth` updates once a second).
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream = self.stream.stream_name(name);
        self
    }

    /// Levels per side in the snapshot request (default 5000, Binance's largest).
    pub fn snapshot_limit(mut self, limit: u32) -> Self {
        self.stream = self.stream.snapshot_limit(limit);
        self
    }

    /// A snapshot request must finish within this (default 5 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.stream = self.stream.request_timeout(timeout);
        self
    }
}

impl<P: BookStream> DepthFeedBuilder<P> {
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

    /// No frame at all (data, ping or pong) for this long means the link is dead: the symbol
    /// is marked silent and reconnected (default 30 s).
    pub fn silence_timeout(mut self, timeout: Duration) -> Self {
        self.config.silence_timeout = timeout;
        self
    }

    /// How often to ping the link (default a third of the silence timeout, at most 10 s).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.ping_interval = Some(interval);
        self
    }

    /// Opt-in: no data event for this long marks the symbol silent and rebuilds its book from
    /// a fresh snapshot, on the same link (default off: a quiet book is refused by the cache's
    /// max age, and a quiet market is not a fault).
    pub fn data_timeout(mut self, timeout: Duration) -> Self {
        self.config.data_timeout = Some(timeout);
        self
    }

    /// Opening the WebSocket must finish within this (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Waits between reconnects: from `min`, doubling, up to `max` (default 250 ms to 3 s).
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.reconnect_backoff = (min, max.max(min));
        self
    }

    /// Waits between snapshot requests that failed or came back too old: from `min`,
    /// doubling, up to `max` (default 250 ms to 3 s).
    pub fn snapshot_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.snapshot_backoff = (min, max.max(min));
        self
    }

    /// Levels per side published in each [`BookView`] (default 20).
    pub fn depth(mut self, depth: usize) -> Self {
        self.config.depth = depth;
        self
    }

    /// Every send on the link (subscription, ping or heartbeat, pong) must finish within this
    /// (default 5 s); one that does not, because the peer stopped reading and the socket's
    /// buffers are full, marks the symbol unhealthy and reconnects.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.config.send_timeout = timeout;
        self
    }

    /// Trusts `certificate` as well as the public roots on a `wss://` link (and, for a venue
    /// that fetches snapshots over HTTPS, on its REST calls). Verification is never switched
    /// off; see [`tls`](crate::tls).
    pub fn root_certificate(mut self, certificate: RootCertificate) -> Self {
        self.config.roots.add(certificate);
        self
    }

    /// The largest WebSocket message accepted, in bytes (default 4 MiB); a larger one is
    /// invalid data: the symbol is marked unhealthy and reconnected, and the frame is never
    /// decoded.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.config.max_message_bytes = bytes;
        self
    }

    /// The caps on levels per message, the sync buffer and the book (default
    /// [`BookLimits::default`]): past one, the symbol is marked unhealthy and resynchronised.
    /// The feed refuses a message over [`BookLimits::max_levels_per_message`] whatever the
    /// venue's [`BookSync`], and passes the limits to it.
    pub fn limits(mut self, limits: BookLimits) -> Self {
        self.limits = limits;
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
    /// [`FeedBuildError`] for impossible settings.
    pub fn spawn(
        mut self,
        books: &StreamCache<String, BookView>,
    ) -> Result<DepthFeedHandle, FeedBuildError> {
        if self.symbols.is_empty() {
            return Err(FeedBuildError::NoSymbols);
        }
        self.config.check()?;
        self.stream.root_certificates(self.config.roots.extra());
        self.stream
            .prepare(self.config.connect_timeout)
            .map_err(FeedBuildError::Stream)?;
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        let config = Arc::new(self.config);
        let stream = Arc::new(self.stream);
        let mut symbols = Vec::new();
        for symbol in self.symbols {
            let health = HealthRecorder::on_clock(&symbol, Arc::clone(&clock));
            let writer = Arc::new(books.feed(format!("{}:{symbol}", config.name)));
            let stopped = Arc::new(AtomicBool::new(false));
            let task = SymbolTask {
                config: Arc::clone(&config),
                limits: self.limits,
                stream: Arc::clone(&stream),
                symbol: symbol.clone(),
                view_symbol: symbol.as_str().into(),
                rest_snapshots: stream.snapshot(&symbol).is_some(),
                writer: Arc::clone(&writer),
                stopped: Arc::clone(&stopped),
                health: health.clone(),
            };
            symbols.push(SymbolEntry {
                symbol,
                health,
                writer,
                stopped,
                task: tokio::spawn(task.supervised()),
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
    health: HealthRecorder,
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
            .map(|e| e.health.health())
    }

    /// Every symbol's health.
    pub fn health_all(&self) -> Vec<FeedHealth> {
        self.symbols.iter().map(|e| e.health.health()).collect()
    }

    /// Stops every task now.
    pub fn shutdown(self) {}
}

impl Drop for DepthFeedHandle {
    fn drop(&mut self) {
        for entry in &self.symbols {
            // Closed now, not when the runtime gets round to cancelling the task; the flag keeps
            // a task caught mid-event from publishing or reopening the feed.
            // SeqCst: the stop and the writer's close are one order for the task's check below.
            entry.stopped.store(true, Ordering::SeqCst);
            entry.writer.mark_unhealthy(FeedFault::Closed);
            entry.task.abort();
            entry.health.phase(FeedPhase::Stopped);
        }
    }
}

/// The pending snapshot's result; never resolves when there is none (`select!` disables the
/// branch then anyway).
/// The wait before the next snapshot request after a failed one: the backoff's, or what the
/// venue asked for when longer (`Retry-After` on a 429 or 418, as the crate's HTTP errors keep
/// it); a ban (418) that names no wait gets the backoff's ceiling, never a quick retry.
fn snapshot_wait(
    error: &(dyn std::error::Error + Send + Sync + 'static),
    backoff: Duration,
    ceiling: Duration,
) -> Duration {
    let Some(fetch) = error.downcast_ref::<FetchError>() else {
        return backoff;
    };
    match fetch.retry_after() {
        Some(venue) => venue.max(backoff),
        None if fetch.is_banned() => ceiling.max(backoff),
        None => backoff,
    }
}

async fn next_snapshot(
    snapshot: &mut Option<SnapshotFuture>,
) -> Result<BookSnapshot, SnapshotError> {
    match snapshot {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}

/// How a session ended.
enum End {
    /// The link failed: mark the symbol, rebuild the book on the next link.
    Fault(FeedFault),
    /// The server asked us to move: a new link, the same book.
    Shutdown,
}

/// What to do after a sync outcome.
enum Next {
    Continue,
    /// Fetch a snapshot after this wait.
    Snapshot(Duration),
    /// Rebuild through a new link (venues that send snapshots on the stream).
    Reconnect(FeedFault),
}

struct SymbolTask<P: BookStream> {
    config: Arc<Config>,
    limits: BookLimits,
    stream: Arc<P>,
    symbol: String,
    view_symbol: Arc<str>,
    /// Whether the venue serves snapshots apart from the stream (else a resync reconnects).
    rest_snapshots: bool,
    writer: Arc<FeedWriter<String, BookView>>,
    stopped: Arc<AtomicBool>,
    health: HealthRecorder,
}

/// Frames from this size on are decoded on tokio's blocking pool, off the runtime's worker
/// threads: a frame near the size cap takes tens of milliseconds to parse.
const DECODE_OFF_THREAD_BYTES: usize = 64 << 10;

impl<P: BookStream> SymbolTask<P> {
    /// The task: [`run`](Self::run), restarted with backoff after a panic.
    async fn supervised(mut self) {
        let (min, max) = self.config.reconnect_backoff;
        supervise(
            &mut self,
            Self::run_boxed,
            Self::on_panic,
            Backoff::new(min, max),
        )
        .await;
    }

    fn run_boxed(&mut self) -> TaskFuture<'_> {
        Box::pin(self.run())
    }

    fn on_panic(&mut self, why: &str) {
        self.health.panicked();
        // SeqCst: pairs with the handle's stop; a stopped feed stays marked closed.
        if self.stopped.load(Ordering::SeqCst) {
            return;
        }
        self.health.connected(false);
        self.fail(FeedFault::Other(format!("feed task panicked: {why}")));
        self.health.buffered(BufferStats::default());
        self.health.phase(FeedPhase::Backoff);
    }

    async fn run(&self) {
        let (min, max) = self.config.reconnect_backoff;
        let mut backoff = Backoff::new(min, max);
        let mut sync = self.stream.new_sync();
        sync.set_limits(self.limits);
        self.writer.mark_unhealthy(FeedFault::Resyncing);
        let url = self.stream.url(&self.symbol);
        loop {
            self.health.phase(FeedPhase::Connecting);
            let connect = link::connect(
                &url,
                self.config.connect_timeout,
                self.config.max_message_bytes,
                &self.config.roots,
                &self.symbol,
            );
            let end = match connect.await {
                Ok(socket) => {
                    backoff.reset();
                    self.health.connected(true);
                    let end = self.session(socket, &mut sync).await;
                    self.health.connected(false);
                    end
                }
                Err(fault) => End::Fault(fault),
            };
            self.health.reconnect();
            match end {
                End::Shutdown => {
                    tracing::info!(symbol = %self.symbol, "server shutting the stream down: reconnecting");
                }
                End::Fault(fault) => {
                    self.fail(fault);
                    sync.reset();
                    self.health.buffered(sync.buffered());
                    self.health.phase(FeedPhase::Backoff);
                    sleep(backoff.next_wait()).await;
                }
            }
        }
    }

    /// Marks the symbol unreadable for `fault`.
    fn fail(&self, fault: FeedFault) {
        self.health.fault(&fault);
        self.writer.mark_unhealthy(fault);
    }

    fn snapshot_after(&self, wait: Duration) -> Option<SnapshotFuture> {
        let request = self.stream.snapshot(&self.symbol)?;
        Some(if wait.is_zero() {
            request
        } else {
            Box::pin(async move {
                sleep(wait).await;
                request.await
            })
        })
    }

    /// One link: sync and publish until it fails or the server moves us.
    async fn session<S>(&self, socket: S, sync: &mut P::Sync) -> End
    where
        S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + futures_util::Sink<Message>
            + Unpin,
    {
        let (mut sink, mut frames) = socket.split();
        let send_timeout = self.config.send_timeout;
        if let Some(subscribe) = self.stream.subscribe(&self.symbol) {
            if let Err(fault) =
                link::send(&mut sink, Message::Text(subscribe.into()), send_timeout).await
            {
                return End::Fault(fault);
            }
        }
        let heartbeat = self.stream.heartbeat();
        let (min, max) = self.config.snapshot_backoff;
        let mut snapshot_backoff = Backoff::new(min, max);
        let mut snapshot = if sync.needs_snapshot() {
            self.health.phase(FeedPhase::Syncing);
            self.snapshot_after(Duration::ZERO)
        } else {
            None
        };
        let mut watchdog =
            SilenceWatchdog::new(self.config.silence_timeout, self.config.ping_interval());
        let data_deadline = |now: Instant| self.config.data_timeout.map(|d| now + d);
        let mut data_silent_at = data_deadline(Instant::now());
        let mut buffered = sync.buffered();
        self.health.buffered(buffered);
        loop {
            let next = tokio::select! {
                watch = watchdog.tick() => match watch {
                    Watch::Ping => {
                        if let Err(fault) = link::ping(&mut sink, heartbeat.as_deref(), send_timeout).await {
                            return End::Fault(fault);
                        }
                        Next::Continue
                    }
                    Watch::Silent(for_) => return End::Fault(FeedFault::Silent { for_ }),
                },
                () = sleep_until_opt(data_silent_at) => {
                    data_silent_at = None;
                    let for_ = self.config.data_timeout.unwrap_or_default();
                    self.resync(sync, FeedFault::Silent { for_ }, false)
                }
                result = next_snapshot(&mut snapshot), if snapshot.is_some() => {
                    snapshot = None;
                    match result {
                        Ok(depth) => {
                            let outcome = match self.over_cap(&depth.bids, &depth.asks) {
                                Some(refused) => refused,
                                None => sync.on_snapshot(depth),
                            };
                            if outcome.is_fault() {
                                // A snapshot the book refuses (too many levels, crossed): the
                                // next one after a backoff wait, not at once, so a venue that
                                // keeps serving it is not asked in a loop.
                                match self.handle(outcome, sync, &mut snapshot_backoff) {
                                    Next::Snapshot(_) => Next::Snapshot(snapshot_backoff.next_wait()),
                                    other => other,
                                }
                            } else {
                                snapshot_backoff.reset();
                                self.handle(outcome, sync, &mut snapshot_backoff)
                            }
                        }
                        Err(e) => {
                            let wait = snapshot_wait(&*e, snapshot_backoff.next_wait(), self.config.snapshot_backoff.1);
                            tracing::warn!(symbol = %self.symbol, error = %e, ?wait, "book snapshot failed; retrying");
                            self.health.snapshot_failure();
                            Next::Snapshot(wait)
                        }
                    }
                }
                received = frames.next() => {
                    watchdog.frame();
                    self.health.frame();
                    match link::frame(received, &mut sink, &self.symbol, send_timeout).await {
                        Frame::Skip => Next::Continue,
                        Frame::End(fault) => return End::Fault(fault),
                        Frame::Invalid(why) => self.resync(sync, FeedFault::InvalidData(why), false),
                        Frame::Text(text) => match self.decode(text).await {
                            Ok(BookMessage::Skip) => Next::Continue,
                            Ok(BookMessage::Reconnect) => return End::Shutdown,
                            Ok(BookMessage::Snapshot(book)) => {
                                self.health.event();
                                data_silent_at = data_deadline(Instant::now());
                                let outcome = match self.over_cap(&book.bids, &book.asks) {
                                    Some(refused) => refused,
                                    None => sync.on_snapshot(book),
                                };
                                self.handle(outcome, sync, &mut snapshot_backoff)
                            }
                            Ok(BookMessage::Delta(delta)) => {
                                self.health.event();
                                data_silent_at = data_deadline(Instant::now());
                                let outcome = match self.over_cap(&delta.bids, &delta.asks) {
                                    Some(refused) => refused,
                                    None => sync.on_delta(delta),
                                };
                                self.handle(outcome, sync, &mut snapshot_backoff)
                            }
                            // A lost event cannot be told from a garbled one: rebuild the book.
                            Err(why) => self.resync(sync, FeedFault::InvalidData(why), false),
                        },
                    }
                }
            };
            let now = sync.buffered();
            if now != buffered {
                buffered = now;
                self.health.buffered(now);
            }
            match next {
                Next::Continue => {}
                Next::Snapshot(wait) => {
                    if snapshot.is_none() {
                        snapshot = self.snapshot_after(wait);
                    }
                }
                Next::Reconnect(fault) => return End::Fault(fault),
            }
        }
    }

    /// Decodes a text frame; a large one on the blocking pool, so that parsing it does not hold
    /// a runtime worker. A panic in the venue's `decode` reaches the supervisor either way.
    async fn decode(&self, text: Utf8Bytes) -> Result<BookMessage, String> {
        if text.len() < DECODE_OFF_THREAD_BYTES {
            return self.stream.decode(&self.symbol, text.as_str());
        }
        let stream = Arc::clone(&self.stream);
        let symbol = self.symbol.clone();
        match tokio::task::spawn_blocking(move || stream.decode(&symbol, text.as_str())).await {
            Ok(decoded) => decoded,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(format!("decoding cancelled: {e}")),
        }
    }

    /// A message with more levels than the feed's cap, refused before the sync sees it
    /// (whatever the venue's procedure).
    fn over_cap(
        &self,
        bids: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
        asks: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
    ) -> Option<SyncOutcome> {
        let levels = bids.len().saturating_add(asks.len());
        let cap = self.limits.levels_per_message();
        (levels > cap).then_some(SyncOutcome::Invalid(BookError::TooManyLevels {
            levels,
            cap,
        }))
    }

    /// Acts on a sync outcome.
    fn handle(&self, outcome: SyncOutcome, sync: &mut P::Sync, backoff: &mut Backoff) -> Next {
        match outcome {
            SyncOutcome::Applied { last_update_id } => {
                // SeqCst: pairs with the stop when the handle is dropped.
                if self.stopped.load(Ordering::SeqCst) {
                    return Next::Continue;
                }
                if let Some(book) = sync.book() {
                    let view = BookView::of(
                        Arc::clone(&self.view_symbol),
                        last_update_id,
                        book,
                        self.config.depth,
                    );
                    self.writer.publish(self.symbol.clone(), view);
                    self.health.update_id(last_update_id);
                    if !self.writer.is_healthy() {
                        self.writer.mark_healthy();
                        self.health.phase(FeedPhase::Live);
                    }
                }
                Next::Continue
            }
            SyncOutcome::SnapshotTooOld {
                snapshot,
                first_buffered,
            } => {
                tracing::debug!(symbol = %self.symbol, snapshot, first_buffered, "snapshot older than the stream; fetching another");
                Next::Snapshot(backoff.next_wait())
            }
            SyncOutcome::Gap { expected, got } => {
                self.resync(sync, FeedFault::SequenceGap { expected, got }, true)
            }
            SyncOutcome::ChecksumMismatch { expected, computed } => self.resync(
                sync,
                FeedFault::InvalidData(format!(
                    "book checksum mismatch: venue {expected}, book {computed}"
                )),
                true,
            ),
            SyncOutcome::Invalid(error) => {
                let fault = match error {
                    BookError::Crossed { .. } => FeedFault::CrossedBook,
                    other => FeedFault::InvalidData(other.to_string()),
                };
                // The sync discarded its book already; resetting it again changes nothing.
                self.resync(sync, fault, false)
            }
            _ => Next::Continue,
        }
    }

    /// Marks the symbol unreadable and starts over from a new snapshot: fetched on this link,
    /// or brought by a new link where the stream carries it. `gap`: the sync found lost
    /// updates and has already discarded its book (keeping what a new snapshot can use);
    /// otherwise the fault came from outside the sync, which is reset.
    fn resync(&self, sync: &mut P::Sync, fault: FeedFault, gap: bool) -> Next {
        if gap {
            self.health.gap();
        } else {
            sync.reset();
        }
        self.health.resync();
        if !self.rest_snapshots {
            return Next::Reconnect(fault);
        }
        self.fail(fault);
        self.health.phase(FeedPhase::Syncing);
        Next::Snapshot(Duration::ZERO)
    }
}

crate::class::declare_class!(Plain for DepthFeedHandle);
crate::class::declare_class!([P] Plain joined(P) for DepthFeedBuilder<P>);

crate::class::declare_class!(owned Plain for DepthFeed);
