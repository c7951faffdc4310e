//! [`PreTrade`]: the controls a signed client runs on every order placement, configured per
//! symbol, with their state (windows, duplicates, throttle), counts and escalation.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rust_decimal::Decimal;

use super::check::{self, OrderTicket};
use super::dec;
use super::rules::TradingRules;
use super::throttle::{Limiter, Throttle};
use super::Decision;
use crate::clock::{SharedClock, SystemClock, Timestamp};
use crate::gate::TripReason;
use crate::log_limit::LogLimit;
use crate::monitor::Registry;
use crate::receipt::{Refusal, RefusalCounts, RefusalTally, Rule};
use crate::static_cache::cache::StaticCache;

/// How many of the most recent orders the duplicate check keeps, at least (up to twice as
/// many, between two forgettings).
const DUPLICATES_KEPT: usize = 4096;
/// How many orders a symbol's notional window keeps apart, at most: past it, the oldest is
/// merged into the next (and so counts until that one leaves the window, never less).
const WINDOW_KEPT: usize = 4096;

/// One symbol's limits (or the defaults every symbol without its own gets).
///
/// [`Limits::default`]: a collar of 50 bps through the opposite best price and 500 bps from mid,
/// a duplicate window of 1 s, and no quantity or notional limits. [`Limits::none`]: nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// A limit buy above the best ask (sell below the best bid) by more than this many basis
    /// points is refused.
    pub collar_through_bps: Option<Decimal>,
    /// A limit price further from mid than this many basis points is refused.
    pub collar_mid_bps: Option<Decimal>,
    /// The largest quantity of one order.
    pub max_qty: Option<Decimal>,
    /// The largest notional of one order.
    pub max_notional: Option<Decimal>,
    /// The largest notional sent on the symbol within a window.
    pub window_notional: Option<(Decimal, Duration)>,
    /// The same order (symbol, side, price, quantity) within this window is refused unless the
    /// decision marks it intentional.
    pub duplicate_window: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            collar_through_bps: Some(Decimal::from(50)),
            collar_mid_bps: Some(Decimal::from(500)),
            max_qty: None,
            max_notional: None,
            window_notional: None,
            duplicate_window: Some(Duration::from_secs(1)),
        }
    }
}

impl Limits {
    /// No limits at all (the venue's rules, the receipts and the throttle still apply).
    pub fn none() -> Self {
        Limits {
            collar_through_bps: None,
            collar_mid_bps: None,
            max_qty: None,
            max_notional: None,
            window_notional: None,
            duplicate_window: None,
        }
    }

    /// Sets the collar: `through_bps` past the opposite best price, `mid_bps` from mid.
    #[must_use]
    pub fn collar(mut self, through_bps: Decimal, mid_bps: Decimal) -> Self {
        self.collar_through_bps = Some(through_bps);
        self.collar_mid_bps = Some(mid_bps);
        self
    }

    /// Sets the largest quantity of one order.
    #[must_use]
    pub fn max_qty(mut self, max: Decimal) -> Self {
        self.max_qty = Some(max);
        self
    }

    /// Sets the largest notional of one order.
    #[must_use]
    pub fn max_notional(mut self, max: Decimal) -> Self {
        self.max_notional = Some(max);
        self
    }

    /// Sets the largest notional sent on the symbol within `window`.
    #[must_use]
    pub fn window_notional(mut self, max: Decimal, window: Duration) -> Self {
        self.window_notional = Some((max, window));
        self
    }

    /// Sets the duplicate window (`None`: no duplicate check).
    #[must_use]
    pub fn duplicate_window(mut self, window: impl Into<Option<Duration>>) -> Self {
        self.duplicate_window = window.into();
        self
    }
}

/// When refusals trip the kill switch: `refusals` of one rule within `within` trip it with
/// [`TripReason::PreTradeBreach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    /// How many refusals of one rule trip the switch.
    pub refusals: u32,
    /// Within how long.
    pub within: Duration,
}

/// Why a [`PreTrade`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreTradeBuildError {
    /// No rules cache was given, and venue rules were not explicitly skipped.
    #[error(
        "no trading rules cache: give one with `rules(..)`, or `without_venue_rules()` explicitly"
    )]
    NoRules,
    /// An escalation was configured without a kill switch to trip.
    #[error("an escalation needs a kill switch: `kill_switch(..)`")]
    NoKillSwitch,
    /// An escalation of zero refusals or a zero window.
    #[error("an escalation needs at least one refusal and a window")]
    InvalidEscalation,
}

