//! One symbol's market: its book, the update-id sequence, and the stream that publishes every
//! book change. The snapshot and the stream read the same book under the same lock, so their
//! ids always agree.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::extract::ws::Utf8Bytes;
use rust_decimal::Decimal;
use tokio::sync::broadcast;

use super::book::{Book, LevelChange, Rng, Side};
use super::faults::FaultState;
use super::symbol::SymbolSpec;
use super::wire;

/// How many frames a slow WebSocket client may fall behind before it is disconnected.
const STREAM_BUFFER: usize = 4096;
/// Levels a side starts with.
const SEED_LEVELS: usize = 25;
/// What a bad-JSON fault sends: the start of an event, cut off.
const BAD_FRAME: &str = r#"{"e":"depthUpdate","E":17000000,"s":"#;

pub(crate) struct Market {
    pub(crate) spec: SymbolSpec,
    state: Mutex<MarketState>,
    tx: broadcast::Sender<Utf8Bytes>,
}

pub(crate) struct MarketState {
    pub(crate) book: Book,
    pub(crate) last_update_id: u64,
    rng: Rng,
    /// The first of two events being reordered, sent after the next one.
    held: Option<Utf8Bytes>,
}

impl Market {
    pub(crate) fn new(spec: SymbolSpec, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let book = Book::seeded(spec.mid_ticks(), spec.level_unit(), SEED_LEVELS, &mut rng);
        // Binance's ids are large and do not start at 1; a client must not assume they do.
        let last_update_id = 1_000_000 + rng.next_u64() % 1_000_000;
        let (tx, _) = broadcast::channel(STREAM_BUFFER);
        Market {
            spec,
            state: Mutex::new(MarketState {
                book,
                last_update_id,
                rng,
                held: None,
            }),
            tx,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, MarketState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.tx.subscribe()
    }

    /// One step of the book's random walk, published.
    pub(crate) fn tick(&self, faults: &FaultState) {
        let mut st = self.lock();
        let changes = {
            let MarketState { book, rng, .. } = &mut *st;
            book.evolve(rng)
        };
        self.publish(&mut st, changes, faults);
    }

    /// The `limit` best levels a side, with the id of the last change they include.
    pub(crate) fn snapshot(&self, limit: usize) -> wire::DepthSnapshot {
        let st = self.lock();
        let (bids, asks) = st.book.top(limit);
        wire::DepthSnapshot {
            last_update_id: st.last_update_id,
            bids: bids.into_iter().map(|l| self.level(l)).collect(),
            asks: asks.into_iter().map(|l| self.level(l)).collect(),
        }
    }

    fn level(&self, (ticks, qty): (i64, Decimal)) -> [String; 2] {
        [wire::dec(self.spec.price_of(ticks)), wire::dec(qty)]
    }

    /// Gives the changes the next update ids and sends them as one depth event, with whatever
    /// stream fault is pending. Called with the market locked, so ids and frames stay in order.
    pub(crate) fn publish(
        &self,
        st: &mut MarketState,
        changes: Vec<LevelChange>,
        faults: &FaultState,
    ) {
        // One entry per level: the last change to a level within an event is what it ends at.
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
        let first = st.last_update_id + 1;
        let last = st.last_update_id + (bids.len() + asks.len()) as u64;
        st.last_update_id = last;

        let event = wire::DepthUpdate {
            event_type: "depthUpdate",
            event_time: wire::now_ms(),
            symbol: &self.spec.symbol,
            first_update_id: first,
            final_update_id: last,
            bids: bids.into_iter().rev().map(|l| self.level(l)).collect(),
            asks: asks.into_iter().map(|l| self.level(l)).collect(),
        };
        let Ok(json) = serde_json::to_string(&event) else {
            return;
        };
        let frame = Utf8Bytes::from(json);

        if faults.is_stalled() || FaultState::take(&faults.drop_next) {
            return;
        }
        if FaultState::take(&faults.bad_frame) {
            self.send(Utf8Bytes::from_static(BAD_FRAME));
        }
        if let Some(held) = st.held.take() {
            self.send(frame);
            self.send(held);
            return;
        }
        if FaultState::take(&faults.reorder_next) {
            st.held = Some(frame);
            return;
        }
        if FaultState::take(&faults.duplicate_next) {
            self.send(frame.clone());
        }
        self.send(frame);
    }

    fn send(&self, frame: Utf8Bytes) {
        // No subscriber is fine: the book moves whether or not anyone watches.
        let _ = self.tx.send(frame);
    }
}
