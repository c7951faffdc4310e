//! One symbol's public trade history, and what is derived from it: the 24 h ticker, klines and
//! the average price. Every trade the mock makes (the market's own and the account's fills)
//! goes through here, so REST and streams tell the same story.

use std::collections::VecDeque;

use rust_decimal::Decimal;

/// Trades kept per symbol; older ones fall out of `/trades`, the ticker and the klines.
const MAX_TRADES: usize = 100_000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// One public trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trade {
    pub(crate) id: u64,
    /// The aggregate trade it belongs to (the mock never aggregates two trades).
    pub(crate) agg_id: u64,
    pub(crate) price: Decimal,
    pub(crate) qty: Decimal,
    pub(crate) time: u64,
    pub(crate) buyer_is_maker: bool,
}

/// The trades of one symbol, oldest first, with the id sequences.
#[derive(Debug)]
pub(crate) struct TradeLog {
    trades: VecDeque<Trade>,
    next_id: u64,
    next_agg_id: u64,
    /// The symbol's price before its first trade.
    pub(crate) initial_price: Decimal,
    /// When the symbol was listed: no kline starts before it.
    pub(crate) listed_at: u64,
}

impl TradeLog {
    pub(crate) fn new(initial_price: Decimal, first_id: u64, listed_at: u64) -> Self {
        TradeLog {
            trades: VecDeque::new(),
            next_id: first_id,
            next_agg_id: first_id / 2 + 1,
            initial_price,
            listed_at,
        }
    }

    /// Records a trade and returns it with its ids.
    pub(crate) fn record(
        &mut self,
        price: Decimal,
        qty: Decimal,
        time: u64,
        buyer_is_maker: bool,
    ) -> Trade {
        // Kept in time order (the window lookups bisect), even if the wall clock steps back.
        let time = self.last().map_or(time, |t| t.time.max(time));
        let trade = Trade {
            id: self.next_id,
            agg_id: self.next_agg_id,
            price,
            qty,
            time,
            buyer_is_maker,
        };
        self.next_id += 1;
        self.next_agg_id += 1;
        if self.trades.len() == MAX_TRADES {
            self.trades.pop_front();
        }
        self.trades.push_back(trade.clone());
        trade
    }

    pub(crate) fn all(&self) -> &VecDeque<Trade> {
        &self.trades
    }

    pub(crate) fn last(&self) -> Option<&Trade> {
        self.trades.back()
    }

    pub(crate) fn last_price(&self) -> Decimal {
        self.last().map_or(self.initial_price, |t| t.price)
    }

    /// The price of the last trade at or before `time` (the initial price if none).
    fn price_at(&self, time: u64) -> Decimal {
        match self.trades.partition_point(|t| t.time <= time) {
            0 => self.initial_price,
            n => self.trades[n - 1].price,
        }
    }

    /// The trades between `from` and `to` (inclusive). Trades are recorded in time order, so
    /// both ends are found by bisection: the ticker and the klines are computed every second
    /// under the market's lock.
    fn window(&self, from: u64, to: u64) -> impl Iterator<Item = &Trade> {
        let start = self.trades.partition_point(|t| t.time < from);
        let end = self.trades.partition_point(|t| t.time <= to);
        self.trades.range(start..end.max(start))
    }

    /// The 24 h rolling statistics ending at `now`.
    pub(crate) fn stats(&self, now: u64) -> Stats {
        let open_time = now.saturating_sub(DAY_MS);
        let prev_close = self.price_at(open_time.saturating_sub(1));
        let mut s = Stats {
            open_time,
            close_time: now,
            prev_close,
            open: prev_close,
            high: prev_close,
            low: prev_close,
            last: prev_close,
            last_qty: Decimal::ZERO,
            volume: Decimal::ZERO,
            quote_volume: Decimal::ZERO,
            first_id: -1,
            last_id: -1,
            count: 0,
        };
        for (i, t) in self.window(open_time, now).enumerate() {
            if i == 0 {
                s.open = t.price;
                s.high = t.price;
                s.low = t.price;
                s.first_id = t.id as i64;
            }
            s.high = s.high.max(t.price);
            s.low = s.low.min(t.price);
            s.last = t.price;
            s.last_qty = t.qty;
            s.volume = s.volume.saturating_add(t.qty);
            s.quote_volume = s.quote_volume.saturating_add(t.price.saturating_mul(t.qty));
            s.last_id = t.id as i64;
            s.count += 1;
        }
        s
    }

