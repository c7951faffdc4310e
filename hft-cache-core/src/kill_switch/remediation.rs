//! The remediation record: what the procedure changed, and what an operator must do by hand.

use serde::Serialize;

use super::assessment::{Assessment, SuspectWindow};
use super::positions::{self, CloseOutcome, PositionsReport};
use super::sweep::{self, Cancellation, SweepState};
use super::CancelOutcome;
use crate::gate::TripReason;
use crate::monitor::ComplianceReport;

/// A clock further off the exchange's than this needs a person's attention.
const CLOCK_TOLERANCE_MS: u64 = 1_000;

/// What the emergency procedure changed, and what is left to a person, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// Changes the procedure made (or found made), in order.
    pub done: Vec<String>,
    /// What an operator must do by hand before resuming.
    pub manual: Vec<String>,
}

pub(crate) struct Context<'a> {
    pub(crate) reason: &'a TripReason,
    pub(crate) halted_trading: bool,
    pub(crate) disabled: &'a [String],
    pub(crate) compliance: &'a ComplianceReport,
    pub(crate) window: Option<&'a SuspectWindow>,
    pub(crate) assessing: bool,
    pub(crate) paper_orders: Option<u32>,
}

impl Remediation {
    /// What the venue's own dead man's switch will do now that it is not renewed.
    pub(crate) fn dead_man_at_halt(&mut self, d: &super::DeadManState) {
        let armed: Vec<&str> = d
            .symbols
            .iter()
            .filter(|s| s.armed && !s.renewing)
            .map(|s| s.symbol.as_str())
            .collect();
        if !armed.is_empty() {
            self.done.push(format!(
                "dead man's switch on {} no longer renewed: the venue cancels the open orders of {} within {} ms on its own",
                d.venue,
                armed.join(", "),
                d.countdown.as_millis()
            ));
        }
    }

    /// The record at the halt, before any assessment.
    pub(crate) fn at_halt(cx: &Context<'_>) -> Self {
        let mut done = Vec::new();
        let mut manual = Vec::new();
        done.push(if cx.halted_trading {
            "trading gate closed: order placement refused (cancels and queries still pass)"
                .to_owned()
        } else {
            "trading gate was already closed by an earlier trip".to_owned()
        });
        if cx.compliance.caches.is_empty() {
            done.push("no cache registered: nothing to disable".to_owned());
        } else if cx.disabled.is_empty() {
            done.push("no cache left to disable: every cache already refuses reads".to_owned());
        } else {
            done.push(format!(
                "caches disabled, only fresh calls remain: {}",
                cx.disabled.join(", ")
            ));
        }
        for cache in &cx.compliance.caches {
            for feed in &cache.stats.feeds {
                if feed.healthy {
                    done.push(format!(
                        "feed `{}` of `{}` checked: healthy",
                        feed.name, cache.info.name
                    ));
                } else {
                    done.push(format!(
                        "feed `{}` of `{}` checked: unhealthy{}; it reconnects and resynchronises on its own",
                        feed.name,
                        cache.info.name,
                        feed.fault.as_deref().map(|f| format!(" ({f})")).unwrap_or_default()
                    ));
                    manual.push(format!(
                        "wait for feed `{}` of `{}` to resynchronise (resume refuses until it is healthy)",
                        feed.name, cache.info.name
                    ));
                }
            }
        }
        manual.push(format!("find and fix the cause: {}", cx.reason));
        for violation in &cx.compliance.violations {
            manual.push(format!("fix the policy violation: {violation}"));
        }
        match cx.window {
            Some(window) if !window.orders.is_empty() => {
                manual.push(format!(
                    "review the {} order(s) sent in the suspect window{}",
                    window.orders.len(),
                    if cx.assessing {
                        " against the assessment"
                    } else {
                        ": no exchange client was configured, so check their status on the exchange"
                    }
                ));
                if window.journal_truncated {
                    manual.push(
                        "the journal had dropped entries of the window: check the journal file or the exchange for older orders"
                            .to_owned(),
                    );
                }
            }
            Some(_) => {}
            None => manual.push(
                "no order journal was configured: check the exchange for orders sent before the halt"
                    .to_owned(),
            ),
        }
        manual.push(match cx.paper_orders {
            Some(orders) => format!(
                "resume explicitly once healthy (KillSwitch::resume or POST /resume): a paper phase of {orders} simulated order(s) runs before live trading"
            ),
            None => "resume explicitly once healthy (KillSwitch::resume or POST /resume)".to_owned(),
        });
        Remediation { done, manual }
    }

