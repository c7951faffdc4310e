//! [`DecisionInputs`]: how old the data was that an order was decided on.

use std::future::Future;
use std::time::Duration;

use serde::Serialize;

use crate::fresh::Fresh;
use crate::policy::Live;
use crate::report_format::opt_duration_ms;

tokio::task_local! {
    static DECIDED_ON: DecisionInputs;
}

/// The ages of the data an order was decided on: the book (a stream cache's
/// [`age`](crate::StreamCache::age)), the trading rules (a static cache's
/// [`age`](crate::StaticCache::age)) and the balance (a [`Fresh::age`]).
///
/// Attach them to the orders a future places with [`scope`](DecisionInputs::scope); the
/// [`OrderJournal`](super::OrderJournal) records them with each order, so an assessment can tell
/// which orders were decided on data near its max age.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::journal::DecisionInputs;
///
/// let inputs = DecisionInputs::new()
///     .book_age(Duration::from_millis(30))
///     .rules_age(None); // the rules cache had nothing loaded
/// assert_eq!(inputs.book_age, Some(Duration::from_millis(30)));
/// assert_eq!(inputs.oldest(), Some(Duration::from_millis(30)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecisionInputs {
    /// How old the order book was.
    #[serde(rename = "book_age_ms", with = "opt_duration_ms")]
    pub book_age: Option<Duration>,
    /// How old the trading rules were.
    #[serde(rename = "rules_age_ms", with = "opt_duration_ms")]
    pub rules_age: Option<Duration>,
    /// How old the balance was.
    #[serde(rename = "balance_age_ms", with = "opt_duration_ms")]
    pub balance_age: Option<Duration>,
}

impl DecisionInputs {
    /// No ages known.
    pub fn new() -> Self {
        Self::default()
    }

    /// The book's age, e.g. `books.age(symbol)`.
    pub fn book_age(mut self, age: impl Into<Option<Duration>>) -> Self {
        self.book_age = age.into();
        self
    }

    /// The trading rules' age, e.g. `rules.age()`.
    pub fn rules_age(mut self, age: impl Into<Option<Duration>>) -> Self {
        self.rules_age = age.into();
        self
    }

    /// The balance's age, taken from the `Fresh` it was read from.
    pub fn balance<T: Live>(mut self, balance: &Fresh<T>) -> Self {
        self.balance_age = Some(balance.age());
        self
    }

    /// The balance's age, when the `Fresh` is not at hand.
    pub fn balance_age(mut self, age: impl Into<Option<Duration>>) -> Self {
        self.balance_age = age.into();
        self
    }

    /// The oldest of the known ages.
    pub fn oldest(&self) -> Option<Duration> {
        [self.book_age, self.rules_age, self.balance_age]
            .into_iter()
            .flatten()
            .max()
    }

    /// Runs `future` with these inputs attached to every order it places through a
    /// [`SignedClient`](crate::exchange::SignedClient) that has a journal.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        DECIDED_ON.scope(self, future).await
    }

    /// The inputs attached to the current task, if any.
    pub(crate) fn current() -> Option<Self> {
        DECIDED_ON.try_with(|inputs| *inputs).ok()
    }
}

crate::class::declare_class!(Plain for DecisionInputs);
