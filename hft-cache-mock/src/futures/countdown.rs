//! `countdownCancelAll`: the exchange's own dead man's switch. Arming sets a deadline per
//! symbol (re-arming replaces it, `0` removes it); a task checks every 10 ms, as the docs say
//! Binance does, and cancels every open order of a symbol whose deadline has passed. The
//! armed countdown is never faulted (a REST fault may refuse the request that arms it, as a
//! failing venue would): it is what a client falls back on when everything else failed.

use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use super::state::{Countdown, FuturesState, Venue};
use crate::wire::now_ms;

/// How often the deadlines are checked (Binance: "approximately every 10 milliseconds").
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(10);

/// Arms `symbol`'s countdown for `ms` milliseconds from now, or disarms it with `0`.
pub(crate) fn arm(venue: &mut Venue, symbol: &str, ms: u64) {
    if ms == 0 {
        venue.countdowns.remove(symbol);
        return;
    }
    let deadline = Instant::now()
        .checked_add(Duration::from_millis(ms))
        .unwrap_or_else(far_future);
    venue
        .countdowns
        .insert(symbol.to_owned(), Countdown { deadline });
}

fn far_future() -> Instant {
    // About thirty years: a countdown too long to represent never lapses in practice.
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// Cancels the open orders of every symbol whose countdown has lapsed, and disarms it.
pub(crate) fn fire_lapsed(venue: &mut Venue, now: Instant) -> usize {
    let lapsed: Vec<String> = venue
        .countdowns
        .iter()
        .filter(|(_, c)| c.deadline <= now)
        .map(|(s, _)| s.clone())
        .collect();
    let mut canceled = 0;
    for symbol in lapsed {
        venue.countdowns.remove(&symbol);
        canceled += venue.account.cancel_all(&symbol, now_ms());
        tracing::debug!(%symbol, "futures mock countdown lapsed: open orders canceled");
    }
    canceled
}

/// Runs the countdown checks until shutdown.
pub(crate) async fn run(state: FuturesState) {
    let mut shutdown = state.shutdown.clone();
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let mut venue = state.lock();
                if !venue.countdowns.is_empty() {
                    fire_lapsed(&mut venue, Instant::now());
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;

    use super::*;
    use crate::book::Side;
    use crate::futures::account::{Account, Order, OrderStatus, OrderType, TimeInForce};

    fn venue_with_orders(symbols: &[&str]) -> Venue {
        let mut account = Account::new(Decimal::ZERO, BTreeMap::new());
        for symbol in symbols {
            let order_id = account.next_order_id();
            account.insert(Order {
                order_id,
                client_order_id: format!("c{order_id}"),
                symbol: (*symbol).to_owned(),
                side: Side::Buy,
                order_type: OrderType::Limit,
                time_in_force: TimeInForce::Gtc,
                price: Decimal::ONE,
                orig_qty: Decimal::ONE,
                executed_qty: Decimal::ZERO,
                cum_quote: Decimal::ZERO,
                reduce_only: false,
                status: OrderStatus::New,
                time: 0,
                update_time: 0,
            });
        }
        Venue {
            markets: BTreeMap::new(),
            account,
            countdowns: BTreeMap::new(),
        }
    }

    #[test]
    fn a_lapsed_countdown_cancels_its_symbol_only_and_disarms() {
        let mut venue = venue_with_orders(&["BTCUSDT", "BTCUSDT", "ETHUSDT"]);
        arm(&mut venue, "BTCUSDT", 1_000);
        let now = Instant::now();
        assert_eq!(fire_lapsed(&mut venue, now), 0, "not before the deadline");
        let later = now + Duration::from_millis(1_001);
        assert_eq!(fire_lapsed(&mut venue, later), 2);
        assert!(venue.countdowns.is_empty());
        assert_eq!(venue.account.open_orders(None).count(), 1);
        assert_eq!(venue.account.open_orders(Some("ETHUSDT")).count(), 1);
    }

    #[test]
    fn re_arming_replaces_the_deadline_and_zero_disarms() {
        let mut venue = venue_with_orders(&["BTCUSDT"]);
        let start = Instant::now();
        arm(&mut venue, "BTCUSDT", 1_000);
        arm(&mut venue, "BTCUSDT", 5_000);
        assert_eq!(
            fire_lapsed(&mut venue, start + Duration::from_millis(2_000)),
            0
        );
        arm(&mut venue, "BTCUSDT", 0);
        assert!(venue.countdowns.is_empty());
        assert_eq!(fire_lapsed(&mut venue, start + Duration::from_secs(60)), 0);
        assert_eq!(venue.account.open_orders(None).count(), 1);
        // A countdown too long for the clock never lapses, and does not panic.
        arm(&mut venue, "BTCUSDT", u64::MAX);
        assert_eq!(fire_lapsed(&mut venue, start + Duration::from_secs(60)), 0);
    }
}