/// Configures a [`PreTrade`].
#[must_use]
pub struct PreTradeBuilder {
    defaults: Limits,
    symbols: HashMap<String, Limits>,
    rules: Option<StaticCache<String, TradingRules>>,
    skip_rules: bool,
    budget: Option<Duration>,
    allow_undecided: bool,
    throttle: Throttle,
    escalation: Option<Escalation>,
    kill_switch: Option<Arc<dyn Escalate>>,
    registry: Option<Registry>,
    clock: Option<SharedClock>,
}

/// What an [`Escalation`] trips: the kill switch given with
/// [`PreTradeBuilder::kill_switch`], which implements it.
pub(crate) trait Escalate: Send + Sync {
    /// The registry the switch reports into.
    fn registry(&self) -> &Registry;
    /// Whether trading is halted.
    fn is_halted(&self) -> bool;
    /// Runs the emergency procedure for `reason`.
    fn trip(&self, reason: TripReason);
}

impl PreTradeBuilder {
    fn new() -> Self {
        PreTradeBuilder {
            defaults: Limits::default(),
            symbols: HashMap::new(),
            rules: None,
            skip_rules: false,
            budget: None,
            allow_undecided: false,
            throttle: Throttle::default(),
            escalation: None,
            kill_switch: None,
            registry: None,
            clock: None,
        }
    }

    /// The limits of every symbol without its own (default [`Limits::default`]).
    pub fn defaults(mut self, limits: Limits) -> Self {
        self.defaults = limits;
        self
    }

    /// `symbol`'s own limits.
    pub fn symbol(mut self, symbol: impl Into<String>, limits: Limits) -> Self {
        self.symbols.insert(symbol.into(), limits);
        self
    }

    /// The venue's trading rules by symbol, read at send time: a symbol missing from it, or
    /// a data set past its max age, refuses the order.
    pub fn rules(mut self, rules: StaticCache<String, TradingRules>) -> Self {
        self.rules = Some(rules);
        self
    }

    /// Checks no venue rules (the venue checks its own). Explicit, since the default is to
    /// refuse orders without them.
    pub fn without_venue_rules(mut self) -> Self {
        self.skip_rules = true;
        self
    }

    /// Every input must be at most this old when the order is sent, even where its own max age
    /// is longer.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Lets orders without a [`Decision`] through the other controls (default: refused with
    /// [`Refusal::NoDecision`]). Their limit prices are not collared (there is no book), and a
    /// market order is refused where a notional must be checked.
    pub fn allow_undecided(mut self) -> Self {
        self.allow_undecided = true;
        self
    }