    /// The average price over the last `mins` minutes, and the time of the last trade.
    pub(crate) fn average(&self, now: u64, mins: u64) -> (Decimal, u64) {
        let (mut qty, mut quote) = (Decimal::ZERO, Decimal::ZERO);
        for t in self.window(now.saturating_sub(mins.saturating_mul(60_000)), now) {
            qty = qty.saturating_add(t.qty);
            quote = quote.saturating_add(t.price.saturating_mul(t.qty));
        }
        let last_time = self.last().map_or(self.listed_at, |t| t.time);
        if qty.is_zero() {
            (self.last_price(), last_time)
        } else {
            let average = quote.checked_div(qty).unwrap_or_else(|| self.last_price());
            (average.round_dp(8), last_time)
        }
    }

    /// The kline of `interval` that opens at `open`.
    pub(crate) fn kline(&self, interval: KlineInterval, open: u64) -> Kline {
        let close = interval.next_open(open).saturating_sub(1);
        let price = self.price_at(open.saturating_sub(1));
        let mut k = Kline {
            open_time: open,
            close_time: close,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: Decimal::ZERO,
            quote_volume: Decimal::ZERO,
            taker_buy_volume: Decimal::ZERO,
            taker_buy_quote_volume: Decimal::ZERO,
            first_id: -1,
            last_id: -1,
            count: 0,
        };
        for (i, t) in self.window(open, close).enumerate() {
            if i == 0 {
                (k.open, k.high, k.low) = (t.price, t.price, t.price);
                k.first_id = t.id as i64;
            }
            k.high = k.high.max(t.price);
            k.low = k.low.min(t.price);
            k.close = t.price;
            let quote = t.price.saturating_mul(t.qty);
            k.volume = k.volume.saturating_add(t.qty);
            k.quote_volume = k.quote_volume.saturating_add(quote);
            if !t.buyer_is_maker {
                k.taker_buy_volume = k.taker_buy_volume.saturating_add(t.qty);
                k.taker_buy_quote_volume = k.taker_buy_quote_volume.saturating_add(quote);
            }
            k.last_id = t.id as i64;
            k.count += 1;
        }
        k
    }

    /// Up to `limit` klines, oldest first, between `start` and `end` (both optional), never
    /// before the listing and never after `now`.
    pub(crate) fn klines(
        &self,
        interval: KlineInterval,
        start: Option<u64>,
        end: Option<u64>,
        limit: usize,
        now: u64,
    ) -> Vec<Kline> {
        let end = end.unwrap_or(now).min(now);
        let first = interval.open_of(self.listed_at);
        let mut opens = Vec::new();
        match start {
            Some(start) => {
                let mut open = interval.open_of(start.max(self.listed_at)).max(first);
                while open <= end && opens.len() < limit {
                    opens.push(open);
                    open = interval.next_open(open);
                }
            }
            None => {
                // The most recent `limit` klines up to `end`.
                let mut open = interval.open_of(end);
                while open >= first && opens.len() < limit {
                    opens.push(open);
                    if open == 0 {
                        break;
                    }
                    open = interval.open_of(open - 1);
                }
                opens.reverse();
            }
        }
        opens.into_iter().map(|o| self.kline(interval, o)).collect()
    }
}

/// 24 h rolling statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) open_time: u64,
    pub(crate) close_time: u64,
    pub(crate) prev_close: Decimal,
    pub(crate) open: Decimal,
    pub(crate) high: Decimal,
    pub(crate) low: Decimal,
    pub(crate) last: Decimal,
    pub(crate) last_qty: Decimal,
    pub(crate) volume: Decimal,
    pub(crate) quote_volume: Decimal,
    pub(crate) first_id: i64,
    pub(crate) last_id: i64,
    pub(crate) count: u64,
}

impl Stats {
    pub(crate) fn change(&self) -> Decimal {
        self.last.saturating_sub(self.open)
    }

    /// The change in percent with three decimals, as Binance writes it.
    pub(crate) fn change_percent(&self) -> Decimal {
        if self.open.is_zero() {
            return Decimal::new(0, 3);
        }
        let mut p = self
            .change()
            .saturating_mul(Decimal::ONE_HUNDRED)
            .checked_div(self.open)
            .unwrap_or_default()
            .round_dp(3);
        p.rescale(3);
        p
    }

    pub(crate) fn weighted_average(&self) -> Decimal {
        if self.volume.is_zero() {
            Decimal::ZERO
        } else {
            self.quote_volume
                .checked_div(self.volume)
                .unwrap_or_default()
                .round_dp(8)
        }
    }
}

