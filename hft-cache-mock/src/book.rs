//! The mock's L2 book for one symbol: prices in ticks, a random walk of level changes, and
//! taker fills, every change reported as a diff so that the stream and the snapshot agree.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// A side of the book or of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Side {
    Buy,
    Sell,
}

impl Side {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }
}

/// The smallest number of levels a side keeps; the random walk refills a thinner side.
const MIN_LEVELS: usize = 10;
/// The largest number of levels a side keeps; the farthest is removed beyond it.
const MAX_LEVELS: usize = 60;
/// How far (in ticks) from the opposite best price a new level may appear.
const NEW_LEVEL_WINDOW: i64 = 40;
/// Level sizes are `unit * 1..=MAX_UNITS`.
const MAX_UNITS: u64 = 100;

/// A tiny deterministic PRNG (SplitMix64): the mock needs variety, not cryptographic quality,
/// and a seed makes a failing test reproducible.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `1..=n` (`n >= 1`).
    pub(crate) fn one_to(&mut self, n: u64) -> u64 {
        1 + self.next_u64() % n.max(1)
    }
}

/// One level change: the new quantity at a price (zero removes the level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LevelChange {
    pub(crate) side: Side,
    pub(crate) ticks: i64,
    pub(crate) qty: Decimal,
}

/// A price level: price in ticks, quantity.
pub(crate) type Level = (i64, Decimal);

/// A taker fill against one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fill {
    pub(crate) ticks: i64,
    pub(crate) qty: Decimal,
}

/// An L2 book kept in ticks; never crossed: every best bid is below every best ask.
#[derive(Debug, Clone)]
pub(crate) struct Book {
    /// Bid levels by price in ticks; the best bid is the last key.
    bids: BTreeMap<i64, Decimal>,
    /// Ask levels by price in ticks; the best ask is the first key.
    asks: BTreeMap<i64, Decimal>,
    /// Where new levels are placed when a side has been emptied by fills.
    last_best_bid: i64,
    last_best_ask: i64,
    /// Level sizes are multiples of this.
    unit: Decimal,
}

impl Book {
    /// A book of `levels` levels a side around `mid_ticks`, one tick apart, sizes random.
    pub(crate) fn seeded(mid_ticks: i64, unit: Decimal, levels: usize, rng: &mut Rng) -> Self {
        let mid = mid_ticks.max(levels as i64 + 2);
        let mut book = Book {
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            last_best_bid: mid - 1,
            last_best_ask: mid + 1,
            unit,
        };
        for i in 0..levels as i64 {
            let bid = mid - 1 - i;
            if bid > 0 {
                book.bids.insert(bid, book.random_qty(rng));
            }
            book.asks.insert(mid + 1 + i, book.random_qty(rng));
        }
        book
    }

    fn random_qty(&self, rng: &mut Rng) -> Decimal {
        self.unit
            .saturating_mul(Decimal::from(rng.one_to(MAX_UNITS)))
    }

    fn side(&self, side: Side) -> &BTreeMap<i64, Decimal> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<i64, Decimal> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    pub(crate) fn best_bid(&self) -> Option<i64> {
        self.bids.keys().next_back().copied()
    }

    pub(crate) fn best_ask(&self) -> Option<i64> {
        self.asks.keys().next().copied()
    }

    /// The best `limit` bids (best first) and asks (best first).
    pub(crate) fn top(&self, limit: usize) -> (Vec<Level>, Vec<Level>) {
        let bids = self
            .bids
            .iter()
            .rev()
            .take(limit)
            .map(|(p, q)| (*p, *q))
            .collect();
        let asks = self
            .asks
            .iter()
            .take(limit)
            .map(|(p, q)| (*p, *q))
            .collect();
        (bids, asks)
    }

    fn set(&mut self, side: Side, ticks: i64, qty: Decimal, out: &mut Vec<LevelChange>) {
        if qty.is_zero() {
            self.side_mut(side).remove(&ticks);
        } else {
            self.side_mut(side).insert(ticks, qty);
        }
        if let Some(b) = self.best_bid() {
            self.last_best_bid = b;
        }
        if let Some(a) = self.best_ask() {
            self.last_best_ask = a;
        }
        out.push(LevelChange { side, ticks, qty });
    }

