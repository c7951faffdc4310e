//! [`OrderBook`]: an L2 book.

use std::fmt;

use rust_decimal::Decimal;

use super::view::Level;

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
    /// A price the book cannot key exactly: more than 18 decimal places, or above about
    /// 3.4 × 10²⁰.
    #[error("unsupported price {price} on the {side:?} side: more than 18 decimals or too large")]
    UnsupportedPrice {
        /// The side.
        side: Side,
        /// The price received.
        price: Decimal,
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
///
/// Each side is a sorted array of fixed-point price keys (exact: prices keep up to 18 decimal
/// places) with the best level last, so updates near the top move little memory and the top
/// levels are one contiguous read. A removed level inside the book is left as an empty slot
/// until a few accumulate (a level that empties is often refilled soon); the best level is
/// never an empty slot. Prices keep the scale they arrived with (`"0.10"` stays `0.10`), which
/// checksums over the exchange's strings rely on.
#[derive(Clone, Default)]
pub struct OrderBook {
    bids: Ladder,
    asks: Ladder,
}

/// Empty slots a side keeps before compacting: bounds the slots a top-of-book read skips.
const MAX_EMPTY: usize = 32;

/// 10^n for n in 0..=18.
const POW10: [u128; 19] = {
    let mut table = [1u128; 19];
    let mut i = 1;
    while i < 19 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The decimal places of a price key.
const KEY_SCALE: u32 = 18;

/// `price` as an integer number of 10⁻¹⁸ units, exact, so comparing keys compares prices.
#[inline]
fn price_key(price: Decimal) -> Option<u128> {
    let mantissa = u128::try_from(price.mantissa()).ok()?;
    let scale = price.scale();
    if scale <= KEY_SCALE {
        let factor = POW10[(KEY_SCALE - scale) as usize];
        match u64::try_from(mantissa) {
            // 64 × 64 bits cannot overflow 128: the usual case, without a 128-bit overflow check.
            Ok(small) => Some(u128::from(small) * factor),
            Err(_) => mantissa.checked_mul(factor),
        }
    } else {
        // Trailing zeros beyond 18 places are harmless; real digits there are not.
        let normal = price.normalize();
        if normal.scale() > KEY_SCALE {
            return None;
        }
        price_key(normal)
    }
}

/// One side: `keys` ascending with the best level last (bids store the key, asks its
/// complement), `levels` the matching (price, quantity); quantity zero marks an empty slot.
#[derive(Clone, Default)]
struct Ladder {
    keys: Vec<u128>,
    levels: Vec<Level>,
    empty: usize,
}

impl Ladder {
    #[inline]
    fn set(&mut self, key: u128, price: Decimal, qty: Decimal) {
        match self.keys.binary_search(&key) {
            Ok(i) => {
                let slot = &mut self.levels[i];
                if qty.is_zero() {
                    if !slot.qty.is_zero() {
                        self.remove_at(i);
                    }
                } else {
                    if slot.qty.is_zero() {
                        self.empty -= 1;
                    }
                    *slot = Level { price, qty };
                }
            }
            Err(_) if qty.is_zero() => {}
            Err(i) => self.insert_at(i, key, price, qty),
        }
    }

    #[inline]
    fn remove_at(&mut self, i: usize) {
        if i + 1 == self.keys.len() {
            self.keys.pop();
            self.levels.pop();
            // Keep the best level a real one.
            while self.levels.last().is_some_and(|l| l.qty.is_zero()) {
                self.keys.pop();
                self.levels.pop();
                self.empty -= 1;
            }
        } else {
            self.levels[i].qty = Decimal::ZERO;
            self.empty += 1;
            if self.empty > MAX_EMPTY {
                self.compact();
            }
        }
    }

    #[inline]
    fn insert_at(&mut self, i: usize, key: u128, price: Decimal, qty: Decimal) {
        // An empty neighbour can take the key without moving anything: order is kept because
        // the key lies between the neighbours' keys.
        let level = Level { price, qty };
        if i > 0 && self.levels[i - 1].qty.is_zero() {
            self.keys[i - 1] = key;
            self.levels[i - 1] = level;
            self.empty -= 1;
        } else if i < self.keys.len() && self.levels[i].qty.is_zero() {
            self.keys[i] = key;
            self.levels[i] = level;
            self.empty -= 1;
        } else {
            self.keys.insert(i, key);
            self.levels.insert(i, level);
        }
    }

    fn compact(&mut self) {
        let mut kept = 0;
        for i in 0..self.keys.len() {
            if !self.levels[i].qty.is_zero() {
                self.keys[kept] = self.keys[i];
                self.levels[kept] = self.levels[i];
                kept += 1;
            }
        }
        self.keys.truncate(kept);
        self.levels.truncate(kept);
        self.empty = 0;
    }

    #[inline]
    fn best(&self) -> Option<(Decimal, Decimal)> {
        self.levels.last().map(|l| (l.price, l.qty))
    }

    #[inline]
    fn iter(&self) -> impl Iterator<Item = (Decimal, Decimal)> + '_ {
        self.levels
            .iter()
            .rev()
            .filter(|l| !l.qty.is_zero())
            .map(|l| (l.price, l.qty))
    }

    /// Appends the best `n` levels to `out`, best first.
    #[inline]
    fn top_into(&self, n: usize, out: &mut Vec<Level>) {
        // Where the best `n` real levels start: usually exactly `n` slots from the top, and
        // then they are copied as one block.
        let mut start = self.levels.len();
        let mut found = 0;
        while found < n && start > 0 {
            start -= 1;
            found += usize::from(!self.levels[start].qty.is_zero());
        }
        let top = &self.levels[start..];
        if top.len() == found {
            out.extend(top.iter().rev().copied());
        } else {
            out.extend(top.iter().rev().filter(|l| !l.qty.is_zero()).copied());
        }
    }

    fn len(&self) -> usize {
        self.levels.len() - self.empty
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.levels.clear();
        self.empty = 0;
    }
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
    /// [`BookError::NegativeQuantity`], [`BookError::NonPositivePrice`] or
    /// [`BookError::UnsupportedPrice`]; the book is unchanged.
    #[inline]
    pub fn apply(&mut self, side: Side, price: Decimal, qty: Decimal) -> Result<(), BookError> {
        if qty.is_sign_negative() && !qty.is_zero() {
            return Err(BookError::NegativeQuantity { side, price, qty });
        }
        if price.is_sign_negative() || price.is_zero() {
            return Err(BookError::NonPositivePrice { side, price });
        }
        let key = price_key(price).ok_or(BookError::UnsupportedPrice { side, price })?;
        match side {
            Side::Bid => self.bids.set(key, price, qty),
            Side::Ask => self.asks.set(!key, price, qty),
        }
        Ok(())
    }

    /// The highest bid: (price, quantity).
    #[inline]
    pub fn best_bid(&self) -> Option<(Decimal, Decimal)> {
        self.bids.best()
    }

    /// The lowest ask: (price, quantity).
    #[inline]
    pub fn best_ask(&self) -> Option<(Decimal, Decimal)> {
        self.asks.best()
    }

    /// A side's levels, best first: (price, quantity).
    #[inline]
    pub fn levels(&self, side: Side) -> impl Iterator<Item = (Decimal, Decimal)> + '_ {
        match side {
            Side::Bid => self.bids.iter(),
            Side::Ask => self.asks.iter(),
        }
    }

    /// The best `n` levels of a side, best first.
    pub fn top(&self, side: Side, n: usize) -> Vec<(Decimal, Decimal)> {
        self.levels(side).take(n).collect()
    }

    /// Appends the best `n` levels of a side to `out`, best first: the copy a
    /// [`BookView`](super::BookView) is made of.
    #[inline]
    pub(crate) fn top_into(&self, side: Side, n: usize, out: &mut Vec<Level>) {
        match side {
            Side::Bid => self.bids.top_into(n, out),
            Side::Ask => self.asks.top_into(n, out),
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
        self.bids.len() == 0 && self.asks.len() == 0
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

impl PartialEq for OrderBook {
    /// Books are equal when they hold the same levels, whatever their empty slots.
    fn eq(&self, other: &Self) -> bool {
        [Side::Bid, Side::Ask]
            .into_iter()
            .all(|side| self.levels(side).eq(other.levels(side)))
    }
}

impl Eq for OrderBook {}

impl fmt::Debug for OrderBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Levels<'a>(&'a OrderBook, Side);
        impl fmt::Debug for Levels<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.levels(self.1)).finish()
            }
        }
        f.debug_struct("OrderBook")
            .field("bids", &Levels(self, Side::Bid))
            .field("asks", &Levels(self, Side::Ask))
            .finish()
    }
}

