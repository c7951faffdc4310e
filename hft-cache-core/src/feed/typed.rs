//! [`StreamFeed`]: the latest value per key of any JSON WebSocket stream.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};
use tokio_tungstenite::tungstenite::Message;

use super::backoff::Backoff;
use super::health::{FeedHealth, FeedPhase, HealthRecorder};
use super::link::{self, Control, Frame};
use super::settings::{sleep_until_opt, Config, FeedBuildError, MAX_MESSAGE_BYTES, SEND_TIMEOUT};
use super::supervise::{supervise, TaskFuture};
use super::watchdog::{SilenceWatchdog, Watch};
use crate::clock::{SharedClock, SystemClock};
use crate::policy::{CacheKey, StreamValue};
use crate::stream_cache::{FeedFault, FeedWriter, StreamCache};
use crate::tls::{RootCertificate, TrustRoots};

/// A streamed value's key in its cache: the symbol, for Binance's market streams.
pub trait Keyed {
    /// The cache key.
    type Key;

    /// This value's key.
    fn key(&self) -> Self::Key;
}

/// Keeps the latest value per key of a JSON WebSocket stream in a [`StreamCache`]: trades,
/// book tickers, 24 h tickers, klines ([`binance`](super::binance) has the types), or any
/// `Streamed` type of one's own that deserialises from the stream's frames.
///
/// One stream is read raw from `{ws_url}/ws/{stream}`; several (or one with
/// [`combined`](StreamFeedBuilder::combined)) from `{ws_url}/stream?streams=a/b`, whose frames
/// are unwrapped from `{"stream","data"}`. Another venue's stream is read from
/// [`at_url`](StreamFeed::at_url), with its subscription, heartbeat and replies to skip. The
/// feed follows the [feed contract](super): it
/// pings a quiet link and reconnects a dead one, marks the cache's keys unhealthy on any
/// fault, and after a fault serves only values received since: the first fresh value drops
/// every value from before the fault and makes the feed healthy again.
///
/// ```no_run
/// use hft_cache::feed::binance::BookTicker;
/// use hft_cache::feed::StreamFeed;
/// use hft_cache::StreamCache;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let tickers = StreamCache::<String, BookTicker>::builder().name("book-tickers").build().unwrap();
/// let feed = StreamFeed::builder("wss://stream.binance.com:9443")
///     .streams(["btcusdt@bookTicker", "ethusdt@bookTicker"])
///     .spawn(&tickers)?;
/// let bid = tickers.read("BTCUSDT", |t| t.bid_price);
/// # let _ = (bid, feed); Ok(()) }
/// ```
#[derive(Debug)]
pub struct StreamFeed;

impl StreamFeed {
    /// A feed of any venue's stream at exactly `url`, typically with a
    /// [`subscribe_message`](StreamFeedBuilder::subscribe_message) (Bybit's
    /// `{"op":"subscribe","args":["publicTrade.BTCUSDT"]}`). Each frame decodes as the value
    /// type itself.
    pub fn at_url(url: impl Into<String>) -> StreamFeedBuilder {
        let mut builder = Self::builder(url);
        builder.exact_url = true;
        builder
    }

    /// A Binance-style feed from the exchange's WebSocket base URL: name the
    /// [`streams`](StreamFeedBuilder::streams).
    pub fn builder(ws_url: impl Into<String>) -> StreamFeedBuilder {
        StreamFeedBuilder {
            ws_url: ws_url.into().trim_end_matches('/').to_owned(),
            exact_url: false,
            streams: Vec::new(),
            combined: false,
            venue: Venue::default(),
            config: Config {
                name: "stream".into(),
                silence_timeout: Duration::from_secs(30),
                ping_interval: None,
                data_timeout: None,
                connect_timeout: Duration::from_secs(5),
                reconnect_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                snapshot_backoff: (Duration::from_millis(250), Duration::from_secs(3)),
                depth: 0,
                send_timeout: SEND_TIMEOUT,
                max_message_bytes: MAX_MESSAGE_BYTES,
                roots: TrustRoots::default(),
            },
            max_keys: MAX_KEYS,
            clock: None,
        }
    }
}

/// Configures a [`StreamFeed`].
#[derive(Debug)]
#[must_use]
pub struct StreamFeedBuilder {
    ws_url: String,
    exact_url: bool,
    streams: Vec<String>,
    combined: bool,
    venue: Venue,
    config: Config,
    max_keys: usize,
    clock: Option<SharedClock>,
}