    /// One step of the random walk: one to three level changes, never crossing the book.
    pub(crate) fn evolve(&mut self, rng: &mut Rng) -> Vec<LevelChange> {
        let mut changes = Vec::new();
        for _ in 0..rng.one_to(3) {
            let side = if rng.next_u64().is_multiple_of(2) {
                Side::Buy
            } else {
                Side::Sell
            };
            let len = self.side(side).len();
            match rng.next_u64() % 10 {
                _ if len < MIN_LEVELS => self.add_level(side, rng, &mut changes),
                0..=4 => self.resize_level(side, rng, &mut changes),
                5..=6 => self.remove_level(side, rng, &mut changes),
                _ => self.add_level(side, rng, &mut changes),
            }
            self.trim(side, &mut changes);
        }
        changes
    }

    /// Changes the size of one of the ten best levels, where activity concentrates.
    fn resize_level(&mut self, side: Side, rng: &mut Rng, out: &mut Vec<LevelChange>) {
        let near: Vec<i64> = match side {
            Side::Buy => self.bids.keys().rev().take(10).copied().collect(),
            Side::Sell => self.asks.keys().take(10).copied().collect(),
        };
        if near.is_empty() {
            return self.add_level(side, rng, out);
        }
        let ticks = near[(rng.next_u64() % near.len() as u64) as usize];
        let qty = self.random_qty(rng);
        self.set(side, ticks, qty, out);
    }

    fn remove_level(&mut self, side: Side, rng: &mut Rng, out: &mut Vec<LevelChange>) {
        let near: Vec<i64> = match side {
            Side::Buy => self.bids.keys().rev().take(10).copied().collect(),
            Side::Sell => self.asks.keys().take(10).copied().collect(),
        };
        if near.len() <= 1 {
            return;
        }
        let ticks = near[(rng.next_u64() % near.len() as u64) as usize];
        self.set(side, ticks, Decimal::ZERO, out);
    }

    /// Adds (or resizes) a level within reach of the opposite best price, on the right side of it.
    fn add_level(&mut self, side: Side, rng: &mut Rng, out: &mut Vec<LevelChange>) {
        let offset = rng.one_to(NEW_LEVEL_WINDOW as u64) as i64;
        let ticks = match side {
            Side::Buy => self.best_ask().unwrap_or(self.last_best_ask) - offset,
            Side::Sell => self.best_bid().unwrap_or(self.last_best_bid) + offset,
        };
        if ticks <= 0 {
            return;
        }
        let qty = self.random_qty(rng);
        self.set(side, ticks, qty, out);
    }

    fn trim(&mut self, side: Side, out: &mut Vec<LevelChange>) {
        while self.side(side).len() > MAX_LEVELS {
            let farthest = match side {
                Side::Buy => self.bids.keys().next().copied(),
                Side::Sell => self.asks.keys().next_back().copied(),
            };
            match farthest {
                Some(ticks) => self.set(side, ticks, Decimal::ZERO, out),
                None => break,
            }
        }
    }

    /// What a taker order of `qty` on `side` would fill, best price first, up to `limit_ticks`
    /// (a buy takes asks at or below it, a sell bids at or above it). Does not change the book.
    pub(crate) fn quote_taker(
        &self,
        side: Side,
        qty: Decimal,
        limit_ticks: Option<i64>,
    ) -> Vec<Fill> {
        let levels: Box<dyn Iterator<Item = (&i64, &Decimal)>> = match side {
            Side::Buy => Box::new(self.asks.iter()),
            Side::Sell => Box::new(self.bids.iter().rev()),
        };
        let mut remaining = qty;
        let mut fills = Vec::new();
        for (&ticks, &level_qty) in levels {
            if remaining.is_zero() {
                break;
            }
            let within_limit = match (side, limit_ticks) {
                (_, None) => true,
                (Side::Buy, Some(limit)) => ticks <= limit,
                (Side::Sell, Some(limit)) => ticks >= limit,
            };
            if !within_limit {
                break;
            }
            let take = remaining.min(level_qty);
            fills.push(Fill { ticks, qty: take });
            remaining -= take;
        }
        fills
    }

