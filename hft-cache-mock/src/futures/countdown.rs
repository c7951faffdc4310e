//! `countdownCancelAll`: the exchange's own dead man's switch. Arming sets a deadline per
//! symbol (re-arming replaces it, `0` removes it); a task checks every 10 ms, as the docs say
//! Binance does, and cancels every open order of a symbol whose deadline has passed. The
//! countdown is never faulted: it is what a client falls back on when everything else failed.

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