/// The default [`StreamFeedBuilder::max_keys`]: more symbols than any venue lists (Binance
/// spot has about 3,000), far fewer than a stream of foreign keys could grow to.
const MAX_KEYS: usize = 10_000;

/// What another venue's link needs beyond Binance's: a subscription, its own heartbeat, its
/// own replies to skip.
#[derive(Debug, Clone, Default)]
struct Venue {
    subscribe: Option<String>,
    heartbeat: Option<String>,
    skip: Option<fn(&str) -> bool>,
}

impl StreamFeedBuilder {
    /// The streams to follow, exchange-style (`btcusdt@trade`).
    pub fn streams<S: Into<String>>(mut self, streams: impl IntoIterator<Item = S>) -> Self {
        self.streams.extend(streams.into_iter().map(Into::into));
        self
    }

    /// Reads even a single stream through the combined endpoint (`/stream?streams=`); several
    /// streams always are.
    pub fn combined(mut self, combined: bool) -> Self {
        self.combined = combined;
        self
    }

    /// A text frame sent on every new link before reading (a venue's subscription).
    pub fn subscribe_message(mut self, text: impl Into<String>) -> Self {
        self.venue.subscribe = Some(text.into());
        self
    }

    /// A text frame sent every ping interval instead of a WebSocket ping (Bybit
    /// `{"op":"ping"}`, OKX `ping`).
    pub fn heartbeat(mut self, text: impl Into<String>) -> Self {
        self.venue.heartbeat = Some(text.into());
        self
    }

    /// Frames for which `skip` is true are neither data nor faults (a venue's subscription
    /// replies and pongs). Binance's replies and `serverShutdown` are always recognised.
    pub fn skip_frames(mut self, skip: fn(&str) -> bool) -> Self {
        self.venue.skip = Some(skip);
        self
    }

    /// The feed's name in reports and its health (default `stream`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = name.into();
        self
    }

    /// No frame at all (data, ping or pong) for this long means the link is dead: the feed is
    /// marked silent and reconnected (default 30 s).
    pub fn silence_timeout(mut self, timeout: Duration) -> Self {
        self.config.silence_timeout = timeout;
        self
    }

    /// How often to ping the link (default a third of the silence timeout, at most 10 s).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.ping_interval = Some(interval);
        self
    }

    /// Opt-in: no value for this long marks the feed silent, on the same link, until fresh
    /// values arrive (default off: the cache's max age refuses old values anyway).
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

    /// Every send on the link (subscription, ping or heartbeat, pong) must finish within this
    /// (default 5 s); one that does not, because the peer stopped reading, marks the feed
    /// unhealthy and reconnects.
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
    /// invalid data: the feed is marked unhealthy and reconnected, and the frame never decoded.
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.config.max_message_bytes = bytes;
        self
    }

    /// The most keys the feed publishes (default 10,000). A value whose key is new once the
    /// feed holds this many is refused (logged and counted in
    /// [`FeedHealth::refused_keys`]), so a stream that sends key after foreign key cannot grow
    /// the cache without bound; the keys already held keep updating. The count starts again
    /// when the feed recovers from a fault, as the keys from before it are dropped.
    pub fn max_keys(mut self, keys: usize) -> Self {
        self.max_keys = keys;
        self
    }

    /// The clock for health ages (default: [`SystemClock`]). Value ages use the cache's clock.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the feed's task, writing into `cache`. Needs a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`FeedBuildError`] for impossible settings.
    pub fn spawn<T>(
        self,
        cache: &StreamCache<T::Key, T>,
    ) -> Result<StreamFeedHandle, FeedBuildError>
    where
        T: Keyed + DeserializeOwned + StreamValue + Send + Sync + 'static,
        T::Key: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    {
        if self.streams.is_empty() && !self.exact_url {
            return Err(FeedBuildError::NoSymbols);
        }
        self.config.check()?;
        if self.max_keys == 0 {
            return Err(FeedBuildError::Zero("max_keys"));
        }
        let combined = !self.exact_url && (self.combined || self.streams.len() > 1);
        let url = if self.exact_url {
            self.ws_url.clone()
        } else if combined {
            format!("{}/stream?streams={}", self.ws_url, self.streams.join("/"))
        } else {
            format!("{}/ws/{}", self.ws_url, self.streams[0])
        };
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        let health = HealthRecorder::on_clock(&self.config.name, clock);
        let writer = Arc::new(cache.feed(self.config.name.clone()));
        let stopped = Arc::new(AtomicBool::new(false));
        let task = Task {
            config: self.config,
            url,
            combined,
            venue: self.venue,
            writer: Arc::clone(&writer),
            stopped: Arc::clone(&stopped),
            health: health.clone(),
            published: HashSet::new(),
            max_keys: self.max_keys,
        };
        let task = tokio::spawn(task.supervised());
        let writer: Arc<dyn Stop> = writer;
        Ok(StreamFeedHandle {
            health,
            writer,
            stopped,
            task,
        })
    }
}

