//! [`Decision`]: the receipts of the inputs an order was decided on, and the book it was priced
//! against.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{InputKind, Receipt, Refusal};
use crate::book::Level;
use crate::clock::Timestamp;
use crate::fresh::Fresh;
use crate::policy::Live;
use crate::report_format::duration_ms;

tokio::task_local! {
    static DECISION: Arc<Decision>;
}

/// The top of one symbol's book as a [`StreamCache::quote`](crate::StreamCache::quote) read it,
/// with the read's [`Receipt`]: the reference a [`Decision`]'s price collar uses.
#[derive(Debug, Clone)]
pub struct BookQuote {
    symbol: Arc<str>,
    bid: Option<Level>,
    ask: Option<Level>,
    receipt: Receipt,
}

impl BookQuote {
    pub(crate) fn new(bid: Option<Level>, ask: Option<Level>, receipt: Receipt) -> Self {
        let symbol = Arc::from(receipt.key().unwrap_or_default());
        BookQuote {
            symbol,
            bid,
            ask,
            receipt,
        }
    }

    /// The symbol (the key the book was read under).
    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// The best bid when the book was written.
    pub fn bid(&self) -> Option<Level> {
        self.bid
    }

    /// The best ask when the book was written.
    pub fn ask(&self) -> Option<Level> {
        self.ask
    }

    /// The receipt of the read.
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }
}

/// The inputs an order was decided on, each with the [`Receipt`] of its read, checked again
/// when the order is sent.
///
/// A signed client built with [`pre_trade`](crate::exchange::SignedClientBuilder::pre_trade)
/// refuses an order placement, after signing and right before it is written, unless every
/// receipt is still within its max age (or the tighter [`budget`](Self::budget), or the
/// client's) and every streamed input's feed is healthy in the epoch it was read in. The
/// [`book`](Self::book) is what the price collar and the notional checks price the order
/// against. Attach a decision to the orders a future places with [`scope`](Self::scope), or
/// pass it to [`SignedClient::signed_decided`](crate::exchange::SignedClient::signed_decided).
///
/// ```
/// use std::time::Duration;
/// use hft_cache::StreamCache;
/// use hft_cache::book::{BookView, Level};
/// use hft_cache::clock::{Clock, ManualClock};
/// use hft_cache::pre_trade::{Decision, Rule};
/// use rust_decimal_macros::dec;
///
/// let clock = ManualClock::new();
/// let books = StreamCache::<String, BookView>::builder().clock(clock.shared()).build().unwrap();
/// let feed = books.custom_transport_writer("fix");
/// let level = |price, qty| Level { price, qty };
/// feed.publish("BTCUSDT".into(), BookView {
///     symbol: "BTCUSDT".into(),
///     last_update_id: 1,
///     bids: vec![level(dec!(99), dec!(1))],
///     asks: vec![level(dec!(101), dec!(1))],
/// });
///
/// let decision = Decision::new().book(books.quote("BTCUSDT").unwrap());
/// assert!(decision.check_inputs(clock.now(), None).is_ok());
/// clock.advance(Duration::from_secs(6)); // past the book's 5 s max age
/// let refusal = decision.check_inputs(clock.now(), None).unwrap_err();
/// assert_eq!(refusal.rule(), Rule::InputExpired);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decision {
    inputs: Vec<Receipt>,
    book: Option<BookQuote>,
    open_orders: Option<(Arc<str>, u32)>,
    budget: Option<Duration>,
    intentional_duplicate: bool,
}

impl Decision {
    /// A decision with no inputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an input by its receipt (a stream or static cache read's).
    #[must_use]
    pub fn input(mut self, receipt: Receipt) -> Self {
        self.inputs.push(receipt);
        self
    }

    /// Adds a [`Fresh`] value (a balance, a position) as an input.
    #[must_use]
    pub fn fresh<T: Live>(self, value: &Fresh<T>) -> Self {
        self.input(value.receipt())
    }

    /// The book the order is priced against (its receipt is an input too): the price collar
    /// compares the limit price with it, and market orders are valued at its best price.
    #[must_use]
    pub fn book(mut self, quote: BookQuote) -> Self {
        self.inputs.push(quote.receipt.clone());
        self.book = Some(quote);
        self
    }