crate::class::declare_class!(Plain for Side);
crate::class::declare_class!(Plain for BookError);
crate::class::declare_class!(Streamed for OrderBook);

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn keys_order_prices_of_any_scale() {
        let prices = [
            dec!(0.000000000000000001),
            dec!(0.1),
            dec!(0.10),
            dec!(1),
            dec!(99.99),
            dec!(100),
            dec!(60000.01),
        ];
        for w in prices.windows(2) {
            assert!(price_key(w[0]) <= price_key(w[1]), "{w:?}");
            assert_eq!(w[0] == w[1], price_key(w[0]) == price_key(w[1]), "{w:?}");
        }
        assert_eq!(price_key(dec!(1.0000000000000000000)), price_key(dec!(1)));
        assert_eq!(price_key(dec!(0.0000000000000000001)), None);
        assert_eq!(price_key(Decimal::MAX), None);
    }

    #[test]
    fn empty_slots_are_reused_skipped_and_compacted() {
        let mut book = OrderBook::new();
        for i in 1..=100i64 {
            book.apply(Side::Bid, Decimal::new(1000 - i, 0), dec!(1))
                .unwrap();
        }
        // Remove every other level below the top: slots empty, then compacted.
        for i in (3..=100i64).step_by(2) {
            book.apply(Side::Bid, Decimal::new(1000 - i, 0), dec!(0))
                .unwrap();
        }
        assert_eq!(book.depth(Side::Bid), 51);
        assert!(book.bids.empty <= MAX_EMPTY);
        let prices: Vec<_> = book.levels(Side::Bid).map(|l| l.0).collect();
        assert_eq!(prices.len(), 51);
        assert!(prices.windows(2).all(|w| w[0] > w[1]));
        // Removing the best level exposes the next real one, never an empty slot.
        book.apply(Side::Bid, dec!(999), dec!(0)).unwrap();
        book.apply(Side::Bid, dec!(998), dec!(0)).unwrap();
        assert_eq!(book.best_bid(), Some((dec!(996), dec!(1))));
        // A level refilled between empty slots keeps the order.
        book.apply(Side::Bid, dec!(903), dec!(7)).unwrap();
        book.apply(Side::Bid, dec!(902.5), dec!(8)).unwrap();
        let prices: Vec<_> = book.levels(Side::Bid).map(|l| l.0).collect();
        assert!(prices.windows(2).all(|w| w[0] > w[1]), "{prices:?}");
        assert!(prices.contains(&dec!(902.5)) && prices.contains(&dec!(903)));
    }
}
