//! [`Decision`]: the receipts of the inputs an order was decided on, and the book it was priced
//! against.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Timestamp;
use crate::fresh::Fresh;
use crate::policy::Live;
use crate::receipt::{BookQuote, InputAge, Receipt, Refusal};

tokio::task_local! {
    static DECISION: Arc<Decision>;
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
        self.inputs.push(quote.receipt().clone());
        self.book = Some(quote);
        self
    }

    /// What [`open_orders`](Self::open_orders) (with the venues, in `exchange`) sets: `count`
    /// orders of `symbol` open, from the answer whose receipt is `receipt`.
    #[cfg(feature = "venues")]
    #[must_use]
    pub(crate) fn with_open_orders(mut self, symbol: &str, count: u32, receipt: Receipt) -> Self {
        self.inputs.push(receipt);
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

crate::class::declare_class!(Plain for Decision);