    /// How many orders `symbol` has open, from a fresh open-orders answer (its receipt is an
    /// input too), for the venue's maximum of open orders.
    #[cfg(feature = "venues")]
    #[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
    #[must_use]
    pub fn open_orders<T>(mut self, symbol: &str, orders: &Fresh<T>) -> Self
    where
        T: Live + crate::exchange::ListsOrders,
    {
        let count = orders.read().map_or(u32::MAX, |open| {
            let n = open.orders().iter().filter(|o| o.symbol == symbol).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        });
        self.inputs.push(orders.receipt());
        self.open_orders = Some((Arc::from(symbol), count));
        self
    }

    /// A tighter limit than the inputs' own max ages: every input must be at most this old
    /// when the order is sent.
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Marks the order as meant to repeat one sent within the duplicate window (the same
    /// symbol, side, price and quantity), so that the duplicate check lets it through.
    #[must_use]
    pub fn intentional_duplicate(mut self) -> Self {
        self.intentional_duplicate = true;
        self
    }

    /// The inputs' receipts, the book's included.
    pub fn inputs(&self) -> &[Receipt] {
        &self.inputs
    }

    /// The book, if the decision has one.
    pub fn quote(&self) -> Option<&BookQuote> {
        self.book.as_ref()
    }

    /// The open-order count of a symbol, if the decision has one.
    pub fn open_order_count(&self, symbol: &str) -> Option<u32> {
        self.open_orders
            .as_ref()
            .filter(|(s, _)| &**s == symbol)
            .map(|(_, n)| *n)
    }

    /// The decision's own budget, if set.
    pub fn decision_budget(&self) -> Option<Duration> {
        self.budget
    }

    /// Whether the order is marked as an intentional duplicate.
    pub fn is_intentional_duplicate(&self) -> bool {
        self.intentional_duplicate
    }

    /// Checks every input at `now` (on the clock the inputs were stamped by): within its max
    /// age, the decision's budget and `budget`, and, if streamed, its feed healthy in the epoch
    /// it was read in. The signed client runs this right before the order is written.
    ///
    /// # Errors
    ///
    /// [`Refusal::InputExpired`] or [`Refusal::FeedBroken`] for the first input that fails.
    #[inline]
    pub fn check_inputs(&self, now: Timestamp, budget: Option<Duration>) -> Result<(), Refusal> {
        let budget = match (self.budget, budget) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for receipt in &self.inputs {
            let limit = budget.map_or(receipt.max_age(), |b| b.min(receipt.max_age()));
            let age = receipt.age_at(now);
            if age > limit {
                return Err(expired(receipt, age, limit));
            }
            if let Some((feed, epoch, healthy)) = receipt.feed_now() {
                return Err(Refusal::FeedBroken {
                    input: receipt.source().to_owned(),
                    key: receipt.key().map(str::to_owned),
                    feed: feed.to_owned(),
                    read_epoch: receipt.epoch().unwrap_or_default(),
                    epoch,
                    healthy,
                });
            }
        }
        Ok(())
    }

    /// Each input's age at `now`, as the journal records it.
    pub fn measured(&self, now: Timestamp) -> Vec<InputAge> {
        self.inputs
            .iter()
            .map(|receipt| InputAge {
                kind: receipt.kind(),
                source: receipt.source().to_owned(),
                key: receipt.key().map(str::to_owned),
                age: receipt.age_at(now),
                max_age: receipt.max_age(),
            })
            .collect()
    }

    /// Runs `future` with this decision attached to every order it places through a signed
    /// client (that is not given a decision explicitly).
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        DECISION.scope(Arc::new(self), future).await
    }

    /// The decision attached to the current task, if any.
    // The signed client's order path (feature `venues`).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn current() -> Option<Arc<Decision>> {
        DECISION.try_with(Arc::clone).ok()
    }
}

#[cold]
fn expired(receipt: &Receipt, age: Duration, limit: Duration) -> Refusal {
    Refusal::InputExpired {
        kind: receipt.kind(),
        input: receipt.source().to_owned(),
        key: receipt.key().map(str::to_owned),
        age,
        limit,
    }
}

/// How old one input of an order's decision was when the order was sent (or refused), as the
/// crate measured it from the input's receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputAge {
    /// The kind of input.
    pub kind: InputKind,
    /// The cache (or live type) it was read from.
    pub source: String,
    /// The key read, for a cache read.
    pub key: Option<String>,
    /// Its age at send time.
    #[serde(rename = "age_ms", with = "duration_ms")]
    pub age: Duration,
    /// Its max age.
    #[serde(rename = "max_age_ms", with = "duration_ms")]
    pub max_age: Duration,
}

crate::class::declare_class!(Plain for BookQuote);
crate::class::declare_class!(Plain for Decision);
crate::class::declare_class!(Plain for InputAge);
