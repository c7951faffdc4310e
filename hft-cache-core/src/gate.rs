//! [`TradingGate`]: the one check every order path makes before sending an order, and why it
//! is closed ([`Halted`], [`TripReason`]).
//!
//! The gate sits below both the order paths that check it (`exchange`) and the kill switch that
//! closes it (`kill_switch`, which re-exports everything here): neither needs the other to
//! reach it. The paper phase the kill switch runs is seen here only as a [`PaperDesk`].

mod reason;
mod scope;

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
#[cfg(feature = "venues")]
use serde_json::Value;

pub use reason::TripReason;
pub use scope::HaltScope;

use crate::clock::Timestamp;
#[cfg(feature = "venues")]
use crate::order::OrderRequest;

/// What answers order placements while the gate is in the paper phase: the kill switch's paper
/// run. `Any` lets the switch take its own run back out of the gate.
pub(crate) trait PaperDesk: Any + Send + Sync {
    /// The answer the exchange would give to `order`, as JSON, in the shape `answer` (the
    /// venue's [`paper_answer`](crate::exchange::Venue::paper_answer)) gives it; a fault halts
    /// trading and is returned.
    #[cfg(feature = "venues")]
    fn simulate(
        self: Arc<Self>,
        order: &OrderRequest,
        answer: &dyn Fn(&crate::order::PaperFill<'_>) -> Option<Value>,
    ) -> Result<Value, Halted>;
}

/// Whether orders may be sent. Order paths call [`check`](TradingGate::check) before each
/// order; the [`KillSwitch`](crate::kill_switch::KillSwitch) that handed out the gate closes it.
///
/// Cheap to clone (clones share one state) and cheap to check: one atomic load while open.
///
/// Besides the halt of everything, a gate carries the kill switch's scoped halts (one venue,
/// symbol or strategy, [`HaltScope`]): [`check_order`](TradingGate::check_order) refuses the
/// orders in their scope and stays one atomic load while none is active; [`check`](TradingGate::check),
/// which knows no order, sees only the halt of everything.
///
/// Besides open ([`GateMode::Live`]) and closed ([`GateMode::Halted`]), a gate can be in the
/// [`GateMode::Paper`] phase that follows a resume when the switch has a
/// [paper phase](crate::kill_switch::PaperPhase): [`check`](TradingGate::check) passes, so adapters
/// run every check they run live, and a [`SignedClient`](crate::exchange::SignedClient) holding the
/// gate answers order placements from a simulation instead of sending them. An order path that does
/// not go through a `SignedClient` must look at [`mode`](TradingGate::mode) itself.
///
/// ```
/// use hft_cache::kill_switch::KillSwitch;
/// use hft_cache::monitor::Registry;
///
/// let kill = KillSwitch::builder().registry(&Registry::new()).build();
/// let gate = kill.gate();
/// assert!(gate.check().is_ok());
///
/// kill.trip("operator stop");
/// let halted = gate.check().unwrap_err();
/// assert!(halted.to_string().contains("operator stop"));
/// ```
#[derive(Clone, Default)]
pub struct TradingGate {
    inner: Arc<GateState>,
}

#[derive(Default)]
struct GateState {
    /// A [`GateMode`] as `u8`, with [`SCOPED`] set while a scoped halt is active; the one thing
    /// the hot path reads.
    mode: AtomicU8,
    /// Why, and since when: written before `mode` becomes halted, cleared after it stops being
    /// halted, so a check that sees the gate closed always finds the reason. The paper run, while
    /// in the paper phase, is kept under the same lock.
    halt: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    halted: Option<Halted>,
    // Set and read only by the kill switch's paper phase (feature `venues`).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    paper: Option<Arc<dyn PaperDesk>>,
    /// Scoped halts, oldest first; none with [`HaltScope::All`].
    scoped: Vec<Halted>,
}

/// Set in the mode byte while a scoped halt is active.
const SCOPED: u8 = 0x80;

/// What a [`TradingGate`] lets order placement do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// Orders go to the exchange.
    Live,
    /// After a resume, before live trading: orders are checked as live and answered from a
    /// simulation against the current book; nothing is sent.
    Paper,
    /// The kill switch tripped: order placement is refused.
    Halted,
}