/// What the handle needs of its writer, whatever the cache's types.
trait Stop: Send + Sync {
    fn close(&self);
}

impl<K, V> Stop for FeedWriter<K, V>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    V: StreamValue + Send + Sync + 'static,
{
    fn close(&self) {
        self.mark_unhealthy(FeedFault::Closed);
    }
}

/// The running feed. Dropping it stops the task and marks the feed closed, so its values stop
/// being served.
pub struct StreamFeedHandle {
    health: HealthRecorder,
    writer: Arc<dyn Stop>,
    stopped: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl StreamFeedHandle {
    /// The feed's health.
    pub fn health(&self) -> FeedHealth {
        self.health.health()
    }

    /// Stops the feed now.
    pub fn shutdown(self) {}
}

impl Drop for StreamFeedHandle {
    fn drop(&mut self) {
        // Closed now, not when the runtime cancels the task; the flag keeps a task caught
        // mid-frame from publishing.
        // SeqCst: the stop and the writer's close are one order for the task's check.
        self.stopped.store(true, Ordering::SeqCst);
        self.writer.close();
        self.task.abort();
        self.health.phase(FeedPhase::Stopped);
    }
}

impl std::fmt::Debug for StreamFeedHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamFeedHandle")
            .field("health", &self.health.health())
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for StreamFeedHandle);
crate::class::declare_class!(Plain for StreamFeedBuilder);

#[derive(Deserialize)]
struct Combined<T> {
    data: T,
}

enum Decoded<T> {
    Value(T),
    Skip,
    Reconnect,
}

fn decode<T: DeserializeOwned>(text: &str, combined: bool) -> Result<Decoded<T>, String> {
    let value = if combined {
        serde_json::from_str::<Combined<T>>(text).map(|c| c.data)
    } else {
        serde_json::from_str::<T>(text)
    };
    match value {
        Ok(value) => Ok(Decoded::Value(value)),
        Err(e) => match link::control(text) {
            Some(Control::Shutdown) => Ok(Decoded::Reconnect),
            Some(Control::Reply) => Ok(Decoded::Skip),
            None => Err(e.to_string()),
        },
    }
}

enum End {
    Fault(FeedFault),
    Shutdown,
}

struct Task<K, T>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    T: StreamValue + Send + Sync + 'static,
{
    config: Config,
    url: String,
    combined: bool,
    venue: Venue,
    writer: Arc<FeedWriter<K, T>>,
    stopped: Arc<AtomicBool>,
    health: HealthRecorder,
    /// Keys written since the feed was last healthy again: dropped at the next recovery.
    /// Kept across a restart after a panic, so that they are dropped all the same.
    published: HashSet<K>,
    /// The most keys `published` may hold.
    max_keys: usize,
}

