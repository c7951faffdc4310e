//! One venue's sweep: list, cancel, confirm, round after round, each request retried.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::{
    CancelOutcome, SweepClient, SweepConfig, SweepError, SweepState, SweptOrder, VenueSweep,
};
use crate::exchange::VenueOrder;
use crate::gate::HaltScope;

/// Cancel requests of one venue in flight at once: enough for a round's symbols in one round
/// trip, few enough not to trip a venue's burst limits.
const CONCURRENT_CANCELS: usize = 8;

/// Sweeps `client`'s orders in `scope`, from the trip at `started`, within `config`'s bounds.
pub(crate) async fn sweep_venue(
    client: Arc<dyn SweepClient>,
    scope: HaltScope,
    config: SweepConfig,
    started: Instant,
) -> VenueSweep {
    let venue = client.venue();
    let mut sweep = VenueSweep::pending(venue);
    if let HaltScope::Venue { venue: halted } = &scope {
        if halted != venue {
            // Not this venue's halt: nothing of it is in scope.
            sweep.state = SweepState::Done;
            sweep.open_after = Some(Vec::new());
            return sweep;
        }
    }
    // A bound set past what an Instant can hold is no bound: a year is as good.
    let deadline = started
        .checked_add(config.deadline)
        .or_else(|| started.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(started);
    let symbol = match &scope {
        HaltScope::Symbol { symbol } => Some(symbol.clone()),
        _ => None,
    };
    let in_scope = |orders: Vec<VenueOrder>| -> Vec<VenueOrder> {
        orders
            .into_iter()
            .filter(|o| scope.covers_order(venue, &o.symbol, o.client_order_id.as_deref()))
            .collect()
    };
    // A strategy's orders share symbols with others': only single cancels touch only them.
    let cancel_all = client.has_cancel_all() && !matches!(scope, HaltScope::Strategy { .. });
    let mut listed: Option<Vec<VenueOrder>> = None;
    // Symbols whose cancel-all succeeded without naming the orders it closed (Binance USD-M):
    // an order of theirs that is gone and not filled was closed by it.
    let mut cleared: BTreeSet<String> = BTreeSet::new();
    while sweep.rounds < config.rounds && Instant::now() < deadline {
        sweep.rounds += 1;
        let open = match listed.take() {
            Some(open) => open,
            None => {
                let query = retried(&config, deadline, &mut sweep, || {
                    client.open_orders(symbol.clone())
                })
                .await;
                match query {
                    Ok(open) => in_scope(open),
                    Err(_) => continue,
                }
            }
        };
        for order in &open {
            sweep.note(order);
        }
        if open.is_empty() {
            sweep.open_after = Some(Vec::new());
            break;
        }

        let mut cancelled: BTreeSet<String> = BTreeSet::new();
        // The cancels of a round go out together (a few at a time): one round trip for the
        // lot, not one per symbol or order.
        let client = &client;
        if cancel_all {
            let symbols: BTreeSet<&str> = open.iter().map(|o| o.symbol.as_str()).collect();
            // Built in a loop, not by a closure over references: a closure's lifetimes in the
            // future's type keep the spawned sweep from being `Send`.
            let mut requests = Vec::with_capacity(symbols.len());
            for symbol in symbols {
                let symbol = symbol.to_owned();
                let mut tally = VenueSweep::pending(venue);
                requests.push(async move {
                    let done = retried(&config, deadline, &mut tally, || {
                        client.cancel_all(symbol.clone())
                    })
                    .await;
                    (symbol, done, tally)
                });
            }
            let done: Vec<_> = stream::iter(requests)
                .buffer_unordered(CONCURRENT_CANCELS)
                .collect()
                .await;
            for (symbol, done, tally) in done {
                sweep.absorb(tally);
                match done {
                    Ok(Some(ids)) => cancelled.extend(ids),
                    Ok(None) => {
                        cleared.insert(symbol);
                    }
                    // Nothing open there any more: the confirming query tells what became of it.
                    Err(e) if e.unknown_order => {}
                    Err(e) => sweep.fail(open.iter().filter(|o| o.symbol == symbol), &e),
                }
            }
        } else {
            let mut requests = Vec::with_capacity(open.len());
            for order in &open {
                let mut tally = VenueSweep::pending(venue);
                requests.push(async move {
                    if Instant::now() >= deadline {
                        return (order, None, tally);
                    }
                    let done = retried(&config, deadline, &mut tally, || {
                        client.cancel(order.clone())
                    })
                    .await;
                    (order, Some(done), tally)
                });
            }
            let done: Vec<_> = stream::iter(requests)
                .buffer_unordered(CONCURRENT_CANCELS)
                .collect()
                .await;
            for (order, done, tally) in done {
                sweep.absorb(tally);
                match done {
                    Some(Ok(())) => {
                        cancelled.insert(order.order_id.clone());
                    }
                    None
                    | Some(Err(SweepError {
                        unknown_order: true,
                        ..
                    })) => {}
                    Some(Err(e)) => sweep.fail(std::iter::once(order), &e),
                }
            }
        }
        sweep.settle(&cancelled, CancelOutcome::Cancelled);

        let confirmed = retried(&config, deadline, &mut sweep, || {
            client.open_orders(symbol.clone())
        })
        .await;
        let Ok(after) = confirmed else {
            continue;
        };
        let after = in_scope(after);
        let still: BTreeSet<&str> = after.iter().map(|o| o.order_id.as_str()).collect();
        // Gone without our cancel: filled meanwhile, or closed by something else.
        let gone: Vec<VenueOrder> = sweep
            .orders
            .iter()
            .filter(|o| {
                matches!(o.outcome, CancelOutcome::Pending | CancelOutcome::Failed)
                    && !still.contains(o.order.order_id.as_str())
            })
            .map(|o| o.order.clone())
            .collect();
        for order in gone {
            let id = order.order_id.clone();
            let found = retried(&config, deadline, &mut sweep, || {
                client.filled(order.clone())
            })
            .await;
            let (outcome, error) = match found {
                Ok(Some(true)) => (CancelOutcome::FilledMeanwhile, None),
                Ok(Some(false)) if cleared.contains(&order.symbol) => {
                    (CancelOutcome::Cancelled, None)
                }
                Ok(Some(false)) => (CancelOutcome::AlreadyClosed, None),
                Ok(None) => (
                    CancelOutcome::AlreadyClosed,
                    Some(
                        "closed before the cancel; the venue did not say whether it filled"
                            .to_owned(),
                    ),
                ),
                Err(e) => (
                    CancelOutcome::AlreadyClosed,
                    Some(format!(
                        "closed before the cancel; its status could not be read: {}",
                        e.text
                    )),
                ),
            };
            if let Some(swept) = sweep.orders.iter_mut().find(|o| o.order.order_id == id) {
                swept.outcome = outcome;
                swept.error = error;
            }
        }
        for order in &after {
            sweep.note(order);
        }
        let flat = after.is_empty();
        sweep.open_after = Some(after.clone());
        if flat {
            break;
        }
        listed = Some(after);
    }
    if sweep.open_after.as_ref().is_some_and(Vec::is_empty) {
        sweep.state = SweepState::Done;
        sweep.time_to_flat = Some(started.elapsed());
    } else {
        sweep.state = SweepState::Incomplete;
    }
    sweep
}

impl VenueSweep {
    /// An empty, pending record of `venue`: where a sweep starts, and where one request's
    /// retries are counted while others run.
    fn pending(venue: &str) -> Self {
        VenueSweep {
            venue: venue.to_owned(),
            state: SweepState::Pending,
            rounds: 0,
            orders: Vec::new(),
            open_after: None,
            time_to_flat: None,
            retries: 0,
            rate_limited: 0,
            last_error: None,
        }
    }

    /// Adds the retries and the last error counted in `tally`.
    fn absorb(&mut self, tally: VenueSweep) {
        self.retries += tally.retries;
        self.rate_limited += tally.rate_limited;
        if tally.last_error.is_some() {
            self.last_error = tally.last_error;
        }
    }

    /// Records an order seen open (its quantity left as now).
    fn note(&mut self, order: &VenueOrder) {
        match self
            .orders
            .iter_mut()
            .find(|o| o.order.order_id == order.order_id)
        {
            Some(seen) => seen.order.quantity_left = order.quantity_left,
            None => self.orders.push(SweptOrder {
                order: order.clone(),
                outcome: CancelOutcome::Pending,
                error: None,
            }),
        }
    }

    fn fail<'o>(&mut self, orders: impl Iterator<Item = &'o VenueOrder>, error: &SweepError) {
        let ids: BTreeSet<&str> = orders.map(|o| o.order_id.as_str()).collect();
        for swept in &mut self.orders {
            if ids.contains(swept.order.order_id.as_str())
                && swept.outcome != CancelOutcome::Cancelled
            {
                swept.outcome = CancelOutcome::Failed;
                swept.error = Some(error.text.clone());
            }
        }
    }

    fn settle(&mut self, ids: &BTreeSet<String>, outcome: CancelOutcome) {
        for swept in &mut self.orders {
            if ids.contains(&swept.order.order_id) {
                swept.outcome = outcome;
                swept.error = None;
            }
        }
    }
}

/// Runs `request` until it succeeds, fails for good, or its attempts or the sweep's time run
/// out: 5xx, timeouts and connection failures back off, rate limits wait at least what the
/// venue asked (or the sweep's own pause).
async fn retried<T, F, Fut>(
    config: &SweepConfig,
    deadline: Instant,
    sweep: &mut VenueSweep,
    mut request: F,
) -> Result<T, SweepError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SweepError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match request().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        sweep.last_error = Some(error.text.clone());
        if !error.retryable || attempt >= config.attempts {
            return Err(error);
        }
        let mut wait = config.backoff(attempt);
        if error.rate_limited {
            wait = wait.max(error.retry_after.unwrap_or(config.rate_limit_wait));
        }
        if Instant::now()
            .checked_add(wait)
            .is_none_or(|then| then > deadline)
        {
            return Err(error);
        }
        sweep.retries += 1;
        if error.rate_limited {
            sweep.rate_limited += 1;
        }
        tracing::warn!(
            step = "sweep",
            venue = %sweep.venue,
            attempt,
            banned = error.banned,
            error = %error.text,
            retry_in_ms = wait.as_millis() as u64,
            "emergency: sweep request failed, retrying"
        );
        tokio::time::sleep(wait).await;
    }
}