impl GateMode {
    const fn from_u8(raw: u8) -> Self {
        match raw & !SCOPED {
            0 => GateMode::Live,
            1 => GateMode::Paper,
            _ => GateMode::Halted,
        }
    }

    const fn as_u8(self) -> u8 {
        match self {
            GateMode::Live => 0,
            GateMode::Paper => 1,
            GateMode::Halted => 2,
        }
    }

    /// The mode's name, as in JSON and metrics (`live`, `paper`, `halted`).
    pub fn as_str(self) -> &'static str {
        match self {
            GateMode::Live => "live",
            GateMode::Paper => "paper",
            GateMode::Halted => "halted",
        }
    }
}

impl fmt::Display for GateMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Order placement refused: trading is halted by the kill switch.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("order refused: trading is halted by the kill switch ({reason}); it stays halted until an explicit resume")]
pub struct Halted {
    /// Why the switch was tripped.
    pub reason: TripReason,
    /// When, on the kill switch's clock (nanoseconds from its origin).
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
}

impl Halted {
    /// A halt whose reason is gone: seen only in the instant a resume reopens the gate.
    pub(crate) fn unknown() -> Self {
        Halted {
            reason: TripReason::Manual {
                reason: "trading halted".to_owned(),
            },
            at: Timestamp::ZERO,
            at_unix_ms: 0,
        }
    }
}

impl Halted {
    /// What the halt covers: [`HaltScope::All`], or the scope of a scoped halt (whose reason
    /// is a [`TripReason::Scoped`]).
    pub fn scope(&self) -> &HaltScope {
        static ALL: HaltScope = HaltScope::All;
        match &self.reason {
            TripReason::Scoped { scope, .. } => scope,
            _ => &ALL,
        }
    }
}

impl TradingGate {
    /// An open gate. Usually taken from [`KillSwitch::gate`](crate::kill_switch::KillSwitch::gate)
    /// instead, so that the switch can close it.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Ok` while order placement is allowed (live or in the paper phase); the halt's reason and
    /// time once the kill switch tripped.
    ///
    /// # Errors
    ///
    /// [`Halted`] from the moment the kill switch trips until it resumes.
    #[inline]
    pub fn check(&self) -> Result<(), Halted> {
        if self.mode() == GateMode::Halted {
            return Err(self.halted_reason());
        }
        Ok(())
    }

    /// [`check`](Self::check) for one order: also refused while a scoped halt covers it (its
    /// `venue`, `symbol`, or a strategy prefix of its `client_order_id`). One atomic load while
    /// no scoped halt is active.
    ///
    /// ```
    /// use hft_cache::kill_switch::{Halt, HaltScope, KillSwitch};
    /// use hft_cache::monitor::Registry;
    ///
    /// let kill = KillSwitch::builder().registry(&Registry::new()).build();
    /// let gate = kill.gate();
    /// kill.halt(Halt::new("ETH desk stop").scope(HaltScope::symbol("ETHUSDT")));
    /// assert!(gate.check_order("binance", "ETHUSDT", None).is_err());
    /// assert!(gate.check_order("binance", "BTCUSDT", None).is_ok());
    /// assert!(gate.check().is_ok(), "the halt of everything is not active");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Halted`] while the kill switch has everything halted, or a scoped halt covering this
    /// order is active (the scoped halt's reason and scope).
    #[inline]
    pub fn check_order(
        &self,
        venue: &str,
        symbol: &str,
        client_order_id: Option<&str>,
    ) -> Result<(), Halted> {
        // Acquire: as `mode`.
        let raw = self.inner.mode.load(Ordering::Acquire);
        // Live or paper with no scoped halt: the only values below `Halted`'s, since a scoped
        // halt sets the top bit. One load and one compare, as `check`.
        if raw < GateMode::Halted.as_u8() {
            return Ok(());
        }
        self.check_closed(raw, venue, symbol, client_order_id)
    }