impl<K, T> Task<K, T>
where
    K: CacheKey + Eq + Hash + Clone + Send + Sync + 'static,
    T: Keyed<Key = K> + DeserializeOwned + StreamValue + Send + Sync + 'static,
{
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
        self.health.phase(FeedPhase::Backoff);
    }

    async fn run(&mut self) {
        let (min, max) = self.config.reconnect_backoff;
        let mut backoff = Backoff::new(min, max);
        self.writer.mark_unhealthy(FeedFault::Resyncing);
        loop {
            self.health.phase(FeedPhase::Connecting);
            let connect = link::connect(
                &self.url,
                self.config.connect_timeout,
                self.config.max_message_bytes,
                &self.config.roots,
                &self.config.name,
            );
            let end = match connect.await {
                Ok(socket) => {
                    backoff.reset();
                    self.health.connected(true);
                    self.health.phase(FeedPhase::Syncing);
                    let end = self.session(socket).await;
                    self.health.connected(false);
                    end
                }
                Err(fault) => End::Fault(fault),
            };
            self.health.reconnect();
            match end {
                End::Shutdown => {
                    tracing::info!(feed = %self.config.name, "server shutting the stream down: reconnecting");
                }
                End::Fault(fault) => {
                    self.fail(fault);
                    self.health.phase(FeedPhase::Backoff);
                    sleep(backoff.next_wait()).await;
                }
            }
        }
    }

    fn fail(&self, fault: FeedFault) {
        self.health.fault(&fault);
        self.writer.mark_unhealthy(fault);
        self.health.phase(FeedPhase::Syncing);
    }

    fn publish(&mut self, value: T) {
        // SeqCst: pairs with the handle's stop.
        if self.stopped.load(Ordering::SeqCst) {
            return;
        }
        if !self.writer.is_healthy() {
            // Recovering: what was written before the fault is not served again.
            for key in self.published.drain() {
                self.writer.remove(&key);
            }
            self.published.shrink_to(self.max_keys.min(1024));
            let key = value.key();
            self.published.insert(key.clone());
            self.writer.publish(key, value);
            self.writer.mark_healthy();
            self.health.phase(FeedPhase::Live);
        } else {
            let key = value.key();
            if !self.published.contains(&key) {
                if self.published.len() >= self.max_keys {
                    // A key past the cap: refused, not stored (a stream of foreign keys).
                    tracing::warn!(feed = %self.config.name, cap = self.max_keys, "value refused: its key would pass the feed's key cap");
                    self.health.refused_key();
                    return;
                }
                self.published.insert(key.clone());
                self.health.keys(self.published.len());
            }
            self.writer.publish(key, value);
            return;
        }
        self.health.keys(self.published.len());
    }

    async fn session<S>(&mut self, socket: S) -> End
    where
        S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + futures_util::Sink<Message>
            + Unpin,
    {
        let (mut sink, mut frames) = socket.split();
        let send_timeout = self.config.send_timeout;
        if let Some(subscribe) = &self.venue.subscribe {
            let subscribe = Message::Text(subscribe.as_str().into());
            if let Err(fault) = link::send(&mut sink, subscribe, send_timeout).await {
                return End::Fault(fault);
            }
        }
        let mut watchdog =
            SilenceWatchdog::new(self.config.silence_timeout, self.config.ping_interval());
        let data_timeout = self.config.data_timeout;
        let mut data_silent_at = data_timeout.map(|d| Instant::now() + d);
        loop {
            tokio::select! {
                watch = watchdog.tick() => match watch {
                    Watch::Ping => {
                        let heartbeat = self.venue.heartbeat.as_deref();
                        if let Err(fault) = link::ping(&mut sink, heartbeat, send_timeout).await {
                            return End::Fault(fault);
                        }
                    }
                    Watch::Silent(for_) => return End::Fault(FeedFault::Silent { for_ }),
                },
                () = sleep_until_opt(data_silent_at) => {
                    data_silent_at = None;
                    self.fail(FeedFault::Silent { for_: data_timeout.unwrap_or_default() });
                }
                received = frames.next() => {
                    watchdog.frame();
                    self.health.frame();
                    match link::frame(received, &mut sink, &self.config.name, send_timeout).await {
                        Frame::Skip => {}
                        Frame::End(fault) => return End::Fault(fault),
                        Frame::Invalid(why) => self.fail(FeedFault::InvalidData(why)),
                        Frame::Text(text) if self.venue.skip.is_some_and(|skip| skip(text.as_str())) => {}
                        Frame::Text(text) => match decode::<T>(text.as_str(), self.combined) {
                            Ok(Decoded::Value(value)) => {
                                self.health.event();
                                data_silent_at = data_timeout.map(|d| Instant::now() + d);
                                self.publish(value);
                            }
                            Ok(Decoded::Skip) => {}
                            Ok(Decoded::Reconnect) => return End::Shutdown,
                            Err(why) => self.fail(FeedFault::InvalidData(why)),
                        },
                    }
                }
            }
        }
    }
}

crate::class::declare_class!(owned Plain for StreamFeed);
