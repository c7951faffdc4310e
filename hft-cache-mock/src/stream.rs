//! The market clock: moves every book, publishes each depth speed at its cadence, and the
//! ticker and klines at theirs.

use std::time::Duration;

use tokio::time::{Interval, MissedTickBehavior};

use super::state::AppState;
use super::stream_name::Speed;

/// How often each kind of market event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cadence {
    /// One step of every book's random walk.
    pub(crate) book: Duration,
    /// `@depth` (and partial books without `@100ms`), then `@depth@100ms`.
    pub(crate) depth: [Duration; 2],
    /// `@ticker` and `@kline_1s`; the other klines every second time, as Binance does.
    pub(crate) stats: Duration,
}

fn interval(period: Duration) -> Interval {
    let mut i = tokio::time::interval(period);
    i.set_missed_tick_behavior(MissedTickBehavior::Delay);
    i
}

/// Runs the market until shutdown.
pub(crate) async fn run_market(state: AppState, cadence: Cadence) {
    let mut shutdown = state.shutdown.clone();
    let mut book = interval(cadence.book);
    let mut standard = interval(cadence.depth[Speed::Standard.index()]);
    let mut fast = interval(cadence.depth[Speed::Fast.index()]);
    let mut stats = interval(cadence.stats);
    // The first ticks are immediate; everything first happens one period in.
    book.tick().await;
    standard.tick().await;
    fast.tick().await;
    stats.tick().await;
    let faults = &state.faults.inner;
    let mut stats_round = 0_u64;
    loop {
        tokio::select! {
            _ = book.tick() => {
                if faults.is_quiet() {
                    continue;
                }
                for market in state.markets.values() {
                    market.tick(&state.ledger, faults);
                }
            }
            _ = standard.tick() => {
                for market in state.markets.values() {
                    market.flush(Speed::Standard, faults);
                }
            }
            _ = fast.tick() => {
                for market in state.markets.values() {
                    market.flush(Speed::Fast, faults);
                }
            }
            _ = stats.tick() => {
                stats_round += 1;
                for market in state.markets.values() {
                    market.publish_stats(stats_round.is_multiple_of(2), faults);
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