    /// The message throttle: orders plus cancels per period (default 10 per second; for
    /// Binance, [`Throttle::from_binance`] gives the exchange's published order limit).
    pub fn throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = throttle;
        self
    }

    /// Trips [`kill_switch`](Self::kill_switch) when refusals of one rule come in a burst.
    pub fn escalate(mut self, refusals: u32, within: Duration) -> Self {
        self.escalation = Some(Escalation { refusals, within });
        self
    }

    /// What [`kill_switch`](Self::kill_switch) sets: the switch an escalation trips.
    pub(crate) fn escalate_to(mut self, kill_switch: Arc<dyn Escalate>) -> Self {
        self.kill_switch = Some(kill_switch);
        self
    }

    /// Counts the refusals in `registry`'s [`ComplianceReport`](crate::monitor::ComplianceReport)
    /// (`pre_trade_refusals`) and so in the ops metrics (`hft_pre_trade_refusals_total{rule}`).
    /// Without it, the registry of the [`kill_switch`](Self::kill_switch), if any.
    pub fn registry(mut self, registry: &Registry) -> Self {
        self.registry = Some(registry.clone());
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock the check ages receipts by, and the throttle and windows run on (default:
    /// the system clock). Give it the same clock as the caches and the client.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the controls.
    ///
    /// # Errors
    ///
    /// [`PreTradeBuildError`] for no rules cache (unless skipped explicitly), or an escalation
    /// without a kill switch or with a zero count or window.
    pub fn build(self) -> Result<PreTrade, PreTradeBuildError> {
        if self.rules.is_none() && !self.skip_rules {
            return Err(PreTradeBuildError::NoRules);
        }
        let escalation = match (self.escalation, self.kill_switch) {
            (None, _) => None,
            (Some(e), _) if e.refusals == 0 || e.within.is_zero() => {
                return Err(PreTradeBuildError::InvalidEscalation)
            }
            (Some(_), None) => return Err(PreTradeBuildError::NoKillSwitch),
            (Some(e), Some(switch)) => Some((e, switch)),
        };
        let clock = self.clock.unwrap_or_else(SystemClock::shared);
        let counts = Arc::new(RefusalTally::default());
        // The compliance report (and the ops metrics) count the refusals: in the registry
        // given, else in that of the kill switch the escalation trips.
        let registry = self.registry.or_else(|| {
            escalation
                .as_ref()
                .map(|(_, switch)| switch.registry().clone())
        });
        if let Some(registry) = registry {
            registry.add_refusal_tally(Arc::clone(&counts));
        }
        let duplicate_window = self
            .symbols
            .values()
            .chain([&self.defaults])
            .filter_map(|l| l.duplicate_window)
            .max();
        Ok(PreTrade {
            inner: Arc::new(Inner {
                limiter: Limiter::new(self.throttle, Arc::clone(&clock)),
                defaults: self.defaults,
                symbols: self.symbols.into_iter().collect(),
                rules: self.rules,
                budget: self.budget,
                allow_undecided: self.allow_undecided,
                escalation,
                clock,
                duplicate_window,
                hasher: ahash::RandomState::new(),
                state: Mutex::new(State::default()),
                counts,
                bursts: Default::default(),
                logs: Default::default(),
                unlogged: Default::default(),
            }),
        })
    }
}

/// The pre-trade controls a [`SignedClient`](crate::exchange::SignedClient) built with
/// [`pre_trade`](crate::exchange::SignedClientBuilder::pre_trade) runs on every order placement,
/// after signing and right before the order is written: the decision's receipts, the price
/// collar against its book, the venue's trading rules, the order and window limits, the
/// duplicate window and the message throttle. Each refusal is counted by rule, logged once per
/// burst, and, with [`escalate`](PreTradeBuilder::escalate), trips the kill switch when they
/// come too fast.
///
/// Cheap to clone: clones share the throttle, windows and counts (one `PreTrade` per venue
/// account).
///
/// ```
/// use std::time::Duration;
/// use hft_cache::pre_trade::{Limits, OrderSide, OrderTicket, PreTrade, Refusal, Rule};
/// use rust_decimal_macros::dec;
///
/// let controls = PreTrade::builder()
///     .without_venue_rules()
///     .allow_undecided()
///     .defaults(Limits::none().max_qty(dec!(1)))
///     .build()
///     .unwrap();
/// let order = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(50000), dec!(1));
/// assert!(controls.check(&order, None).is_ok(), "exactly at the limit passes");
/// let order = OrderTicket::limit("BTCUSDT", OrderSide::Buy, dec!(50000), dec!(1.5));
/// let refusal = controls.check(&order, None).unwrap_err();
/// assert!(matches!(refusal, Refusal::OrderLimit { what: "quantity", .. }));
/// assert_eq!(controls.refusals().get(Rule::OrderLimit), 1);
/// ```
#[derive(Clone)]
pub struct PreTrade {
    inner: Arc<Inner>,
}

struct Inner {
    defaults: Limits,
    symbols: HashMap<String, Limits, ahash::RandomState>,
    rules: Option<StaticCache<String, TradingRules>>,
    budget: Option<Duration>,
    allow_undecided: bool,
    limiter: Limiter,
    escalation: Option<(Escalation, Arc<dyn Escalate>)>,
    clock: SharedClock,
    /// The longest duplicate window of any symbol: how long the recent orders are kept.
    duplicate_window: Option<Duration>,
    hasher: ahash::RandomState,
    state: Mutex<State>,
    counts: Arc<RefusalTally>,
    /// Recent refusals per rule, for the escalation.
    bursts: Mutex<[VecDeque<Timestamp>; Rule::ALL.len()]>,
    logs: [LogLimit; Rule::ALL.len()],
    /// Refusals per rule since the last one logged.
    unlogged: [AtomicU64; Rule::ALL.len()],
}

/// What the controls remember of the orders they passed.
#[derive(Default)]
struct State {
    /// Recent orders by a hash of symbol, side, price and quantity: when each was last sent.
    last_sent: HashMap<u64, Timestamp, ahash::RandomState>,
    /// Per symbol: the notional sent within its window, with the orders that make it up.
    windows: Windows,
}

/// The symbols' notional windows.
#[derive(Default)]
struct Windows {
    /// Where each symbol's window is in `windows`.
    index: HashMap<String, usize, ahash::RandomState>,
    windows: Vec<Window>,
}

impl Windows {
    /// `symbol`'s window, new if it has none yet.
    fn of(&mut self, symbol: &str) -> &mut Window {
        let i = match self.index.get(symbol) {
            Some(&i) => i,
            None => {
                self.index.insert(symbol.to_owned(), self.windows.len());
                self.windows.push(Window::default());
                self.windows.len() - 1
            }
        };
        &mut self.windows[i]
    }
}

#[derive(Default)]
struct Window {
    sent: VecDeque<(Timestamp, Decimal)>,
    sum: Decimal,
}

impl Window {
    fn prune(&mut self, now: Timestamp, window: Duration) {
        while let Some(&(at, notional)) = self.sent.front() {
            if now.saturating_since(at) <= window {
                break;
            }
            self.sent.pop_front();
            self.sum = dec::sub(self.sum, notional).unwrap_or(Decimal::ZERO);
        }
    }

    fn record(&mut self, now: Timestamp, notional: Decimal) {
        if self.sent.len() >= WINDOW_KEPT {
            self.merge_oldest();
        }
        self.sent.push_back((now, notional));
        self.sum = dec::add(self.sum, notional).unwrap_or(Decimal::MAX);
    }

    /// Merges the oldest order into the next, which then counts for both until it leaves. (At a
    /// high rate this runs on every order: not marked cold.)
    #[inline(never)]
    fn merge_oldest(&mut self) {
        if let Some((_, oldest)) = self.sent.pop_front() {
            if let Some(next) = self.sent.front_mut() {
                next.1 = dec::add(next.1, oldest).unwrap_or(Decimal::MAX);
            }
        }
    }
}

/// Forgets the orders sent longer ago than the longest duplicate window, and, if more than
/// [`DUPLICATES_KEPT`] remain, all but the newest [`DUPLICATES_KEPT`]. Run when twice that many
/// are kept, so its cost is spread over as many orders.
#[cold]
#[inline(never)]
fn forget_oldest(
    last_sent: &mut HashMap<u64, Timestamp, ahash::RandomState>,
    now: Timestamp,
    keep: Option<Duration>,
) {
    let keep = keep.unwrap_or_default();
    last_sent.retain(|_, at| now.saturating_since(*at) <= keep);
    if last_sent.len() > DUPLICATES_KEPT {
        let mut times: Vec<Timestamp> = last_sent.values().copied().collect();
        let oldest_kept = times.len() - DUPLICATES_KEPT;
        let (_, cut, _) = times.select_nth_unstable(oldest_kept);
        let cut = *cut;
        last_sent.retain(|_, at| *at >= cut);
    }
}

/// Takes back an order counted as sent that was then refused.
#[cold]
#[inline(never)]
fn unsend(
    last_sent: &mut HashMap<u64, Timestamp, ahash::RandomState>,
    key: u64,
    before: Option<Timestamp>,
) {
    match before {
        Some(at) => last_sent.insert(key, at),
        None => last_sent.remove(&key),
    };
}

#[cold]
#[inline(never)]
fn no_rules(rules: &StaticCache<String, TradingRules>, order: &OrderTicket<'_>) -> Refusal {
    Refusal::RulesUnavailable {
        symbol: order.symbol.to_owned(),
        reason: format!("`{}` has no rules for it", rules.name()),
    }
}

#[cold]
#[inline(never)]
fn rules_unavailable(order: &OrderTicket<'_>, error: &dyn fmt::Display) -> Refusal {
    Refusal::RulesUnavailable {
        symbol: order.symbol.to_owned(),
        reason: error.to_string(),
    }
}

#[cold]
#[inline(never)]
fn duplicate(order: &OrderTicket<'_>, now: Timestamp, at: Timestamp, window: Duration) -> Refusal {
    Refusal::Duplicate {
        symbol: order.symbol.to_owned(),
        ago: check::ago(now, at),
        window,
    }
}

#[cold]
#[inline(never)]
fn window_refusal(
    order: &OrderTicket<'_>,
    sent: Decimal,
    notional: Decimal,
    limit: Decimal,
    window: Duration,
) -> Refusal {
    Refusal::WindowNotional {
        symbol: order.symbol.to_owned(),
        sent,
        order: notional,
        limit,
        window,
    }
}

#[cold]
#[inline(never)]
fn throttled(inner: &Inner, retry_in: Duration) -> Refusal {
    Refusal::Throttle {
        limit: inner.limiter.throttle.limit(),
        per: inner.limiter.throttle.per(),
        retry_in,
    }
}

impl PreTrade {
    /// Configures the controls.
    pub fn builder() -> PreTradeBuilder {
        PreTradeBuilder::new()
    }

    /// The clock receipts are aged by.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// The throttle.
    pub fn throttle(&self) -> Throttle {
        self.inner.limiter.throttle
    }

    /// `symbol`'s limits (its own, or the defaults).
    pub fn limits(&self, symbol: &str) -> &Limits {
        self.inner
            .symbols
            .get(symbol)
            .unwrap_or(&self.inner.defaults)
    }

    /// The refusals so far, by rule.
    pub fn refusals(&self) -> RefusalCounts {
        let mut counts = RefusalCounts::default();
        self.inner.counts.add_to(&mut counts);
        counts
    }

    /// Runs every check on `order` now, as the signed client does right before sending it:
    /// a pass counts the order against the throttle, the window and the duplicate window as
    /// sent; a refusal is counted, logged (once per burst) and may trip the kill switch.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] of the first check that fails.
    pub fn check(
        &self,
        order: &OrderTicket<'_>,
        decision: Option<&Decision>,
    ) -> Result<(), Refusal> {
        let now = self.inner.clock.now();
        self.check_at(order, decision, now)
            .inspect_err(|refusal| self.refused(refusal, now))
    }

    /// The check of an order placement, from its parameters as the journal read them, at `now`.
    pub(crate) fn check_request(
        &self,
        order: &crate::order::OrderRequest,
        decision: Option<&Decision>,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        OrderTicket::from_request(order)
            .and_then(|ticket| self.check_at(&ticket, decision, now))
            .inspect_err(|refusal| self.refused(refusal, now))
    }

    /// A cancel (or amend) takes room in the throttle when there is some, and is never refused:
    /// it reduces exposure.
    pub(crate) fn note_cancel(&self) {
        let _ = self.inner.limiter.take();
    }

    fn check_at(
        &self,
        order: &OrderTicket<'_>,
        decision: Option<&Decision>,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        let inner = &*self.inner;
        match decision {
            Some(decision) => decision.check_inputs(now, inner.budget)?,
            None if inner.allow_undecided => {}
            None => return Err(Refusal::NoDecision),
        }
        let limits = self.limits(order.symbol);
        let book = decision.and_then(Decision::quote);
        // An undecided order has no book to collar against: the builder allowed that.
        let value_price = match check::price_against_book(order, book, limits, decision.is_some()) {
            Ok(price) => price,
            // An order with nothing to value it by is refused only where a value is needed.
            Err(Refusal::NoBook { .. }) if order.price.is_none() && decision.is_none() => None,
            Err(refusal) => return Err(refusal),
        };
        let notional = value_price.and_then(|p| dec::mul(p, order.quantity));
        if let Some(rules) = &inner.rules {
            let open = decision.and_then(|d| d.open_order_count(order.symbol));
            match rules.read(order.symbol, |r| {
                check::venue_rules(r, order, notional, open)
            }) {
                Ok(Some(outcome)) => outcome?,
                Ok(None) => return Err(no_rules(rules, order)),
                Err(error) => return Err(rules_unavailable(order, &error)),
            }
        }
        check::order_limits(limits, order, notional)?;
        self.pass(order, decision, limits, notional, now)
    }

    /// The checks against what was sent before (the duplicate window, the window's notional,
    /// the throttle), and, if they pass, the order counted as sent: one lock, so that orders
    /// sent at once from two tasks are counted as one after the other.
    fn pass(
        &self,
        order: &OrderTicket<'_>,
        decision: Option<&Decision>,
        limits: &Limits,
        notional: Option<Decimal>,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        let inner = &*self.inner;
        let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { last_sent, windows } = &mut *state;
        // The order is counted as sent here, and taken back below if it is refused: one
        // lookup of its key, not one to check and one to record.
        let duplicates = limits.duplicate_window.map(|window| {
            // Of the canonical forms: 1.0 and 1.00 are the same order.
            let price = order.price.map(dec::canonical);
            let key = inner.hasher.hash_one((
                order.symbol,
                order.side,
                price,
                dec::canonical(order.quantity),
            ));
            (key, window, last_sent.insert(key, now))
        });
        // In the order of the checks: the duplicate window, the notional window, the throttle.
        let outcome = 'check: {
            if let Some((_, window, Some(at))) = duplicates {
                let intentional = decision.is_some_and(Decision::is_intentional_duplicate);
                if now.saturating_since(at) <= window && !intentional {
                    break 'check Err(duplicate(order, now, at, window));
                }
            }
            let window = match Self::windowed(windows, order, limits, notional, now) {
                Ok(window) => window,
                Err(refusal) => break 'check Err(refusal),
            };
            // Last: room in the throttle is taken only by an order that passes the rest.
            match inner.limiter.take() {
                Ok(()) => Ok(window),
                Err(retry_in) => Err(throttled(inner, retry_in)),
            }
        };
        match outcome {
            Ok(window) => {
                if let (Some(window), Some(notional)) = (window, notional) {
                    window.record(now, notional);
                }
                if last_sent.len() > 2 * DUPLICATES_KEPT {
                    forget_oldest(last_sent, now, inner.duplicate_window);
                }
                Ok(())
            }
            Err(refusal) => {
                if let Some((key, _, before)) = duplicates {
                    unsend(last_sent, key, before);
                }
                Err(refusal)
            }
        }
    }

    /// The symbol's notional window, pruned to `now`, if it has a limit: refused if the order's
    /// notional would pass it.
    fn windowed<'s>(
        windows: &'s mut Windows,
        order: &OrderTicket<'_>,
        limits: &Limits,
        notional: Option<Decimal>,
        now: Timestamp,
    ) -> Result<Option<&'s mut Window>, Refusal> {
        let Some((limit, span)) = limits.window_notional else {
            return Ok(None);
        };
        let notional = notional.ok_or_else(|| check::no_book(order))?;
        let window = windows.of(order.symbol);
        window.prune(now, span);
        let sent = window.sum;
        if dec::add(sent, notional).is_none_or(|total| dec::gt(total, limit)) {
            return Err(window_refusal(order, sent, notional, limit, span));
        }
        Ok(Some(window))
    }

    /// Counts a refusal, logs the first of a burst, and escalates.
    #[cold]
    fn refused(&self, refusal: &Refusal, now: Timestamp) {
        let inner = &*self.inner;
        let rule = refusal.rule();
        let i = rule.index();
        inner.counts.bump(rule);
        let unlogged = inner.unlogged[i].fetch_add(1, Ordering::Relaxed) + 1;
        if inner.logs[i].allow(now) {
            inner.unlogged[i].store(0, Ordering::Relaxed);
            tracing::warn!(
                rule = rule.as_str(),
                refusals_since_last_line = unlogged,
                %refusal,
                "order refused by the pre-trade check"
            );
        }
        let Some((escalation, switch)) = &inner.escalation else {
            return;
        };
        let burst = {
            let mut bursts = inner.bursts.lock().unwrap_or_else(PoisonError::into_inner);
            let recent = &mut bursts[i];
            while recent
                .front()
                .is_some_and(|at| now.saturating_since(*at) > escalation.within)
            {
                recent.pop_front();
            }
            recent.push_back(now);
            let count = recent.len();
            if count >= escalation.refusals as usize {
                recent.clear();
                Some(count)
            } else {
                None
            }
        };
        if let (Some(refusals), false) = (burst, switch.is_halted()) {
            tracing::error!(
                rule = rule.as_str(),
                refusals,
                "pre-trade refusals in a burst: tripping the kill switch"
            );
            switch.trip(TripReason::PreTradeBreach {
                rule: rule.as_str().to_owned(),
                refusals: u64::try_from(refusals).unwrap_or(u64::MAX),
                limit: u64::from(escalation.refusals),
                within: escalation.within,
                last: refusal.to_string(),
            });
        }
    }
}

impl fmt::Debug for PreTrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreTrade")
            .field("defaults", &self.inner.defaults)
            .field("symbols", &self.inner.symbols.len())
            .field(
                "rules",
                &self.inner.rules.as_ref().map(|r| r.name().to_owned()),
            )
            .field("throttle", &self.inner.limiter.throttle)
            .field("refusals", &self.refusals())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for PreTradeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreTradeBuilder")
            .field("defaults", &self.defaults)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for Limits);
crate::class::declare_class!(Plain for Escalation);
crate::class::declare_class!(Plain for PreTrade);
crate::class::declare_class!(Plain for PreTradeBuilder);
crate::class::declare_class!(Plain for PreTradeBuildError);
crate::class::declare_class!(Plain for super::throttle::Throttle);
