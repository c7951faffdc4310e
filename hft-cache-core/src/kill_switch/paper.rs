//! The paper phase: after a resume, orders are checked as live and answered from a simulation
//! against the current book until the system has proven itself, then the gate opens.

mod fill;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use self::fill::{exchange_error, fill};
use super::switch::Inner;
use super::KillSwitch;
use crate::book::BookView;
use crate::clock::Timestamp;
use crate::gate::PaperDesk;
use crate::gate::{Halted, TripReason};
use crate::monitor::{CacheId, ComplianceReport};
use crate::order::OrderRequest;
use crate::report_format::duration_ms;
use crate::stream_cache::StreamCache;

/// How a resume proves the system before live trading: orders are answered from a simulation
/// against `books` (the order-book cache the adapter decides on) until `orders` simulated orders
/// or `duration` have passed, whichever comes first, with no stale read, unhealthy feed, policy
/// violation or refused book read. Any of those halts trading again, with the reason.
///
/// The simulation answers in the [`SignedClient`](crate::exchange::SignedClient) that holds the
/// switch's gate ([`trading_gate`](crate::exchange::SignedClientBuilder::trading_gate)), with the
/// venue's answer shape ([`Venue::paper_answer`](crate::exchange::Venue::paper_answer): Binance's
/// `FULL` new-order answer with `orderId` 0, Bybit's create result with `orderId` `"0"`), so an
/// adapter's code runs unchanged; its journal records the orders as paper. An order path that does not go
/// through such a client must check [`TradingGate::mode`](super::TradingGate::mode) itself.
///
/// Defaults: 10 orders or 60 s.
///
/// ```
/// use std::time::Duration;
/// use hft_cache::book::BookView;
/// use hft_cache::kill_switch::{GateMode, PaperPhase};
/// use hft_cache::StreamCache;
/// use hft_cache::kill_switch::KillSwitch;
/// use hft_cache::monitor::Registry;
///
/// let books = StreamCache::<String, BookView>::builder().name("books").build().unwrap();
/// let registry = Registry::new();
/// let kill = KillSwitch::builder()
///     .registry(&registry)
///     .paper_phase(PaperPhase::new(&books).orders(5).duration(Duration::from_secs(30)))
///     .build();
/// kill.trip("operator stop");
/// kill.resume()?;
/// assert_eq!(kill.gate().mode(), GateMode::Paper);
/// # Ok::<(), hft_cache::kill_switch::ResumeError>(())
/// ```
#[derive(Clone)]
pub struct PaperPhase {
    books: StreamCache<String, BookView>,
    orders: u32,
    duration: Duration,
}

impl PaperPhase {
    /// A paper phase simulating fills against `books`.
    pub fn new(books: &StreamCache<String, BookView>) -> Self {
        PaperPhase {
            books: books.clone(),
            orders: 10,
            duration: Duration::from_secs(60),
        }
    }

    /// Goes live after this many simulated orders without a fault (default 10).
    pub fn orders(mut self, orders: u32) -> Self {
        self.orders = orders;
        self
    }

    pub(crate) fn orders_needed(&self) -> u32 {
        self.orders
    }

    /// Goes live after this long without a fault (default 60 s), on the kill switch's clock.
    /// Checked on each simulated order and each [`Watcher`](super::Watcher) tick.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }
}

impl fmt::Debug for PaperPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaperPhase")
            .field("books", &self.books.name())
            .field("orders", &self.orders)
            .field("duration", &self.duration)
            .finish()
    }
}

/// Where a paper phase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaperProgress {
    /// Orders simulated without a fault.
    pub orders: u32,
    /// Orders needed.
    pub orders_needed: u32,
    /// Time in the paper phase.
    #[serde(with = "duration_ms")]
    pub elapsed: Duration,
    /// Time needed.
    #[serde(with = "duration_ms")]
    pub duration_needed: Duration,
}

/// One paper phase in progress, shared by the gate (for the client's order path) and the switch.
pub(crate) struct PaperRun {
    phase: PaperPhase,
    started: Timestamp,
    orders: AtomicU32,
    /// Refusal counters at the start: any increase is a fault.
    baseline: HashMap<CacheId, (u64, u64)>,
    kill: Weak<Inner>,
}

impl PaperRun {
    pub(crate) fn start(
        phase: PaperPhase,
        kill: &KillSwitch,
        report: &ComplianceReport,
    ) -> Arc<Self> {
        Arc::new(PaperRun {
            phase,
            started: kill.clock().now(),
            orders: AtomicU32::new(0),
            baseline: report
                .caches
                .iter()
                .map(|c| {
                    (
                        c.info.id,
                        (c.stats.stale_refusals, c.stats.unhealthy_refusals),
                    )
                })
                .collect(),
            kill: Arc::downgrade(&kill.inner),
        })
    }

