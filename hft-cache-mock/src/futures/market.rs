//! One futures symbol's market: the spot mock's L2 book and random walk, with USD-M's
//! update-id rules on top.
//!
//! On USD-M the ids of consecutive events are not contiguous (`U` is not the previous `u` + 1);
//! what chains them is `pu`, the previous event's `u`. The mock models that: each batch of
//! changes skips a few ids before its first, and every event of a stream carries the `u` of
//! the event before it on that stream as `pu`. An event lost to a fault (dropped, stalled)
//! still moves the chain on, so the next event's `pu` names an event the client never got.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use rust_decimal::Decimal;
use serde_json::json;
use tokio::sync::broadcast;

use crate::book::{Book, LevelChange, Rng, Side};
use crate::faults::FaultState;
use crate::symbol::SymbolSpec;
use crate::wire::{dec, now_ms};

/// Levels a side starts with.
const SEED_LEVELS: usize = 25;
/// What a bad-JSON fault sends: the start of an event, cut off.
const BAD_FRAME: &str = r#"{"e":"depthUpdate","E":17000000,"T":17000000,"s":"#;
/// Each batch skips up to this many ids before its first, as USD-M's ids do.
const MAX_ID_SKIP: u64 = 3;

/// The two depth speeds served: `@depth@100ms`, and `@depth` (USD-M's default, 250 ms,
/// also as `@depth@250ms` and `@depth@500ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speed {
    Fast,
    Standard,
}

impl Speed {
    pub(crate) const ALL: [Speed; 2] = [Speed::Fast, Speed::Standard];

    fn index(self) -> usize {
        match self {
            Speed::Fast => 0,
            Speed::Standard => 1,
        }
    }

    /// The canonical stream name of `symbol` (lower case) at this speed.
    pub(crate) fn stream(self, symbol: &str) -> String {
        match self {
            Speed::Fast => format!("{symbol}@depth@100ms"),
            Speed::Standard => format!("{symbol}@depth"),
        }
    }

    /// The speed a stream suffix names (`depth`, `depth@100ms`, ...), if the mock serves it.
    pub(crate) fn parse(suffix: &str) -> Option<Self> {
        match suffix {
            "depth@100ms" => Some(Speed::Fast),
            "depth" | "depth@250ms" | "depth@500ms" => Some(Speed::Standard),
            _ => None,
        }
    }
}

/// One frame for the subscribers of one stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamEvent {
    /// The canonical stream name (`btcusdt@depth@100ms`).
    pub(crate) stream: Arc<str>,
    pub(crate) payload: Utf8Bytes,
    /// Sent as is, never wrapped for a combined stream (the bad-frame fault).
    pub(crate) raw: bool,
}

/// Changes collected for one speed since its last event, and the faults the batch carries.
#[derive(Debug, Default)]
struct Pending {
    first: Option<u64>,
    last: u64,
    bids: BTreeMap<i64, Decimal>,
    asks: BTreeMap<i64, Decimal>,
    drop: bool,
    bad_frame: bool,
}

pub(crate) struct FuturesMarket {
    pub(crate) spec: SymbolSpec,
    pub(crate) book: Book,
    pub(crate) rng: Rng,
    pub(crate) last_update_id: u64,
    pending: [Pending; 2],
    /// Per speed, the `u` of the last event (sent or lost): the next event's `pu`.
    last_u: [u64; 2],
    names: [Arc<str>; 2],
    bus: broadcast::Sender<StreamEvent>,
}

impl FuturesMarket {
    pub(crate) fn new(spec: SymbolSpec, seed: u64, bus: broadcast::Sender<StreamEvent>) -> Self {
        let mut rng = Rng::new(seed);
        let book = Book::seeded(spec.mid_ticks(), spec.level_unit(), SEED_LEVELS, &mut rng);
        // USD-M's ids are large; a client must not assume anything about where they start.
        let last_update_id = 5_000_000_000 + rng.next_u64() % 1_000_000;
        let lower = spec.symbol.to_ascii_lowercase();
        FuturesMarket {
            names: Speed::ALL.map(|s| Arc::from(s.stream(&lower))),
            spec,
            book,
            rng,
            last_update_id,
            pending: Default::default(),
            last_u: [last_update_id; 2],
            bus,
        }
    }

    /// The best bid and ask, as prices.
    pub(crate) fn best_bid_ask(&self) -> Option<(Decimal, Decimal)> {
        Some((
            self.spec.price_of(self.book.best_bid()?),
            self.spec.price_of(self.book.best_ask()?),
        ))
    }