    #[cold]
    fn check_closed(
        &self,
        raw: u8,
        venue: &str,
        symbol: &str,
        client_order_id: Option<&str>,
    ) -> Result<(), Halted> {
        if raw & SCOPED == 0 {
            return Err(self.halted_reason());
        }
        self.check_scoped(venue, symbol, client_order_id)
    }

    #[cold]
    fn check_scoped(
        &self,
        venue: &str,
        symbol: &str,
        client_order_id: Option<&str>,
    ) -> Result<(), Halted> {
        let slot = self.lock();
        if let Some(halted) = &slot.halted {
            return Err(halted.clone());
        }
        match slot
            .scoped
            .iter()
            .find(|h| h.scope().covers_order(venue, symbol, client_order_id))
        {
            Some(halted) => Err(halted.clone()),
            None => Ok(()),
        }
    }

    /// The scoped halts active now, oldest first.
    pub fn scoped_halts(&self) -> Vec<Halted> {
        self.lock().scoped.clone()
    }

    /// Adds a scoped halt; one with the same scope keeps its first reason. Returns whether this
    /// call added it.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn close_scope(&self, halt: Halted) -> bool {
        let mut slot = self.lock();
        if slot.scoped.iter().any(|h| h.scope() == halt.scope()) {
            return false;
        }
        slot.scoped.push(halt);
        let mode = GateMode::from_u8(self.inner.mode.load(Ordering::Acquire));
        self.publish(&slot, mode);
        true
    }

    /// Lifts the scoped halt of `scope`; returns it, if it was active.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn open_scope(&self, scope: &HaltScope) -> Option<Halted> {
        let mut slot = self.lock();
        let position = slot.scoped.iter().position(|h| h.scope() == scope)?;
        let halted = slot.scoped.remove(position);
        let mode = GateMode::from_u8(self.inner.mode.load(Ordering::Acquire));
        self.publish(&slot, mode);
        Some(halted)
    }

    /// Stores `mode`, with the scoped bit as `slot` has it. Called with the slot locked.
    fn publish(&self, slot: &Slot, mode: GateMode) {
        let scoped = if slot.scoped.is_empty() { 0 } else { SCOPED };
        // Release: what the procedure did before this (caches disabled or re-enabled) is seen
        // by an order path that reads the new mode.
        self.inner
            .mode
            .store(mode.as_u8() | scoped, Ordering::Release);
    }

    /// Whether order placement is allowed: live or in the paper phase.
    #[inline]
    pub fn is_open(&self) -> bool {
        self.mode() != GateMode::Halted
    }

    /// Live, paper or halted.
    #[inline]
    pub fn mode(&self) -> GateMode {
        // Acquire: pairs with the Release stores below, so an order path that sees a mode also
        // sees the caches as the procedure left them before setting it.
        GateMode::from_u8(self.inner.mode.load(Ordering::Acquire))
    }

    /// The current halt, if trading is halted.
    pub fn halted(&self) -> Option<Halted> {
        if self.is_open() {
            return None;
        }
        Some(self.halted_reason())
    }

    #[cold]
    fn halted_reason(&self) -> Halted {
        let halt = self.lock().halted.clone();
        // Only reachable in the instant a resume reopens the gate: it was closed for a reason.
        halt.unwrap_or_else(Halted::unknown)
    }

    /// Closes the gate. A gate already closed keeps its first reason: that is what started the
    /// emergency. Returns whether this call closed it.
    /// A paper phase in progress ends here too.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn close(&self, halt: Halted) -> bool {
        let mut slot = self.lock();
        if slot.halted.is_some() {
            return false;
        }
        slot.halted = Some(halt);
        slot.paper = None;
        self.publish(&slot, GateMode::Halted);
        true
    }

    /// Reopens the gate for live trading.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn open(&self) {
        let mut slot = self.lock();
        self.publish(&slot, GateMode::Live);
        slot.halted = None;
        slot.paper = None;
    }

    /// Starts a paper phase: placements are answered by `run` until it opens or halts the gate.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn enter_paper(&self, run: Arc<dyn PaperDesk>) {
        let mut slot = self.lock();
        slot.paper = Some(run);
        self.publish(&slot, GateMode::Paper);
        slot.halted = None;
    }

    /// Goes live only if `run` is still the paper phase in progress (a trip or another resume
    /// may have ended it). Returns whether it did.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn finish_paper<P: PaperDesk>(&self, run: &Arc<P>) -> bool {
        let mut slot = self.lock();
        let same = |p: &Arc<dyn PaperDesk>| std::ptr::addr_eq(Arc::as_ptr(p), Arc::as_ptr(run));
        if !slot.paper.as_ref().is_some_and(same) {
            return false;
        }
        slot.paper = None;
        self.publish(&slot, GateMode::Live);
        true
    }

    /// The paper phase in progress, if any: what answers orders now.
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn paper_desk(&self) -> Option<Arc<dyn PaperDesk>> {
        self.lock().paper.clone()
    }

    /// The paper phase in progress, if it is a `P` (the kill switch's own run).
    #[cfg_attr(not(feature = "venues"), allow(dead_code))]
    pub(crate) fn paper_run<P: PaperDesk>(&self) -> Option<Arc<P>> {
        let desk: Arc<dyn Any + Send + Sync> = self.paper_desk()?;
        desk.downcast().ok()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.inner
            .halt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for TradingGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TradingGate")
            .field("mode", &self.mode())
            .finish()
    }
}

