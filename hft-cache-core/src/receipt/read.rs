//! [`Receipt`]: what a read proves about the data it served, checked again when an order is sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Timestamp;

/// Proof of one read the crate served: which input, when its data was written (a stream),
/// loaded (a static data set) or requested (a [`Fresh`](crate::Fresh) value), how long it may
/// be used, and, for streamed data, which feed wrote it and in which health epoch.
///
/// Only the crate makes receipts: [`StreamCache::read_with_receipt`](crate::StreamCache::read_with_receipt),
/// [`StreamCache::quote`](crate::StreamCache::quote),
/// [`StaticCache::read_with_receipt`](crate::StaticCache::read_with_receipt) and
/// [`Fresh::receipt`](crate::Fresh::receipt). It has no public constructor and no
/// `Deserialize`, and cloning one proves nothing new: a receipt only ever shows an older age.
/// A [`Decision`](crate::pre_trade::Decision) carries the receipts of the inputs an order was decided on;
/// a signed client with [`pre_trade`](crate::exchange::SignedClientBuilder::pre_trade) checks
/// them again at the instant the order is sent.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::{StreamCache, Streamed};
/// use hft_cache::clock::{Clock, ManualClock};
/// use hft_cache::pre_trade::InputKind;
///
/// #[derive(Streamed)]
/// struct Ticker { bid: u64 }
///
/// let clock = ManualClock::new();
/// let tickers = StreamCache::<String, Ticker>::builder().clock(clock.shared()).build().unwrap();
/// let feed = tickers.custom_transport_writer("fix");
/// feed.publish("BTCUSDT".into(), Ticker { bid: 100 });
///
/// let (bid, receipt) = tickers.read_with_receipt("BTCUSDT", |t| t.bid).unwrap();
/// assert_eq!((bid, receipt.kind()), (100, InputKind::Stream));
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(receipt.age_at(clock.now()), Duration::from_secs(1));
/// assert!(receipt.feed_current());
/// feed.mark_unhealthy(hft_cache::stream_cache::FeedFault::Disconnected);
/// feed.mark_healthy();
/// assert!(!receipt.feed_current(), "the feed broke after the read");
/// ```
#[derive(Clone)]
pub struct Receipt {
    source: Source,
    /// Which value: the key of a cache read; empty for a `Fresh` value.
    key: Option<Arc<str>>,
    at: Timestamp,
    max_age: Duration,
    /// The feed that wrote a streamed value, and its epoch at the read.
    feed: Option<(Arc<dyn FeedProbe>, u64)>,
}

/// What a receipt never does, as a bound no type meets, so that trying it fails with the
/// policy's reason instead of "the trait `Deserialize` is not implemented" (as `Fresh<T>`'s).
mod never {
    #[diagnostic::on_unimplemented(
        message = "a `Receipt` is never deserialized: only the crate makes one, from a read it served",
        label = "forging a receipt",
        note = "take it from the read itself: `read_with_receipt` on a cache, `quote` on a book cache, `receipt()` on a `Fresh<T>`"
    )]
    pub trait Deserialized {}
}

// The bound is on `&'de Receipt`, so that it names `'de` and is checked where it is used (a
// bound on `Receipt` alone would be refused here, and would not carry the message).
impl<'de> serde::Deserialize<'de> for Receipt
where
    &'de Receipt: never::Deserialized,
{
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        unreachable!("no type implements `never::Deserialized`")
    }
}

/// What a receipt needs of the feed that wrote a streamed value, to check at send time that the
/// feed is still healthy in the epoch of the read: the stream cache's feed state implements it.
pub(crate) trait FeedProbe: Send + Sync {
    /// The feed's name.
    fn name(&self) -> &str;
    /// The feed's health word: bit 0 set while unhealthy, the bits above it the epoch.
    fn health_word(&self) -> u64;
}

/// What a receipt's input was read from.
#[derive(Clone)]
enum Source {
    Cache(Arc<str>),
    Fresh(&'static str),
}

/// The kind of read a [`Receipt`] proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputKind {
    /// A value a stream feed wrote into a [`StreamCache`](crate::StreamCache).
    Stream,
    /// A value of a [`StaticCache`](crate::StaticCache) data set.
    Static,
    /// A [`Fresh`](crate::Fresh) value from a request the crate sent.
    Fresh,
}

impl InputKind {
    /// `stream`, `static` or `fresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Stream => "stream",
            InputKind::Static => "static",
            InputKind::Fresh => "fresh",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Receipt {
    pub(crate) fn stream(
        cache: &Arc<str>,
        key: Arc<str>,
        written_at: Timestamp,
        max_age: Duration,
        feed: Arc<dyn FeedProbe>,
        epoch: u64,
    ) -> Self {
        Receipt {
            source: Source::Cache(Arc::clone(cache)),
            key: Some(key),
            at: written_at,
            max_age,
            feed: Some((feed, epoch)),
        }
    }

    pub(crate) fn static_data(
        cache: &Arc<str>,
        key: Arc<str>,
        loaded_at: Timestamp,
        max_age: Duration,
    ) -> Self {
        Receipt {
            source: Source::Cache(Arc::clone(cache)),
            key: Some(key),
            at: loaded_at,
            max_age,
            feed: None,
        }
    }

    pub(crate) fn fresh(type_name: &'static str, sent_at: Timestamp, max_age: Duration) -> Self {
        Receipt {
            source: Source::Fresh(type_name),
            key: None,
            at: sent_at,
            max_age,
            feed: None,
        }
    }

    /// What kind of read this was.
    pub fn kind(&self) -> InputKind {
        match (&self.source, &self.feed) {
            (Source::Fresh(_), _) => InputKind::Fresh,
            (Source::Cache(_), Some(_)) => InputKind::Stream,
            (Source::Cache(_), None) => InputKind::Static,
        }
    }

    /// The cache's name, or the live type's name for a `Fresh` value.
    pub fn source(&self) -> &str {
        match &self.source {
            Source::Cache(name) => name,
            Source::Fresh(type_name) => type_name,
        }
    }

    /// The key that was read, for a cache read.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// When the data was written (stream), loaded (static) or requested (`Fresh`), on the
    /// clock of what served it.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// How long after [`at`](Self::at) the data may be used.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// How old the data is at `now`.
    #[inline]
    pub fn age_at(&self, now: Timestamp) -> Duration {
        now.saturating_since(self.at)
    }

    /// The health epoch of the feed that wrote a streamed value, as it was at the read.
    pub fn epoch(&self) -> Option<u64> {
        self.feed.as_ref().map(|(_, epoch)| *epoch)
    }

    /// For a streamed value: whether the feed that wrote it is healthy now and has not broken
    /// since the read (its epoch has not moved). Always `true` for other reads.
    #[inline]
    pub fn feed_current(&self) -> bool {
        self.feed_now().is_none()
    }

    /// `None` if the feed is current (or there is none); else the feed's name and the epoch it
    /// is in now, with whether it is healthy.
    #[inline]
    pub(crate) fn feed_now(&self) -> Option<(&str, u64, bool)> {
        let (feed, epoch) = self.feed.as_ref()?;
        let word = feed.health_word();
        let (healthy, now) = (word & 1 == 0, word >> 1);
        if healthy && now == *epoch {
            None
        } else {
            Some((feed.name(), now, healthy))
        }
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("kind", &self.kind())
            .field("source", &self.source())
            .field("key", &self.key())
            .field("at", &self.at)
            .field("max_age", &self.max_age)
            .field("epoch", &self.epoch())
            .finish()
    }
}

crate::class::declare_class!(Plain for Receipt);
crate::class::declare_class!(owned Plain for InputKind);
