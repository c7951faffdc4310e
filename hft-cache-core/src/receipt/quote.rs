//! [`BookQuote`] and [`InputAge`]: the book a decision was priced against, and how old one of
//! its inputs was when the order was sent.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{InputKind, Receipt};
use crate::book::Level;
use crate::report_format::duration_ms;

/// The top of one symbol's book as a [`StreamCache::quote`](crate::StreamCache::quote) read it,
/// with the read's [`Receipt`]: the reference a [`Decision`](crate::pre_trade::Decision)'s price
/// collar uses.
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
crate::class::declare_class!(Plain for InputAge);
