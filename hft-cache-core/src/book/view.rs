//! [`BookView`]: what readers see of a synchronised book.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::order_book::{OrderBook, Side};
use hft_cache_macros::Streamed;

/// One price level.
#[derive(Streamed, Debug, Clone, Copy, PartialEq, Eq)]
#[hft(crate = "crate")]
pub struct Level {
    /// The price.
    pub price: Decimal,
    /// The total quantity at that price.
    pub qty: Decimal,
}

/// The top levels of a book synchronised from a stream, as of one update id.
///
/// A feed publishes one into a [`StreamCache`](crate::StreamCache) after every applied event;
/// readers get it only while it is fresh and the feed healthy.
#[derive(Streamed, Debug, Clone, PartialEq, Eq)]
#[hft(crate = "crate")]
pub struct BookView {
    /// The symbol (shared: a feed publishes a view per event, and a symbol never changes).
    pub symbol: Arc<str>,
    /// The update id the book is current to.
    pub last_update_id: u64,
    /// Best bids, highest first.
    pub bids: Vec<Level>,
    /// Best asks, lowest first.
    pub asks: Vec<Level>,
}

impl BookView {
    /// The top `depth` levels of `book`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hft_cache::book::{BookView, OrderBook, Side};
    /// use rust_decimal_macros::dec;
    ///
    /// let mut book = OrderBook::new();
    /// book.apply(Side::Bid, dec!(99), dec!(1))?;
    /// book.apply(Side::Bid, dec!(98), dec!(2))?;
    /// book.apply(Side::Ask, dec!(101), dec!(3))?;
    /// let symbol: Arc<str> = "BTCUSDT".into();
    /// let view = BookView::of(Arc::clone(&symbol), 42, &book, 1);
    /// assert_eq!((view.bids.len(), view.mid()), (1, Some(dec!(100))));
    /// # Ok::<(), hft_cache::book::BookError>(())
    /// ```
    pub fn of(symbol: Arc<str>, last_update_id: u64, book: &OrderBook, depth: usize) -> Self {
        let levels = |side| {
            let mut out = Vec::with_capacity(depth.min(book.depth(side)));
            book.top_into(side, depth, &mut out);
            out
        };
        BookView {
            symbol,
            last_update_id,
            bids: levels(Side::Bid),
            asks: levels(Side::Ask),
        }
    }

    /// The highest bid.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.first().copied()
    }

    /// The lowest ask.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.first().copied()
    }

    /// The mid price (`None` also where the sum would not fit a `Decimal`: no panic on any
    /// price a venue sends).
    pub fn mid(&self) -> Option<Decimal> {
        let sum = self.best_bid()?.price.checked_add(self.best_ask()?.price)?;
        sum.checked_div(Decimal::TWO)
    }

    /// Best ask minus best bid (`None` also where the difference would not fit a `Decimal`).
    pub fn spread(&self) -> Option<Decimal> {
        self.best_ask()?.price.checked_sub(self.best_bid()?.price)
    }
}
