//! Orders only on proven-fresh decisions: decision receipts checked at send time, and
//! pre-trade controls that fail closed.
//!
//! Every read the crate serves can hand back a [`Receipt`]: a stream cache read
//! ([`StreamCache::read_with_receipt`](crate::StreamCache::read_with_receipt), or
//! [`StreamCache::quote`](crate::StreamCache::quote) for a book) proves when the value was
//! written, by which feed and in which of its health epochs; a static cache read
//! ([`StaticCache::read_with_receipt`](crate::StaticCache::read_with_receipt)) when the data set
//! was loaded; a [`Fresh`](crate::Fresh) value ([`Fresh::receipt`](crate::Fresh::receipt)) when
//! its request was sent. Each carries its max age. A [`Decision`] collects the receipts of an
//! order's inputs.
//!
//! With feature `venues`, a [`SignedClient`](crate::exchange::SignedClient) built with
//! [`pre_trade`](crate::exchange::SignedClientBuilder::pre_trade)`(`[`PreTrade`]`)` checks every
//! order placement after signing, at the instant before it is written: every receipt within its
//! max age (or a tighter budget) and every streamed input's feed healthy in the same epoch, then
//! the controls (price collar against the decision's book, the venue's trading rules from a
//! static cache, order and window limits, the message throttle, duplicates). A refusal is a
//! [`Refusal`] naming the rule, the value and the limit; nothing is sent. What the check cannot
//! verify it refuses: an order without a decision, a limit price without a fresh book, a symbol
//! without current trading rules.
//!
//! The receipts and the decision are part of the policy core; the check on the order path needs
//! the signed client (feature `venues`).

mod decision;

#[cfg(feature = "venues")]
mod check;
#[cfg(feature = "venues")]
mod controls;
#[cfg(feature = "venues")]
mod dec;
#[cfg(feature = "venues")]
mod rules;
#[cfg(feature = "venues")]
mod throttle;

pub use crate::receipt::{BookQuote, InputAge, InputKind, Receipt, Refusal, RefusalCounts, Rule};
pub use decision::Decision;

#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use check::{OrderKind, OrderSide, OrderTicket};
#[cfg(feature = "venues")]
pub(crate) use controls::Escalate;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use controls::{Escalation, Limits, PreTrade, PreTradeBuildError, PreTradeBuilder};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use rules::{LotRule, NotionalRule, PriceRule, TradingRules};
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub use throttle::Throttle;
