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
    /// A price the book cannot key exactly: its count of the side's finest price increment
    /// (e.g. 10⁻⁸ when prices have 8 decimals) does not fit 64 bits (about 1.8 × 10¹⁹).
    #[error("unsupported price {price} on the {side:?} side: too large for its decimals")]
    UnsupportedPrice {
        /// The side.
        side: Side,
        /// The price received.
        price: Decimal,
    },
    /// A delta whose first update id is above its last + 1 (one above is an empty range, no
    /// update at all): ids that run backwards.
    #[error("update ids run backwards: first {first} above last {last}")]
    UpdateIdsBackwards {
        /// The delta's first update id.
        first: u64,
        /// The delta's last update id.
        last: u64,
    },
    /// An update id at `u64::MAX` with more to come: the next one cannot be numbered.
    #[error("update id {id} leaves no room for the next one")]
    UpdateIdOverflow {
        /// The book's update id.
        id: u64,
    },
    /// A message with more levels than [`BookLimits::max_levels_per_message`], or one that
    /// took a side past [`BookLimits::max_book_levels`].
    ///
    /// [`BookLimits::max_levels_per_message`]: super::BookLimits::max_levels_per_message
    /// [`BookLimits::max_book_levels`]: super::BookLimits::max_book_levels
    #[error("too many levels: {levels} past the cap of {cap}")]
    TooManyLevels {
        /// The levels the message carried, or the side would have held.
        levels: usize,
        /// The cap.
        cap: usize,
    },
    /// The deltas buffered while a snapshot is awaited reached
    /// [`BookLimits::max_buffered_deltas`] or [`BookLimits::max_buffered_levels`]: the buffer
    /// is emptied and the sync starts over.
    ///
    /// [`BookLimits::max_buffered_deltas`]: super::BookLimits::max_buffered_deltas
    /// [`BookLimits::max_buffered_levels`]: super::BookLimits::max_buffered_levels
    #[error("sync buffer full: {deltas} deltas, {levels} levels")]
    BufferFull {
        /// Deltas the buffer would have held.
        deltas: usize,
        /// Levels the buffer would have held.
        levels: usize,
    },
    /// A delta without the previous event's last update id (Binance USD-M's `pu`), given to
    /// a procedure that chains deltas by it ([`FuturesDepthSync`](super::FuturesDepthSync)):
    /// a spot stream on a futures feed, or a venue that dropped the field.
    #[error("delta up to update id {last} names no previous update id (`pu`)")]
    MissingPrevUpdateId {
        /// The delta's last update id.
        last: u64,
    },
}

/// Levels from which [`OrderBook::apply_all`] sorts and merges instead of inserting one by one.
const BULK_MIN: usize = 64;