    /// Takes `fills` (from [`quote_taker`](Book::quote_taker)) out of the opposite side.
    pub(crate) fn apply_fills(&mut self, side: Side, fills: &[Fill]) -> Vec<LevelChange> {
        let book_side = match side {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        };
        let mut changes = Vec::new();
        for fill in fills {
            let left = self
                .side(book_side)
                .get(&fill.ticks)
                .map_or(Decimal::ZERO, |q| (*q - fill.qty).max(Decimal::ZERO));
            self.set(book_side, fill.ticks, left, &mut changes);
        }
        changes
    }

    /// Moves the market to `target`: going down, every bid at or above it goes and the best ask
    /// becomes `target`; going up, every ask at or below it goes and the best bid becomes
    /// `target`. The book stays uncrossed.
    pub(crate) fn move_to(&mut self, target: i64, rng: &mut Rng) -> Vec<LevelChange> {
        let mut changes = Vec::new();
        let down = self.best_ask().is_none_or(|a| target < a);
        let (gone, side): (Vec<i64>, Side) = if down {
            (
                self.bids.range(target..).map(|(p, _)| *p).collect(),
                Side::Sell,
            )
        } else {
            (
                self.asks.range(..=target).map(|(p, _)| *p).collect(),
                Side::Buy,
            )
        };
        let emptied = if down { Side::Buy } else { Side::Sell };
        for ticks in gone {
            self.set(emptied, ticks, Decimal::ZERO, &mut changes);
        }
        if !self.side(side).contains_key(&target) {
            let qty = self.random_qty(rng);
            self.set(side, target, qty, &mut changes);
        }
        // Refill the emptied side next to the new price, so the book keeps two sides.
        let step = if down { -1 } else { 1 };
        let mut ticks = target + step;
        while self.side(emptied).len() < MIN_LEVELS && ticks > 0 {
            if !self.side(emptied).contains_key(&ticks) {
                let qty = self.random_qty(rng);
                self.set(emptied, ticks, qty, &mut changes);
            }
            ticks += step;
        }
        changes
    }

    /// Whether every bid is below every ask (the invariant the mock keeps).
    #[cfg(test)]
    pub(crate) fn is_uncrossed(&self) -> bool {
        match (self.best_bid(), self.best_ask()) {
            (Some(b), Some(a)) => b < a,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_walk_never_crosses_and_keeps_both_sides() {
        let mut rng = Rng::new(7);
        let mut book = Book::seeded(5_000_000, Decimal::new(2, 4), 20, &mut rng);
        for _ in 0..20_000 {
            let changes = book.evolve(&mut rng);
            assert!(book.is_uncrossed());
            assert!(changes
                .iter()
                .all(|c| c.ticks > 0 && !c.qty.is_sign_negative()));
        }
        assert!(book.bids.len() >= 2 && book.asks.len() >= 2);
    }

    #[test]
    fn moving_the_market_clears_the_crossed_side() {
        let mut rng = Rng::new(3);
        let mut book = Book::seeded(1000, Decimal::ONE, 20, &mut rng);
        book.move_to(990, &mut rng);
        assert_eq!(book.best_ask(), Some(990));
        assert!(book.is_uncrossed() && book.bids.len() >= MIN_LEVELS);
        book.move_to(1005, &mut rng);
        assert_eq!(book.best_bid(), Some(1005));
        assert!(book.is_uncrossed() && book.asks.len() >= MIN_LEVELS);
    }

    #[test]
    fn taker_fills_walk_the_book_and_respect_the_limit() {
        let mut rng = Rng::new(1);
        let mut book = Book::seeded(1000, Decimal::ONE, 5, &mut rng);
        let best_ask = book.best_ask().unwrap();
        let all: Decimal = book.asks.values().copied().sum();
        let fills = book.quote_taker(Side::Buy, all, Some(best_ask));
        assert_eq!(fills.len(), 1);
        let fills = book.quote_taker(Side::Buy, all + Decimal::ONE, None);
        assert_eq!(fills.iter().map(|f| f.qty).sum::<Decimal>(), all);
        let changes = book.apply_fills(Side::Buy, &fills);
        assert!(changes.iter().all(|c| c.qty.is_zero()));
        assert!(book.best_ask().is_none());
        // The walk refills an emptied side above the last best bid.
        for _ in 0..200 {
            book.evolve(&mut rng);
            assert!(book.is_uncrossed());
        }
        assert!(book.best_ask().is_some());
    }
}
