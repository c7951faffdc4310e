//! Stream feeds: tasks that keep streamed data in a [`StreamCache`](crate::StreamCache), and
//! the machinery they are built on, public for feeds of one's own.
//!
//! - [`DepthFeed`] keeps one order book per symbol from a venue's depth stream
//!   ([`BinanceDepth`] by default, [`binance_futures::BinanceFuturesDepth`] for USD-M futures,
//!   any [`BookStream`] otherwise) and publishes each book's top levels as a
//!   [`BookView`](crate::book::BookView).
//! - [`StreamFeed`] keeps the latest value per key of any JSON stream (trades, tickers,
//!   klines: [`binance`] has the types), raw or combined.
//! - [`HealthRecorder`], [`SilenceWatchdog`] and [`Backoff`] are what both are made of: the
//!   [`FeedHealth`] record, the link-liveness clock, and the retry waits.
//!
//! # The feed contract
//!
//! Every crate feed, and every feed built on this machinery, follows one rule set:
//!
//! - **Two clocks.** The link is alive while frames arrive (data, pings, pongs); a feed pings a
//!   quiet link, and only a link silent past its silence timeout is dead. Data age is the
//!   cache's business: a value older than the cache's max age is refused, whatever the link.
//!   A quiet but healthy link is never reconnected.
//! - **Unhealthy at once.** A link that drops, errs or falls silent, a sequence gap, a checksum
//!   mismatch, or garbage marks the feed unhealthy (`FeedWriter::mark_unhealthy`) before
//!   anything else: its keys are refused from that moment.
//! - **Healthy again only after a fresh snapshot.** After silence or a gap, a feed calls
//!   `mark_healthy` only once its state has been rebuilt from a snapshot taken after the fault
//!   (a book: a new snapshot synchronised with the stream; a latest-value stream: a new value
//!   per key, values from before the fault are dropped).
//! - **A server's goodbye is not a fault.** A `serverShutdown` opens a new link at once and
//!   keeps the state if the data's sequence continues on it.
//! - **Retries back off.** Reconnects and snapshot retries wait per [`Backoff`] (a ceiling of
//!   250 ms doubling to 3 s by default, each wait drawn at random below it: full jitter, so a
//!   fleet does not reconnect in lockstep).
//! - **Hostile input is a fault, never a panic, a stall or growth.** Every exchange number goes
//!   through checked arithmetic; every await on the network is bounded (connects, sends, pings,
//!   pongs: a peer that stops reading is a dead link); messages are capped in bytes and, for
//!   books, in levels ([`BookLimits`](crate::book::BookLimits)), the sync buffer in deltas and
//!   levels, a [`StreamFeed`]'s keys in count. Past a cap, the feed resynchronises.
//! - **A task that panics is restarted.** Each feed task runs under a supervisor that catches
//!   a panic at the task's boundary, marks the feed unhealthy at once, and starts it again
//!   after a [`Backoff`] wait: never a dead task behind a healthy flag.

mod backoff;
pub mod binance;
mod binance_depth;
pub mod binance_futures;
pub mod bybit;
mod depth;
mod health;
mod link;
pub mod okx;
mod settings;
mod supervise;
mod typed;
mod watchdog;

pub use backoff::Backoff;
pub use binance_depth::BinanceDepth;
pub use depth::{
    BookMessage, BookStream, DepthFeed, DepthFeedBuilder, DepthFeedHandle, SnapshotError,
    SnapshotFuture,
};
pub use health::{FeedHealth, FeedPhase, HealthRecorder};
pub use settings::FeedBuildError;
pub use typed::{Keyed, StreamFeed, StreamFeedBuilder, StreamFeedHandle};
pub use watchdog::{SilenceWatchdog, Watch};