    fn kill(&self) -> Option<KillSwitch> {
        self.kill.upgrade().map(|inner| KillSwitch { inner })
    }

    pub(crate) fn progress(&self, now: Timestamp) -> PaperProgress {
        PaperProgress {
            // Acquire: pairs with the AcqRel count of each fill, so the watcher that ends the
            // phase on this count sees the fills it counts.
            orders: self.orders.load(Ordering::Acquire),
            orders_needed: self.phase.orders,
            elapsed: now.saturating_since(self.started),
            duration_needed: self.phase.duration,
        }
    }

    /// The first fault the caches show since the phase began.
    fn fault(&self, report: &ComplianceReport) -> Option<String> {
        for cache in &report.caches {
            let (stale, unhealthy) = self
                .baseline
                .get(&cache.info.id)
                .copied()
                .unwrap_or_default();
            let name = &cache.info.name;
            let new_stale = cache.stats.stale_refusals.saturating_sub(stale);
            if new_stale > 0 {
                return Some(format!(
                    "cache `{name}` refused {new_stale} stale read(s) during the paper phase"
                ));
            }
            let new_unhealthy = cache.stats.unhealthy_refusals.saturating_sub(unhealthy);
            if new_unhealthy > 0 {
                return Some(format!(
                    "cache `{name}` refused {new_unhealthy} read(s) from an unhealthy feed during the paper phase"
                ));
            }
        }
        if let Some(violation) = report.violations.first() {
            return Some(format!(
                "policy violation during the paper phase: {violation}"
            ));
        }
        report
            .health_problems
            .first()
            .map(|problem| format!("health problem during the paper phase: {problem}"))
    }

    /// Checks the caches and the clock: trips on a fault, goes live once the time has passed.
    /// Returns the emergency report if it tripped.
    pub(crate) fn tick(self: &Arc<Self>, kill: &KillSwitch) -> Option<super::EmergencyReport> {
        let report = kill.registry().report();
        if let Some(fault) = self.fault(&report) {
            return Some(kill.trip(TripReason::PaperFault { fault }));
        }
        self.maybe_finish(kill);
        None
    }

    fn maybe_finish(self: &Arc<Self>, kill: &KillSwitch) {
        let progress = self.progress(kill.clock().now());
        if progress.orders >= progress.orders_needed || progress.elapsed >= progress.duration_needed
        {
            kill.finish_paper(self, progress);
        }
    }
}

impl PaperDesk for PaperRun {
    /// Simulates `order` against the current book: the answer the exchange would give, as JSON.
    /// A fault (stale or refused book, stale reads, unhealthy feed) halts trading and is returned.
    fn simulate(
        self: Arc<Self>,
        order: &OrderRequest,
        venue_answer: &dyn Fn(&crate::exchange::PaperFill<'_>) -> Option<Value>,
    ) -> Result<Value, Halted> {
        let Some(kill) = self.kill() else {
            return Err(Halted::unknown());
        };
        let halt = |fault: String| {
            kill.trip(TripReason::PaperFault { fault });
            Err(kill.halted().unwrap_or_else(Halted::unknown))
        };
        let Some(symbol) = order.symbol.as_deref() else {
            return Ok(exchange_error(
                -1102,
                "Mandatory parameter 'symbol' was not sent.",
            ));
        };
        let fill = match self.phase.books.read(symbol, |book| fill(book, order)) {
            Ok(fill) => fill,
            Err(refused) => {
                return halt(format!(
                    "paper order on `{symbol}`: the book read was refused: {refused}"
                ))
            }
        };
        if let Some(fault) = self.fault(&kill.registry().report()) {
            return halt(fault);
        }
        let answer = match fill {
            Ok(fill) => {
                let Some(answer) = fill.answer(symbol, order, venue_answer) else {
                    return halt(format!(
                        "paper order on `{symbol}`: the venue has no paper answer (Venue::paper_answer), so its orders cannot be simulated"
                    ));
                };
                // AcqRel: publishes the fill to the watcher that reads the count (see `progress`).
                self.orders.fetch_add(1, Ordering::AcqRel);
                answer
            }
            Err(answer) => answer,
        };
        self.maybe_finish(&kill);
        Ok(answer)
    }
}

crate::class::declare_class!(Plain for PaperPhase);
crate::class::declare_class!(Plain for PaperProgress);