/// Refuses a level no book may hold: a negative quantity, a price of zero or below.
#[inline]
fn check_level(side: Side, price: Decimal, qty: Decimal) -> Result<(), BookError> {
    if qty.is_sign_negative() && !qty.is_zero() {
        return Err(BookError::NegativeQuantity { side, price, qty });
    }
    if price.is_sign_negative() || price.is_zero() {
        return Err(BookError::NonPositivePrice { side, price });
    }
    Ok(())
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
/// Each side is a sorted array of exact fixed-point price keys (64-bit counts of the side's
/// finest price increment) with the best level last, so updates near the top move little memory and the top
/// levels are one contiguous read. A removed level inside the book is left as an empty slot
/// until a few accumulate (a level that empties is often refilled soon); the best level is
/// never an empty slot. Prices keep the scale they arrived with (`"0.10"` stays `0.10`), which
/// checksums over the exchange's strings rely on.
#[derive(Clone)]
pub struct OrderBook {
    bids: Ladder,
    asks: Ladder,
}

impl Default for OrderBook {
    fn default() -> Self {
        OrderBook {
            bids: Ladder::new(false),
            asks: Ladder::new(true),
        }
    }
}

/// Empty slots a side keeps before compacting: bounds the slots a top-of-book read skips.
const MAX_EMPTY: usize = 32;

/// 10^n for n in 0..=19, the powers that fit a `u64`.
const POW10: [u64; 20] = {
    let mut table = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// One side: `keys` ascending with the best level last, `levels` the matching levels; a
/// quantity of zero marks an empty slot.
///
/// A key is the price as an integer count of 10^-`scale` (the finest scale the side has seen,
/// so every key is exact); asks store its complement so that their best (lowest) is last too.
#[derive(Clone, Default)]
struct Ladder {
    keys: Vec<u64>,
    levels: Vec<Level>,
    empty: usize,
    scale: Option<u32>,
    asks: bool,
}

impl Ladder {
    fn new(asks: bool) -> Self {
        Ladder {
            asks,
            ..Ladder::default()
        }
    }

    /// `price`'s key, refining the side's scale first if the price is finer; `None` when the
    /// price does not fit (the side is unchanged but for an exact rescale).
    #[inline]
    fn key(&mut self, price: Decimal) -> Option<u64> {
        let mut price = price;
        let scale = *self.scale.get_or_insert(price.scale());
        if price.scale() > scale {
            // Trailing zeros need no finer scale; real digits do.
            price = price.normalize();
            if price.scale() > scale {
                self.rescale(price.scale())?;
            }
        }
        let scale = self.scale?;
        let mantissa = u64::try_from(price.mantissa()).ok()?;
        let key = mantissa.checked_mul(*POW10.get(scale.checked_sub(price.scale())? as usize)?)?;
        Some(if self.asks { !key } else { key })
    }

    /// Moves every key to the finer `scale`; `None`, with nothing changed, if one would not fit.
    #[cold]
    fn rescale(&mut self, scale: u32) -> Option<()> {
        let factor = *POW10.get(scale.checked_sub(self.scale?)? as usize)?;
        let real = |key: u64, asks: bool| if asks { !key } else { key };
        let mut keys = Vec::with_capacity(self.keys.len());
        for &key in &self.keys {
            keys.push(real(real(key, self.asks).checked_mul(factor)?, self.asks));
        }
        self.keys = keys;
        self.scale = Some(scale);
        Some(())
    }

    #[inline]
    fn set(&mut self, key: u64, price: Decimal, qty: Decimal) {
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
    fn insert_at(&mut self, i: usize, key: u64, price: Decimal, qty: Decimal) {
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

    /// `price`'s key at `scale`, which is at least as fine as the price needs.
    #[inline]
    fn key_at(&self, price: Decimal, scale: u32) -> Option<u64> {
        let mut price = price;
        if price.scale() > scale {
            price = price.normalize();
        }
        let mantissa = u64::try_from(price.mantissa()).ok()?;
        let factor = *POW10.get(scale.checked_sub(price.scale())? as usize)?;
        let key = mantissa.checked_mul(factor)?;
        Some(if self.asks { !key } else { key })
    }

    /// Applies `levels` (signs checked) in one sorted merge with the side; `Err(price)` for a
    /// price that does not fit.
    fn merge(&mut self, levels: &[(Decimal, Decimal)]) -> Result<(), Decimal> {
        let Some(&(first, _)) = levels.first() else {
            return Ok(());
        };
        // The finest scale any price needs: one rescale at most, not one per finer price.
        let mut scale = self.scale.unwrap_or(first.scale());
        let mut finest = first;
        for &(price, _) in levels {
            if price.scale() > scale {
                let needed = price.normalize().scale();
                if needed > scale {
                    scale = needed;
                    finest = price;
                }
            }
        }
        match self.scale {
            None => self.scale = Some(scale),
            Some(current) if scale > current => self.rescale(scale).ok_or(finest)?,
            Some(_) => {}
        }
        let mut new = Vec::with_capacity(levels.len());
        for (i, &(price, _)) in levels.iter().enumerate() {
            new.push((self.key_at(price, scale).ok_or(price)?, i));
        }
        // Stable: of equal keys, the last in the message stays last.
        new.sort_by_key(|&(key, _)| key);
        let mut keys = Vec::with_capacity(self.len() + new.len());
        let mut out = Vec::with_capacity(self.len() + new.len());
        let mut old = 0;
        let mut j = 0;
        while j < new.len() {
            let (key, _) = new[j];
            // The last of a run of equal keys wins.
            while j + 1 < new.len() && new[j + 1].0 == key {
                j += 1;
            }
            let (price, qty) = levels[new[j].1];
            j += 1;
            while old < self.keys.len() && self.keys[old] < key {
                if !self.levels[old].qty.is_zero() {
                    keys.push(self.keys[old]);
                    out.push(self.levels[old]);
                }
                old += 1;
            }
            if old < self.keys.len() && self.keys[old] == key {
                old += 1;
            }
            if !qty.is_zero() {
                keys.push(key);
                out.push(Level { price, qty });
            }
        }
        for i in old..self.keys.len() {
            if !self.levels[i].qty.is_zero() {
                keys.push(self.keys[i]);
                out.push(self.levels[i]);
            }
        }
        self.keys = keys;
        self.levels = out;
        self.empty = 0;
        Ok(())
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
        let len = self.levels.len();
        // Without empty slots the best `n` levels are the last `n`: one block.
        let start = if self.empty == 0 {
            len.saturating_sub(n)
        } else {
            let mut start = len;
            let mut found = 0;
            while found < n && start > 0 {
                start -= 1;
                found += usize::from(!self.levels[start].qty.is_zero());
            }
            start
        };
        let top = &self.levels[start..];
        if self.empty == 0 {
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
        self.scale = None;
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
        check_level(side, price, qty)?;
        let ladder = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let key = ladder
            .key(price)
            .ok_or(BookError::UnsupportedPrice { side, price })?;
        ladder.set(key, price, qty);
        Ok(())
    }

    /// Applies many levels of one side, in order (a later level at the same price wins), as
    /// a snapshot or a delta carries them. From 64 levels on they are sorted and merged with
    /// the side in one pass (O(n + m log m)), so a huge snapshot or delta costs no more than
    /// a sort, never a shifting insert per level.
    ///
    /// ```
    /// use hft_cache::book::{OrderBook, Side};
    /// use rust_decimal::Decimal;
    /// use rust_decimal_macros::dec;
    ///
    /// let bids: Vec<_> = (1..=1000).map(|i| (Decimal::from(i), dec!(1))).collect();
    /// let mut book = OrderBook::new();
    /// book.apply_all(Side::Bid, &bids)?;
    /// assert_eq!((book.depth(Side::Bid), book.best_bid()), (1000, Some((dec!(1000), dec!(1)))));
    /// # Ok::<(), hft_cache::book::BookError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`apply`](Self::apply); every level is checked for sign first, but on an
    /// [`BookError::UnsupportedPrice`] the side may hold part of the levels: discard the book
    /// (the crate's syncs do).
    pub fn apply_all(
        &mut self,
        side: Side,
        levels: &[(Decimal, Decimal)],
    ) -> Result<(), BookError> {
        for &(price, qty) in levels {
            check_level(side, price, qty)?;
        }
        let ladder = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        if levels.len() < BULK_MIN {
            for &(price, qty) in levels {
                let key = ladder
                    .key(price)
                    .ok_or(BookError::UnsupportedPrice { side, price })?;
                ladder.set(key, price, qty);
            }
            return Ok(());
        }
        ladder
            .merge(levels)
            .map_err(|price| BookError::UnsupportedPrice { side, price })
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
        let mut out = Vec::with_capacity(n.min(self.depth(side)));
        out.extend(self.levels(side).take(n));
        out
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

crate::class::declare_class!(owned Plain for Side);
crate::class::declare_class!(owned Plain for BookError);
crate::class::declare_class!(Streamed for OrderBook);

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn keys_are_exact_across_scales_and_refuse_what_does_not_fit() {
        let mut ladder = Ladder::new(false);
        let prices = [
            dec!(1),
            dec!(0.1),
            dec!(0.10),
            dec!(9.99),
            dec!(10),
            dec!(0.000000000000000001),
        ];
        let keys: Vec<_> = prices.iter().map(|&p| ladder.key(p)).collect();
        assert!(keys.iter().all(Option::is_some));
        // Keys made before a rescale are rescaled with the ladder: compare them afresh.
        let keys: Vec<_> = prices.iter().map(|&p| ladder.key(p).unwrap()).collect();
        for (i, a) in prices.iter().enumerate() {
            for (j, b) in prices.iter().enumerate() {
                assert_eq!(a.cmp(b), keys[i].cmp(&keys[j]), "{a} vs {b}");
            }
        }
        // At 18 decimals, 100 is 10^20 units: past 64 bits.
        assert_eq!(ladder.key(dec!(100)), None);
        assert_eq!(ladder.key(dec!(1.0000000000000000000)), ladder.key(dec!(1)));
        let mut asks = Ladder::new(true);
        assert!(asks.key(dec!(101)).unwrap() > asks.key(dec!(102)).unwrap());
        let mut book = OrderBook::new();
        assert_eq!(
            book.apply(Side::Bid, Decimal::MAX, dec!(1)),
            Err(BookError::UnsupportedPrice {
                side: Side::Bid,
                price: Decimal::MAX
            })
        );
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

    proptest::proptest! {
        /// The sorted merge leaves the book exactly as inserting level by level does.
        #[test]
        fn a_bulk_merge_equals_inserts_one_by_one(
            seed in proptest::collection::vec((1i64..400, 0u32..4, 0i64..4), 0..40),
            levels in proptest::collection::vec((1i64..400, 0u32..4, 0i64..4), 64..300),
        ) {
            let as_levels = |v: &[(i64, u32, i64)]| -> Vec<(Decimal, Decimal)> {
                v.iter().map(|&(p, s, q)| (Decimal::new(p * 10i64.pow(s), s), Decimal::from(q))).collect()
            };
            let (seed, levels) = (as_levels(&seed), as_levels(&levels));
            for side in [Side::Bid, Side::Ask] {
                let mut one_by_one = OrderBook::new();
                let mut bulk = OrderBook::new();
                for &(price, qty) in &seed {
                    one_by_one.apply(side, price, qty).unwrap();
                    bulk.apply(side, price, qty).unwrap();
                }
                for &(price, qty) in &levels {
                    one_by_one.apply(side, price, qty).unwrap();
                }
                bulk.apply_all(side, &levels).unwrap();
                proptest::prop_assert_eq!(&one_by_one, &bulk);
                proptest::prop_assert_eq!(one_by_one.best_bid(), bulk.best_bid());
                proptest::prop_assert_eq!(one_by_one.best_ask(), bulk.best_ask());
            }
        }
    }

    #[test]
    fn a_bulk_merge_refuses_what_does_not_fit_and_bad_signs() {
        let mut levels: Vec<_> = (1..=100i64).map(|i| (Decimal::from(i), dec!(1))).collect();
        levels.push((Decimal::MAX, dec!(1)));
        let mut book = OrderBook::new();
        assert!(matches!(
            book.apply_all(Side::Ask, &levels),
            Err(BookError::UnsupportedPrice { .. })
        ));
        levels.pop();
        levels.push((dec!(5), dec!(-1)));
        assert!(matches!(
            OrderBook::new().apply_all(Side::Bid, &levels),
            Err(BookError::NegativeQuantity { .. })
        ));
    }
}