    /// Adds what the assessment found.
    pub(crate) fn assessed(&mut self, assessment: &Assessment) {
        match assessment.clock_offset_ms {
            Some(offset) => {
                self.done.push(format!(
                    "exchange clock checked: the exchange is {offset} ms ahead of this host"
                ));
                if offset.unsigned_abs() > CLOCK_TOLERANCE_MS {
                    self.manual.push(format!(
                        "this host's clock is {offset} ms off the exchange's: fix its time sync (signed requests are refused outside their recvWindow)"
                    ));
                }
            }
            None => self
                .manual
                .push("the exchange clock check failed: check the host's clock sync".to_owned()),
        }
        self.done.push(format!(
            "orders of the suspect window looked up fresh on the exchange: {}",
            assessment.orders.len()
        ));
        for symbol in &assessment.symbols {
            if symbol.open_orders > 0 {
                self.manual.push(format!(
                    "{} order(s) still open on {} {} (buy {} / sell {} left): cancel or keep them deliberately",
                    symbol.open_orders,
                    symbol.venue,
                    symbol.symbol,
                    symbol.open_buy_qty.normalize(),
                    symbol.open_sell_qty.normalize()
                ));
            }
            if !symbol.net_filled_qty.is_zero() {
                self.manual.push(format!(
                    "{} {} net filled {} in the suspect window: decide whether to hedge or unwind",
                    symbol.venue,
                    symbol.symbol,
                    symbol.net_filled_qty.normalize()
                ));
            }
        }
    }

    /// What the sweep's start means for the operator.
    pub(crate) fn at_sweep_start(&mut self, c: &Cancellation) {
        match c.state {
            SweepState::KeptResting => self.manual.push(
                "resting orders were kept by choice (keep_resting_orders): they can still fill; cancel them or keep them deliberately"
                    .to_owned(),
            ),
            SweepState::NotConfigured => self.manual.push(
                "no venue client was configured: resting orders were NOT cancelled; cancel them on the exchange"
                    .to_owned(),
            ),
            SweepState::Incomplete => self.manual.push(format!(
                "the cancel sweep could not run: {}; cancel resting orders on the exchange",
                c.describe_open().join("; ")
            )),
            _ => {}
        }
    }

    /// Adds what the sweep did and left.
    pub(crate) fn swept(&mut self, c: &Cancellation) {
        let orders = || {
            c.venues
                .iter()
                .flat_map(|v| v.orders.iter().map(move |o| (v, o)))
        };
        let cancelled = orders()
            .filter(|(_, o)| o.outcome == CancelOutcome::Cancelled)
            .count();
        match (c.state, c.time_to_flat) {
            (SweepState::Done, Some(t)) => self.done.push(format!(
                "resting orders in {} swept: {cancelled} cancelled; fresh open-orders queries confirm none open on {} ({} ms after the trip)",
                c.scope,
                c.venues.iter().map(|v| v.venue.as_str()).collect::<Vec<_>>().join(", "),
                t.as_millis()
            )),
            _ => {
                self.done.push(format!(
                    "resting orders in {} swept: {cancelled} cancelled, but the sweep is INCOMPLETE",
                    c.scope
                ));
                for line in c.describe_open() {
                    self.manual.push(format!("still open or unknown after the sweep: {line}"));
                }
                for (venue, order) in orders().filter(|(_, o)| o.outcome == CancelOutcome::Failed) {
                    self.manual.push(format!(
                        "cancel failed for {}: {}",
                        sweep::describe(&venue.venue, &order.order),
                        order.error.as_deref().unwrap_or("unknown error")
                    ));
                }
                self.manual.push(
                    "resume is refused until these are cancelled or acknowledged one by one (KillSwitch::resume_acknowledging)"
                        .to_owned(),
                );
            }
        }
        for (venue, order) in orders().filter(|(_, o)| o.outcome == CancelOutcome::FilledMeanwhile)
        {
            self.manual.push(format!(
                "{} filled while it was being cancelled: include it in the exposure",
                sweep::describe(&venue.venue, &order.order)
            ));
        }
    }

    /// Adds what the positions step found and did, and what each open position needs.
    pub(crate) fn positioned(&mut self, report: &PositionsReport) {
        for venue in &report.venues {
            if let Some(error) = &venue.error {
                self.manual.push(format!(
                    "positions on {} could not be fetched or confirmed ({error}): check them on the exchange",
                    venue.venue
                ));
            }
            for close in &venue.closes {
                match &close.outcome {
                    CloseOutcome::Closed => self.done.push(format!(
                        "{} {} {} {} closed with a reduce-only market order, confirmed by a fresh position query",
                        venue.venue, close.symbol, close.direction, close.quantity.normalize()
                    )),
                    CloseOutcome::Partial { left } => self.done.push(format!(
                        "{} {} {}: a reduce-only close of {} filled in part, {} left",
                        venue.venue, close.symbol, close.direction, close.quantity.normalize(), left.normalize()
                    )),
                    CloseOutcome::Failed { error } => self.manual.push(format!(
                        "{} {}: the reduce-only close of {} was refused or failed ({error})",
                        venue.venue, close.symbol, close.quantity.normalize()
                    )),
                }
            }
        }
        for (venue, position) in report.open() {
            let what = positions::describe_position(venue, position);
            self.manual.push(if report.flatten {
                format!("{what} is STILL OPEN after the flatten: close it with a reduce-only order, or keep it deliberately")
            } else {
                format!("{what} is open: close it with a reduce-only order, or keep it deliberately (flatten_positions closes positions at a halt)")
            });
        }
    }

    /// Notes an assessment that could not reach the exchange.
    pub(crate) fn unassessed(&mut self, attempts: u32, error: &str) {
        self.manual.push(format!(
            "the assessment could not reach the exchange ({attempts} attempt(s), last: {error}): check the orders of the suspect window, open orders and balances by hand"
        ));
    }
}

crate::class::declare_class!(Plain for Remediation);