    /// The mark price: the book's mid (the last best price of a side the book lost, if one
    /// side is empty).
    pub(crate) fn mark_price(&self) -> Decimal {
        let bid = self.book.best_bid().map(|t| self.spec.price_of(t));
        let ask = self.book.best_ask().map(|t| self.spec.price_of(t));
        match (bid, ask) {
            (Some(b), Some(a)) => (b.saturating_add(a) / Decimal::TWO).normalize(),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) => self.spec.mid_price,
        }
    }

    /// The price a taker order of `side` would meet first (for margin estimates).
    pub(crate) fn touch(&self, side: Side) -> Decimal {
        let best = match side {
            Side::Buy => self.book.best_ask(),
            Side::Sell => self.book.best_bid(),
        };
        best.map_or_else(|| self.mark_price(), |t| self.spec.price_of(t))
    }

    /// The `limit` best levels a side, as `[["price","qty"],..]`.
    pub(crate) fn depth(&self, limit: usize) -> serde_json::Value {
        let (bids, asks) = self.book.top(limit);
        let side = |levels: Vec<(i64, Decimal)>| -> Vec<[String; 2]> {
            levels.into_iter().map(|l| self.level(l)).collect()
        };
        let now = now_ms();
        json!({
            "lastUpdateId": self.last_update_id,
            "E": now,
            "T": now,
            "bids": side(bids),
            "asks": side(asks),
        })
    }

    fn level(&self, (ticks, qty): (i64, Decimal)) -> [String; 2] {
        [
            self.spec.price_of(ticks).normalize().to_string(),
            qty.normalize().to_string(),
        ]
    }

    /// One step of the random walk.
    pub(crate) fn evolve(&mut self, faults: &FaultState) {
        let changes = self.book.evolve(&mut self.rng);
        self.apply(changes, faults);
    }

    /// Gives `changes` their update ids (after a small skip) and collects them for both
    /// speeds, with any one-shot stream fault taken now so that both speeds show it.
    pub(crate) fn apply(&mut self, changes: Vec<LevelChange>, faults: &FaultState) {
        let mut bids = BTreeMap::new();
        let mut asks = BTreeMap::new();
        for c in &changes {
            match c.side {
                Side::Buy => bids.insert(c.ticks, c.qty),
                Side::Sell => asks.insert(c.ticks, c.qty),
            };
        }
        if bids.is_empty() && asks.is_empty() {
            return;
        }
        let skip = self.rng.next_u64() % (MAX_ID_SKIP + 1);
        let first = self.last_update_id.saturating_add(1 + skip);
        let last = first.saturating_add((bids.len() + asks.len()) as u64 - 1);
        self.last_update_id = last;
        let drop = FaultState::take(&faults.drop_next);
        let bad_frame = FaultState::take(&faults.bad_frame);
        for p in &mut self.pending {
            p.first.get_or_insert(first);
            p.last = last;
            p.bids.extend(bids.iter().map(|(k, v)| (*k, *v)));
            p.asks.extend(asks.iter().map(|(k, v)| (*k, *v)));
            p.drop |= drop;
            p.bad_frame |= bad_frame;
        }
    }

    /// Publishes both speeds now (after the account's own orders moved the book).
    pub(crate) fn flush_all(&mut self, faults: &FaultState) {
        for speed in Speed::ALL {
            self.flush(speed, faults);
        }
    }

    /// Publishes what `speed` collected as one `depthUpdate` (nothing if the book did not
    /// change, as a quiet USD-M book sends nothing).
    pub(crate) fn flush(&mut self, speed: Speed, faults: &FaultState) {
        let i = speed.index();
        let pending = std::mem::take(&mut self.pending[i]);
        let Some(first) = pending.first else { return };
        let pu = std::mem::replace(&mut self.last_u[i], pending.last);
        if faults.is_stalled() || pending.drop {
            return;
        }
        if pending.bad_frame {
            self.send(i, Utf8Bytes::from_static(BAD_FRAME), true);
        }
        let side = |levels: BTreeMap<i64, Decimal>| -> Vec<[String; 2]> {
            levels.into_iter().map(|l| self.level(l)).collect()
        };
        let now = now_ms();
        let event = json!({
            "e": "depthUpdate",
            "E": now,
            "T": now,
            "s": self.spec.symbol,
            "U": first,
            "u": pending.last,
            "pu": pu,
            "b": side(pending.bids),
            "a": side(pending.asks),
        });
        self.send(i, Utf8Bytes::from(event.to_string()), false);
    }

    fn send(&self, speed: usize, payload: Utf8Bytes, raw: bool) {
        // No subscriber is fine: the market moves whether or not anyone watches.
        let _ = self.bus.send(StreamEvent {
            stream: Arc::clone(&self.names[speed]),
            payload,
            raw,
        });
    }
}

/// A price as USD-M writes it in order and position answers (`"60000.10"`, `"0"`).
pub(crate) fn price_str(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A quantity or amount with eight decimals, as USD-M writes wallet figures.
pub(crate) fn amount_str(value: Decimal) -> String {
    dec(value.round_dp(8))
}