crate::class::declare_class!(Plain for TradingGate);
crate::class::declare_class!(Plain for GateMode);
crate::class::declare_class!(Plain for Halted);

#[cfg(test)]
mod tests {
    use super::*;

    fn halt(scope: HaltScope) -> Halted {
        Halted {
            reason: TripReason::Scoped {
                scope,
                cause: Box::new("test".into()),
            },
            at: Timestamp::ZERO,
            at_unix_ms: 0,
        }
    }

    #[test]
    fn scoped_halts_set_the_scoped_bit_and_stack() {
        let gate = TradingGate::new();
        let raw = |g: &TradingGate| g.inner.mode.load(Ordering::Relaxed);
        assert_eq!(raw(&gate) & SCOPED, 0);
        assert!(gate.close_scope(halt(HaltScope::symbol("ETHUSDT"))));
        assert!(
            !gate.close_scope(halt(HaltScope::symbol("ETHUSDT"))),
            "one per scope"
        );
        assert!(gate.close_scope(halt(HaltScope::venue("bybit"))));
        assert_eq!(raw(&gate) & SCOPED, SCOPED);
        assert_eq!(gate.mode(), GateMode::Live, "the bit is not a mode");
        assert!(gate.check_order("bybit", "BTCUSDT", None).is_err());
        assert!(gate.check_order("binance", "ETHUSDT", None).is_err());
        assert!(gate.check_order("binance", "BTCUSDT", None).is_ok());

        // The halt of everything keeps the scoped halts beneath it.
        assert!(gate.close(Halted::unknown()));
        assert!(gate.check_order("binance", "BTCUSDT", None).is_err());
        gate.open();
        assert_eq!(raw(&gate) & SCOPED, SCOPED);
        assert!(gate.check_order("bybit", "BTCUSDT", None).is_err());

        assert!(gate.open_scope(&HaltScope::venue("bybit")).is_some());
        assert!(gate.open_scope(&HaltScope::venue("bybit")).is_none());
        assert!(gate.open_scope(&HaltScope::symbol("ETHUSDT")).is_some());
        assert_eq!(
            raw(&gate) & SCOPED,
            0,
            "no scoped halt: the one-load path again"
        );
        assert!(gate.check_order("bybit", "ETHUSDT", None).is_ok());
    }
}
