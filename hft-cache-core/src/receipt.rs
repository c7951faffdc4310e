//! The vocabulary of the pre-trade check that the reads themselves hand out: a read's
//! [`Receipt`], a [`BookQuote`], an [`InputAge`], and a [`Refusal`] with its [`Rule`] and
//! counts. Below the caches, `Fresh`, the monitor and the journal, which all name it; the
//! public paths are those `pre_trade` re-exports.

mod quote;
mod read;
mod refusal;

pub use quote::{BookQuote, InputAge};
pub(crate) use read::FeedProbe;
pub use read::{InputKind, Receipt};
pub(crate) use refusal::RefusalTally;
pub use refusal::{Refusal, RefusalCounts, Rule};