/// One candle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kline {
    pub(crate) open_time: u64,
    pub(crate) close_time: u64,
    pub(crate) open: Decimal,
    pub(crate) high: Decimal,
    pub(crate) low: Decimal,
    pub(crate) close: Decimal,
    pub(crate) volume: Decimal,
    pub(crate) quote_volume: Decimal,
    pub(crate) taker_buy_volume: Decimal,
    pub(crate) taker_buy_quote_volume: Decimal,
    pub(crate) first_id: i64,
    pub(crate) last_id: i64,
    pub(crate) count: u64,
}

/// A kline interval, as Binance names them (`1s` ... `1M`), in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KlineInterval {
    /// A fixed length in milliseconds, aligned to the Unix epoch (weeks: to Mondays).
    Fixed(&'static str, u64),
    /// A calendar month.
    Month,
}

/// Every interval Binance documents.
pub(crate) const KLINE_INTERVALS: [&str; 16] = [
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w",
    "1M",
];

/// 1970-01-01 was a Thursday; Binance's weeks open on Monday, four days later.
const WEEK_OFFSET_MS: u64 = 4 * DAY_MS;

impl KlineInterval {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        const S: u64 = 1000;
        const M: u64 = 60 * S;
        const H: u64 = 60 * M;
        let name: &'static str = KLINE_INTERVALS.iter().find(|n| **n == name)?;
        let ms = match name {
            "1s" => S,
            "1m" => M,
            "3m" => 3 * M,
            "5m" => 5 * M,
            "15m" => 15 * M,
            "30m" => 30 * M,
            "1h" => H,
            "2h" => 2 * H,
            "4h" => 4 * H,
            "6h" => 6 * H,
            "8h" => 8 * H,
            "12h" => 12 * H,
            "1d" => DAY_MS,
            "3d" => 3 * DAY_MS,
            "1w" => 7 * DAY_MS,
            _ => return Some(KlineInterval::Month),
        };
        Some(KlineInterval::Fixed(name, ms))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            KlineInterval::Fixed(name, _) => name,
            KlineInterval::Month => "1M",
        }
    }

    /// The open time of the kline that contains `time`.
    pub(crate) fn open_of(self, time: u64) -> u64 {
        match self {
            KlineInterval::Fixed("1w", ms) => {
                let shifted = time.saturating_sub(WEEK_OFFSET_MS);
                shifted - shifted % ms + WEEK_OFFSET_MS
            }
            KlineInterval::Fixed(_, ms) => time - time % ms,
            KlineInterval::Month => {
                let (y, m, _) = civil_from_days((time / DAY_MS) as i64);
                days_from_civil(y, m, 1) as u64 * DAY_MS
            }
        }
    }

    /// The open time of the kline after the one opening at `open`.
    pub(crate) fn next_open(self, open: u64) -> u64 {
        match self {
            KlineInterval::Fixed(_, ms) => open.saturating_add(ms),
            KlineInterval::Month => {
                let (y, m, _) = civil_from_days((open / DAY_MS) as i64);
                let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (days_from_civil(y, m, 1) as u64).saturating_mul(DAY_MS)
            }
        }
    }
}

/// Howard Hinnant's `civil_from_days`: (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_align_like_binance() {
        // 2024-03-14T15:09:26.535Z, a Thursday.
        let t = 1_710_428_966_535;
        let open = |n| KlineInterval::parse(n).unwrap().open_of(t);
        assert_eq!(open("1m"), 1_710_428_940_000);
        assert_eq!(open("1d"), 1_710_374_400_000);
        assert_eq!(open("1w"), 1_710_115_200_000); // Monday 2024-03-11
        assert_eq!(open("1M"), 1_709_251_200_000); // 2024-03-01
        let month = KlineInterval::parse("1M").unwrap();
        assert_eq!(month.next_open(1_709_251_200_000), 1_711_929_600_000); // 2024-04-01
        assert!(KlineInterval::parse("2m").is_none());
    }

    #[test]
    fn stats_and_klines_follow_the_trades() {
        let mut log = TradeLog::new(Decimal::from(100), 10, 0);
        log.record(Decimal::from(101), Decimal::ONE, 60_000, false);
        log.record(Decimal::from(99), Decimal::TWO, 61_000, true);
        let s = log.stats(120_000);
        assert_eq!(
            (s.open, s.high, s.low, s.last),
            (101.into(), 101.into(), 99.into(), 99.into())
        );
        assert_eq!((s.first_id, s.last_id, s.count), (10, 11, 2));
        let k = log.klines(KlineInterval::parse("1m").unwrap(), None, None, 10, 120_000);
        assert_eq!(k.len(), 3);
        assert_eq!((k[0].count, k[1].count, k[2].count), (0, 2, 0));
        assert_eq!(k[1].taker_buy_volume, Decimal::ONE);
        assert_eq!(k[2].open, Decimal::from(99));
    }
}
