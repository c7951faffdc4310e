//! One symbol's market: its book, the update-id sequence, its trades, and the events every
//! change publishes. The snapshot and the streams read the same book under the same lock, so
//! their ids always agree.
//!
//! Book changes get their update ids at once and are collected per depth speed; each speed's
//! timer then publishes what it collected as one `depthUpdate` (`U` = first id, `u` = last), as
//! Binance aggregates a second (or 100 ms) of changes into one event. Trades and best-price
//! changes are published at once, as Binance's real-time streams are.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::ws::Utf8Bytes;
use rust_decimal::Decimal;
use serde::Serialize;
use tokio::sync::broadcast;

use super::book::{Book, Fill, Level, LevelChange, Rng, Side};
use super::faults::FaultState;
use super::ledger::Ledger;
use super::stream_name::{Speed, StreamKind, StreamName, PARTIAL_LEVELS};
use super::symbol::SymbolSpec;
use super::trades::{KlineInterval, Trade, TradeLog, KLINE_INTERVALS};
use super::wire;

/// Levels a side starts with.
const SEED_LEVELS: usize = 25;
/// What a bad-JSON fault sends: the start of an event, cut off.
const BAD_FRAME: &str = r#"{"e":"depthUpdate","E":17000000,"s":"#;
/// One market step in this many also trades against the best level, so that the trade,
/// ticker and kline streams have something to say.
const TRADE_ONE_IN: u64 = 3;

/// One frame for the subscribers of one stream.
#[derive(Debug, Clone)]
pub(crate) struct StreamEvent {
    /// The canonical stream name (`btcusdt@depth@100ms`).
    pub(crate) stream: Arc<str>,
    /// The raw payload, JSON (except for the bad-frame fault).
    pub(crate) payload: Utf8Bytes,
    /// Sent as is, never wrapped for a combined stream (the bad-frame fault).
    pub(crate) raw: bool,
}

/// The stream names of one symbol, built once.
struct Names {
    depth: [Arc<str>; 2],
    partial: [[Arc<str>; 3]; 2],
    trade: Arc<str>,
    agg_trade: Arc<str>,
    book_ticker: Arc<str>,
    ticker: Arc<str>,
    mini_ticker: Arc<str>,
    klines: Vec<(KlineInterval, Arc<str>)>,
}

impl Names {
    fn new(symbol: &str) -> Self {
        let name = |kind| -> Arc<str> {
            StreamName {
                symbol: symbol.to_owned(),
                kind,
                explicit_standard: false,
            }
            .canonical()
            .into()
        };
        let depth = Speed::ALL.map(|s| name(StreamKind::Depth(s)));
        let partial = Speed::ALL.map(|s| PARTIAL_LEVELS.map(|l| name(StreamKind::Partial(l, s))));
        let klines = KLINE_INTERVALS
            .iter()
            .filter_map(|i| KlineInterval::parse(i))
            .map(|i| (i, name(StreamKind::Kline(i))))
            .collect();
        Names {
            depth,
            partial,
            trade: name(StreamKind::Trade),
            agg_trade: name(StreamKind::AggTrade),
            book_ticker: name(StreamKind::BookTicker),
            ticker: name(StreamKind::Ticker),
            mini_ticker: name(StreamKind::MiniTicker),
            klines,
        }
    }
}

/// Book changes collected for one depth speed since its last event, and the stream faults
/// their batches carry.
#[derive(Debug, Default)]
struct Pending {
    first: Option<u64>,
    last: u64,
    bids: BTreeMap<i64, Decimal>,
    asks: BTreeMap<i64, Decimal>,
    drop: bool,
    duplicate: bool,
    reorder: bool,
    bad_frame: bool,
}

/// The best bid and the best ask, if any.
type BestPrices = (Option<Level>, Option<Level>);

pub(crate) struct Market {
    pub(crate) spec: SymbolSpec,
    names: Names,
    state: Mutex<MarketState>,
    bus: broadcast::Sender<StreamEvent>,
}

pub(crate) struct MarketState {
    pub(crate) book: Book,
    pub(crate) last_update_id: u64,
    pub(crate) trades: TradeLog,
    rng: Rng,
    pending: [Pending; 2],
    /// Per speed, the first of two events being reordered, sent after the next one.
    held: [Option<Utf8Bytes>; 2],
    /// The best bid and ask (price, quantity) last published on `@bookTicker`.
    best: Option<BestPrices>,
}

