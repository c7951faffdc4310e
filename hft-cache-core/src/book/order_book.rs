//! [`OrderBook`]: an L2 book.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// A side of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Side {
    /// Buy orders.
    Bid,
    /// Sell orders.
    Ask,
}

/// An update the book refuses: the book is then unusable until it is rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BookError {
    /// A level with a negative quantity.
    #[error("negative quantity {qty} at {side:?} {price}")]
    NegativeQuantity {
        /// The side.
        side: Side,
        /// The level's price.
        price: Decimal,
        /// The quantity received.
        qty: Decimal,
    },
    /// A level with a price of zero or below.
    #[error("non-positive price {price} on the {side:?} side")]
    NonPositivePrice {
        /// The side.
        side: Side,
        /// The price received.
        price: Decimal,
    },
    /// The best bid is at or above the best ask.
    #[error("crossed book: best bid {bid} >= best ask {ask}")]
    Crossed {
        /// The best bid.
        bid: Decimal,
        /// The best ask.
        ask: Decimal,
    },
}

/// A level-2 order book: the total quantity at each price, per side.
///
/// ```
/// use hft_cache::book::{OrderBook, Side};
/// use rust_decimal_macros::dec;
///
/// let mut book = OrderBook::new();
/// book.apply(Side::Bid, dec!(100.0), dec!(2))?;
/// book.apply(Side::Ask, dec!(100.5), dec!(1))?;
/// book.apply(Side::Bid, dec!(99.5), dec!(3))?;
/// assert_eq!(book.best_bid(), Some((dec!(100.0), dec!(2))));
/// book.apply(Side::Bid, dec!(100.0), dec!(0))?; // quantity 0 removes the level
/// assert_eq!(book.best_bid(), Some((dec!(99.5), dec!(3))));
/// book.validate()?;
/// # Ok::<(), hft_cache::book::BookError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderBook {
    /// Highest price first.
    bids: BTreeMap<Reverse<Decimal>, Decimal>,
    /// Lowest price first.
    asks: BTreeMap<Decimal, Decimal>,
}

impl OrderBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the quantity at `price` on `side`; a quantity of zero removes the level.
    ///
    /// # Errors
    ///
    /// [`BookError::NegativeQuantity`] or [`BookError::NonPositivePrice`]; the book is unchanged.
    #[inline]
    pub fn apply(&mut self, side: Side, price: Decimal, qty: Decimal) -> Result<(), BookError> {
        if qty.is_sign_negative() && !qty.is_zero() {
            return Err(BookError::NegativeQuantity { side, price, qty });
        }
        if price <= Decimal::ZERO {
            return Err(BookError::NonPositivePrice { side, price });
        }
        match (side, qty.is_zero()) {
            (Side::Bid, true) => {
                self.bids.remove(&Reverse(price));
            }
            (Side::Bid, false) => {
                self.bids.insert(Reverse(price), qty);
            }
            (Side::Ask, true) => {
                self.asks.remove(&price);
            }
            (Side::Ask, false) => {
                self.asks.insert(price, qty);
            }
        }
        Ok(())
    }

    /// The highest bid: (price, quantity).
    #[inline]
    pub fn best_bid(&self) -> Option<(Decimal, Decimal)> {
        self.bids.iter().next().map(|(p, q)| (p.0, *q))
    }

    /// The lowest ask: (price, quantity).
    #[inline]
    pub fn best_ask(&self) -> Option<(Decimal, Decimal)> {
        self.asks.iter().next().map(|(p, q)| (*p, *q))
    }

    /// The best `n` levels of a side, best first.
    pub fn top(&self, side: Side, n: usize) -> Vec<(Decimal, Decimal)> {
        match side {
            Side::Bid => self.bids.iter().take(n).map(|(p, q)| (p.0, *q)).collect(),
            Side::Ask => self.asks.iter().take(n).map(|(p, q)| (*p, *q)).collect(),
        }
    }

    /// How many levels a side has.
    pub fn depth(&self, side: Side) -> usize {
        match side {
            Side::Bid => self.bids.len(),
            Side::Ask => self.asks.len(),
        }
    }

    /// Whether both sides are empty.
    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }

    /// Removes every level.
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
    }

    /// Checks the book is not crossed.
    ///
    /// # Errors
    ///
    /// [`BookError::Crossed`] when the best bid is at or above the best ask.
    #[inline]
    pub fn validate(&self) -> Result<(), BookError> {
        match (self.best_bid(), self.best_ask()) {
            (Some((bid, _)), Some((ask, _))) if bid >= ask => Err(BookError::Crossed { bid, ask }),
            _ => Ok(()),
        }
    }
}
