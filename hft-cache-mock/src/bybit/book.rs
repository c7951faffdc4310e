//! One symbol's order book: 50 price levels a side around a mid, moved by a seeded walk, with
//! Bybit's update id `u` (+1 per change) and cross sequence `seq`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{json, Value};

/// Levels kept on each side (the `orderbook.50` depth).
pub(crate) const DEPTH: usize = 50;

/// A symbol's rules, as `instruments-info` reports them.
#[derive(Debug, Clone)]
pub(crate) struct Instrument {
    pub(crate) symbol: String,
    pub(crate) base: String,
    pub(crate) quote: String,
    pub(crate) tick_size: Decimal,
    pub(crate) base_precision: Decimal,
    pub(crate) min_order_qty: Decimal,
    pub(crate) min_order_amt: Decimal,
}

pub(crate) struct Book {
    pub(crate) instrument: Instrument,
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    pub(crate) update_id: u64,
    pub(crate) seq: u64,
    rng: u64,
}

/// One change: the levels it touched (quantity `0` removes), with the ids after it.
pub(crate) struct Delta {
    pub(crate) bids: Vec<(Decimal, Decimal)>,
    pub(crate) asks: Vec<(Decimal, Decimal)>,
    pub(crate) update_id: u64,
    pub(crate) seq: u64,
}

impl Book {
    pub(crate) fn new(instrument: Instrument, mid: Decimal, seed: u64) -> Self {
        let mut book = Book {
            instrument,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            update_id: 1,
            seq: 1_000,
            rng: seed | 1,
        };
        let tick = book.instrument.tick_size;
        // Saturating: the builder checked that the mid leaves room below; a mid near
        // `Decimal::MAX` only crowds the top of the asks.
        let mid = mid
            .checked_div(tick)
            .map_or(mid, |ticks| ticks.trunc().saturating_mul(tick));
        for k in 1..=DEPTH as i64 {
            let away = tick.saturating_mul(Decimal::from(k));
            let qty = book.quantity();
            book.bids.insert(mid.saturating_sub(away), qty);
            let qty = book.quantity();
            book.asks.insert(mid.saturating_add(away), qty);
        }
        book
    }

    fn next(&mut self) -> u64 {
        // xorshift64: deterministic per seed, no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// A resting quantity: 0.001 to 2.000 in steps of 0.001.
    fn quantity(&mut self) -> Decimal {
        Decimal::new((self.next() % 2_000 + 1) as i64, 3)
    }

    pub(crate) fn best_bid(&self) -> Option<Decimal> {
        self.bids.keys().next_back().copied()
    }

    pub(crate) fn best_ask(&self) -> Option<Decimal> {
        self.asks.keys().next().copied()
    }

    /// One step of the walk: a few quantities change; sometimes the book shifts one tick, the
    /// far level of one side leaving and a new best level arriving, so the mid moves.
    pub(crate) fn step(&mut self) -> Delta {
        let mut bids = Vec::new();
        let mut asks = Vec::new();
        for _ in 0..1 + self.next() % 3 {
            let on_bid = self.next().is_multiple_of(2);
            let index = (self.next() % 10) as usize;
            let qty = self.quantity();
            let side = if on_bid {
                &mut self.bids
            } else {
                &mut self.asks
            };
            let price = if on_bid {
                side.keys().rev().nth(index).copied()
            } else {
                side.keys().nth(index).copied()
            };
            if let Some(price) = price {
                side.insert(price, qty);
                if on_bid { &mut bids } else { &mut asks }.push((price, qty));
            }
        }
        if self.next().is_multiple_of(4) {
            let tick = self.instrument.tick_size;
            let up = self.next().is_multiple_of(2);
            let qty = self.quantity();
            if up {
                // A new best bid one tick above; the best ask there leaves; the far bid leaves.
                if let (Some(bid), Some(ask)) = (self.best_bid(), self.best_ask()) {
                    let price = bid.saturating_add(tick);
                    if price == ask {
                        self.asks.remove(&ask);
                        asks.push((ask, Decimal::ZERO));
                        let far = self.asks.keys().next_back().copied().unwrap_or(ask);
                        let new_far = far.saturating_add(tick);
                        let q = self.quantity();
                        self.asks.insert(new_far, q);
                        asks.push((new_far, q));
                    }
                    self.bids.insert(price, qty);
                    bids.push((price, qty));
                    if self.bids.len() > DEPTH {
                        if let Some((&far, _)) = self.bids.iter().next() {
                            self.bids.remove(&far);
                            bids.push((far, Decimal::ZERO));
                        }
                    }
                }
            } else if let (Some(bid), Some(ask)) = (self.best_bid(), self.best_ask()) {
                let price = ask.saturating_sub(tick);
                if price == bid {
                    self.bids.remove(&bid);
                    bids.push((bid, Decimal::ZERO));
                    let far = self.bids.keys().next().copied().unwrap_or(bid);
                    let new_far = far.saturating_sub(tick);
                    let q = self.quantity();
                    self.bids.insert(new_far, q);
                    bids.push((new_far, q));
                }
                self.asks.insert(price, qty);
                asks.push((price, qty));
                if self.asks.len() > DEPTH {
                    if let Some((&far, _)) = self.asks.iter().next_back() {
                        self.asks.remove(&far);
                        asks.push((far, Decimal::ZERO));
                    }
                }
            }
        }
        self.update_id = self.update_id.saturating_add(1);
        self.seq = self.seq.saturating_add(1 + self.next() % 5);
        Delta {
            bids: dedup_last(bids),
            asks: dedup_last(asks),
            update_id: self.update_id,
            seq: self.seq,
        }
    }

    /// The top `limit` levels a side, best first, as `[["price","size"],..]`.
    pub(crate) fn levels(&self, limit: usize) -> (Value, Value) {
        let bids: Vec<_> = self.bids.iter().rev().take(limit).map(level).collect();
        let asks: Vec<_> = self.asks.iter().take(limit).map(level).collect();
        (Value::Array(bids), Value::Array(asks))
    }

    /// The `data` object of a snapshot (also the REST `orderbook` result, with `ts`/`cts`).
    pub(crate) fn snapshot_data(&self, limit: usize) -> Value {
        let (b, a) = self.levels(limit);
        json!({
            "s": self.instrument.symbol,
            "b": b,
            "a": a,
            "u": self.update_id,
            "seq": self.seq,
        })
    }
}

/// Keeps each price's last change only, in order of first appearance.
fn dedup_last(changes: Vec<(Decimal, Decimal)>) -> Vec<(Decimal, Decimal)> {
    let mut out: Vec<(Decimal, Decimal)> = Vec::with_capacity(changes.len());
    for (price, qty) in changes {
        match out.iter_mut().find(|(p, _)| *p == price) {
            Some(slot) => slot.1 = qty,
            None => out.push((price, qty)),
        }
    }
    out
}

fn level((price, qty): (&Decimal, &Decimal)) -> Value {
    json!([price.normalize().to_string(), qty.normalize().to_string()])
}

/// Levels of a delta as `[["price","size"],..]`.
pub(crate) fn changes(levels: &[(Decimal, Decimal)]) -> Value {
    Value::Array(levels.iter().map(|(p, q)| level((p, q))).collect())
}