impl Market {
    pub(crate) fn new(
        spec: SymbolSpec,
        seed: u64,
        bus: broadcast::Sender<StreamEvent>,
        listed_at: u64,
    ) -> Self {
        let mut rng = Rng::new(seed);
        let book = Book::seeded(spec.mid_ticks(), spec.level_unit(), SEED_LEVELS, &mut rng);
        // Binance's ids are large and do not start at 1; a client must not assume they do.
        let last_update_id = 1_000_000 + rng.next_u64() % 1_000_000;
        let first_trade_id = 100_000 + rng.next_u64() % 100_000;
        let trades = TradeLog::new(spec.mid_price, first_trade_id, listed_at);
        Market {
            names: Names::new(&spec.symbol),
            spec,
            state: Mutex::new(MarketState {
                book,
                last_update_id,
                trades,
                rng,
                pending: Default::default(),
                held: Default::default(),
                best: None,
            }),
            bus,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, MarketState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One step of the market: the book's random walk, sometimes a trade at the best price,
    /// and then the account's resting orders that the book now crosses fill.
    pub(crate) fn tick(&self, ledger: &Mutex<Ledger>, faults: &FaultState) {
        let mut st = self.lock();
        let changes = {
            let MarketState { book, rng, .. } = &mut *st;
            book.evolve(rng)
        };
        self.apply(&mut st, changes, faults);
        if st.rng.next_u64().is_multiple_of(TRADE_ONE_IN) {
            self.market_trade(&mut st, faults);
        }
        let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        self.match_resting(&mut st, &mut ledger, faults);
    }

    /// Moves the market to `target` ticks (see [`Book::move_to`]), publishes it, and fills the
    /// account's resting orders it went through.
    pub(crate) fn move_to(&self, target: i64, ledger: &Mutex<Ledger>, faults: &FaultState) {
        let mut st = self.lock();
        let changes = {
            let MarketState { book, rng, .. } = &mut *st;
            book.move_to(target, rng)
        };
        self.apply(&mut st, changes, faults);
        let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        self.match_resting(&mut st, &mut ledger, faults);
    }

    /// Someone else's small market order against the best level of a random side.
    fn market_trade(&self, st: &mut MarketState, faults: &FaultState) {
        let taker = if st.rng.next_u64().is_multiple_of(2) {
            Side::Buy
        } else {
            Side::Sell
        };
        let best = match taker {
            Side::Buy => st.book.best_ask(),
            Side::Sell => st.book.best_bid(),
        };
        let Some(best) = best else { return };
        let qty = self
            .spec
            .level_unit()
            .saturating_mul(Decimal::from(st.rng.one_to(5)));
        let fills = st.book.quote_taker(taker, qty, Some(best));
        let changes = st.book.apply_fills(taker, &fills);
        self.apply(st, changes, faults);
        let now = wire::now_ms();
        for f in fills {
            let price = self.spec.price_of(f.ticks);
            self.record_trade(st, price, f.qty, now, taker == Side::Sell, faults);
        }
    }

    /// Fills the account's open limit orders that the book has moved through: a resting buy
    /// at P trades with asks at or below P, at P (it is the maker), and takes that liquidity.
    pub(crate) fn match_resting(
        &self,
        st: &mut MarketState,
        ledger: &mut Ledger,
        faults: &FaultState,
    ) {
        let crossed: Vec<(u64, Side, i64, Decimal)> = ledger
            .resting(&self.spec.symbol)
            .filter_map(|o| {
                let ticks = self.spec.to_ticks(o.price)?;
                let crosses = match o.side {
                    Side::Buy => st.book.best_ask().is_some_and(|a| a <= ticks),
                    Side::Sell => st.book.best_bid().is_some_and(|b| b >= ticks),
                };
                crosses.then(|| (o.order_id, o.side, ticks, o.orig_qty - o.executed_qty))
            })
            .collect();
        if crossed.is_empty() {
            return;
        }
        let now = wire::now_ms();
        for (order_id, side, ticks, remaining) in crossed {
            // The market went through the order's price: the flow that did so fills all of it
            // (the public book never held the order, so its crossing levels only show how far
            // the market went), and takes out of the book what it would have met there.
            let fills: Vec<Fill> = st.book.quote_taker(side, remaining, Some(ticks));
            let changes = st.book.apply_fills(side, &fills);
            self.apply(st, changes, faults);
            let price = self.spec.price_of(ticks);
            let trade = self.record_trade(st, price, remaining, now, side == Side::Buy, faults);
            ledger.fill_resting(order_id, &self.spec, trade.id, price, remaining, now);
        }
    }

    /// The `limit` best levels a side, with the id of the last change they include.
    pub(crate) fn snapshot(&self, limit: usize) -> wire::DepthSnapshot {
        let st = self.lock();
        self.depth_of(&st, limit)
    }

    fn depth_of(&self, st: &MarketState, limit: usize) -> wire::DepthSnapshot {
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

    /// Gives the changes the next update ids, collects them for both depth speeds (with any
    /// one-shot stream fault taken now, so that both speeds show it), and publishes a new best
    /// price on `@bookTicker`. Called with the market locked, so ids stay in order.
    pub(crate) fn apply(
        &self,
        st: &mut MarketState,
        changes: Vec<LevelChange>,
        faults: &FaultState,
    ) {
        // One entry per level: the last change to a level within a batch is what it ends at.
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
        let first = st.last_update_id.saturating_add(1);
        let last = st
            .last_update_id
            .saturating_add((bids.len() + asks.len()) as u64);
        st.last_update_id = last;

        let drop = FaultState::take(&faults.drop_next);
        let duplicate = FaultState::take(&faults.duplicate_next);
        let reorder = FaultState::take(&faults.reorder_next);
        let bad_frame = FaultState::take(&faults.bad_frame);
        for p in &mut st.pending {
            p.first.get_or_insert(first);
            p.last = last;
            p.bids.extend(bids.iter().map(|(k, v)| (*k, *v)));
            p.asks.extend(asks.iter().map(|(k, v)| (*k, *v)));
            p.drop |= drop;
            p.duplicate |= duplicate;
            p.reorder |= reorder;
            p.bad_frame |= bad_frame;
        }
        self.publish_book_ticker(st, faults);
    }

    fn publish_book_ticker(&self, st: &mut MarketState, faults: &FaultState) {
        let (bids, asks) = st.book.top(1);
        let best = (bids.first().copied(), asks.first().copied());
        if st.best == Some(best) {
            return;
        }
        st.best = Some(best);
        let side = |level: Option<(i64, Decimal)>| match level {
            Some(l) => self.level(l),
            None => [wire::dec(Decimal::ZERO), wire::dec(Decimal::ZERO)],
        };
        let [b, bq] = side(best.0);
        let [a, aq] = side(best.1);
        let event = wire::BookTickerEvent {
            update_id: st.last_update_id,
            symbol: &self.spec.symbol,
            bid_price: b,
            bid_qty: bq,
            ask_price: a,
            ask_qty: aq,
        };
        self.emit(&self.names.book_ticker, &event, faults);
    }

    /// Records a trade of this symbol and publishes it on `@trade` and `@aggTrade`.
    pub(crate) fn record_trade(
        &self,
        st: &mut MarketState,
        price: Decimal,
        qty: Decimal,
        time: u64,
        buyer_is_maker: bool,
        faults: &FaultState,
    ) -> Trade {
        let trade = st.trades.record(price, qty, time, buyer_is_maker);
        let event_time = wire::now_ms();
        let raw = wire::TradeEvent {
            event_type: "trade",
            event_time,
            symbol: &self.spec.symbol,
            trade_id: trade.id,
            price: wire::dec(price),
            qty: wire::dec(qty),
            trade_time: trade.time,
            buyer_is_maker,
            ignore: true,
        };
        self.emit(&self.names.trade, &raw, faults);
        let agg = wire::AggTradeEvent {
            event_type: "aggTrade",
            event_time,
            symbol: &self.spec.symbol,
            agg_id: trade.agg_id,
            price: wire::dec(price),
            qty: wire::dec(qty),
            first_id: trade.id,
            last_id: trade.id,
            trade_time: trade.time,
            buyer_is_maker,
            ignore: true,
        };
        self.emit(&self.names.agg_trade, &agg, faults);
        trade
    }

    /// Publishes what `speed` collected as one `depthUpdate`, with whatever stream fault it
    /// carries, and the partial books of that speed.
    pub(crate) fn flush(&self, speed: Speed, faults: &FaultState) {
        let mut st = self.lock();
        self.flush_locked(&mut st, speed, faults);
    }

    /// Publishes both depth speeds now. The account's own orders do this, so that a test sees
    /// the liquidity it took on the stream without waiting a cadence; the ids stay contiguous.
    pub(crate) fn flush_now(&self, st: &mut MarketState, faults: &FaultState) {
        for speed in Speed::ALL {
            self.flush_locked(st, speed, faults);
        }
    }

    fn flush_locked(&self, st: &mut MarketState, speed: Speed, faults: &FaultState) {
        let pending = std::mem::take(&mut st.pending[speed.index()]);
        if faults.is_stalled() {
            // What a stalled stream would have said is lost: the next event shows a gap.
            return;
        }
        let now = wire::now_ms();
        for (i, levels) in PARTIAL_LEVELS.iter().enumerate() {
            let name = &self.names.partial[speed.index()][i];
            if self.bus.receiver_count() > 0 {
                let depth = self.depth_of(st, *levels);
                self.emit(name, &depth, faults);
            }
        }
        let Some(first) = pending.first else { return };
        let event = wire::DepthUpdate {
            event_type: "depthUpdate",
            event_time: now,
            symbol: &self.spec.symbol,
            first_update_id: first,
            final_update_id: pending.last,
            bids: pending
                .bids
                .into_iter()
                .rev()
                .map(|l| self.level(l))
                .collect(),
            asks: pending.asks.into_iter().map(|l| self.level(l)).collect(),
        };
        let Ok(json) = serde_json::to_string(&event) else {
            return;
        };
        let frame = Utf8Bytes::from(json);
        let name = &self.names.depth[speed.index()];
        if pending.drop {
            return;
        }
        if pending.bad_frame {
            self.send(name, Utf8Bytes::from_static(BAD_FRAME), true);
        }
        if let Some(held) = st.held[speed.index()].take() {
            self.send(name, frame, false);
            self.send(name, held, false);
            return;
        }
        if pending.reorder {
            st.held[speed.index()] = Some(frame);
            return;
        }
        if pending.duplicate {
            self.send(name, frame.clone(), false);
        }
        self.send(name, frame, false);
    }

    /// Publishes the 24 h ticker and, every `kline_every`-th call, the current klines (the
    /// `1s` kline at every call).
    pub(crate) fn publish_stats(&self, with_klines: bool, faults: &FaultState) {
        if faults.is_stalled() || self.bus.receiver_count() == 0 {
            return;
        }
        let st = self.lock();
        let now = wire::now_ms();
        let s = st.trades.stats(now);
        let (bids, asks) = st.book.top(1);
        let side = |level: Option<&(i64, Decimal)>| match level {
            Some(l) => self.level(*l),
            None => [wire::dec(Decimal::ZERO), wire::dec(Decimal::ZERO)],
        };
        let [b, bq] = side(bids.first());
        let [a, aq] = side(asks.first());
        let ticker = wire::TickerEvent {
            event_type: "24hrTicker",
            event_time: now,
            symbol: &self.spec.symbol,
            price_change: wire::dec(s.change()),
            price_change_percent: s.change_percent().to_string(),
            weighted_avg_price: wire::dec(s.weighted_average()),
            prev_close: wire::dec(s.prev_close),
            last_price: wire::dec(s.last),
            last_qty: wire::dec(s.last_qty),
            bid_price: b,
            bid_qty: bq,
            ask_price: a,
            ask_qty: aq,
            open_price: wire::dec(s.open),
            high_price: wire::dec(s.high),
            low_price: wire::dec(s.low),
            volume: wire::dec(s.volume),
            quote_volume: wire::dec(s.quote_volume),
            open_time: s.open_time,
            close_time: s.close_time,
            first_id: s.first_id,
            last_id: s.last_id,
            count: s.count,
        };
        self.emit(&self.names.ticker, &ticker, faults);
        let mini = wire::MiniTickerEvent {
            event_type: "24hrMiniTicker",
            event_time: now,
            symbol: &self.spec.symbol,
            last_price: ticker.last_price,
            open_price: ticker.open_price,
            high_price: ticker.high_price,
            low_price: ticker.low_price,
            volume: ticker.volume,
            quote_volume: ticker.quote_volume,
        };
        self.emit(&self.names.mini_ticker, &mini, faults);
        for (interval, name) in &self.names.klines {
            if !with_klines && interval.name() != "1s" {
                continue;
            }
            let k = st.trades.kline(*interval, interval.open_of(now));
            let event = wire::KlineEvent {
                event_type: "kline",
                event_time: now,
                symbol: &self.spec.symbol,
                kline: wire::KlinePayload::new(&k, &self.spec.symbol, interval.name(), now),
            };
            self.emit(name, &event, faults);
        }
    }

    fn emit(&self, stream: &Arc<str>, payload: &impl Serialize, faults: &FaultState) {
        if faults.is_stalled() || self.bus.receiver_count() == 0 {
            return;
        }
        if let Ok(json) = serde_json::to_string(payload) {
            self.send(stream, Utf8Bytes::from(json), false);
        }
    }

    fn send(&self, stream: &Arc<str>, payload: Utf8Bytes, raw: bool) {
        // No subscriber is fine: the market moves whether or not anyone watches.
        let _ = self.bus.send(StreamEvent {
            stream: Arc::clone(stream),
            payload,
            raw,
        });
    }
}
