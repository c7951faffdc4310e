//! [`TradingGate`]: the one check every order path makes before sending an order.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::reason::TripReason;
use crate::clock::Timestamp;

/// Whether orders may be sent. Order paths call [`check`](TradingGate::check) before each
/// order; the [`KillSwitch`](super::KillSwitch) that handed out the gate closes it.
///
/// Cheap to clone (clones share one state) and cheap to check: one atomic load while open.
///
/// ```
/// use hft_cache::{KillSwitch, Registry};
///
/// let kill = KillSwitch::builder().registry(Registry::new()).build();
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
    /// `true` while halted; the one thing the hot path reads.
    closed: AtomicBool,
    /// Why, and since when: written before `closed` is set, cleared after it is unset, so a
    /// check that sees the gate closed always finds the reason.
    halt: Mutex<Option<Halted>>,
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

impl TradingGate {
    /// An open gate. Usually taken from [`KillSwitch::gate`](super::KillSwitch::gate) instead,
    /// so that the switch can close it.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Ok` while trading is allowed; the halt's reason and time once the kill switch tripped.
    ///
    /// # Errors
    ///
    /// [`Halted`] from the moment the kill switch trips until it resumes.
    #[inline]
    pub fn check(&self) -> Result<(), Halted> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(self.halted_reason());
        }
        Ok(())
    }

    /// Whether trading is allowed.
    #[inline]
    pub fn is_open(&self) -> bool {
        !self.inner.closed.load(Ordering::Acquire)
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
        let halt = self.lock().clone();
        // Only reachable in the instant a resume reopens the gate: it was closed for a reason.
        halt.unwrap_or_else(|| Halted {
            reason: TripReason::Manual {
                reason: "trading halted".to_owned(),
            },
            at: Timestamp::ZERO,
            at_unix_ms: 0,
        })
    }

    /// Closes the gate. A gate already closed keeps its first reason: that is what started the
    /// emergency. Returns whether this call closed it.
    pub(crate) fn close(&self, halt: Halted) -> bool {
        let mut current = self.lock();
        if current.is_some() {
            return false;
        }
        *current = Some(halt);
        self.inner.closed.store(true, Ordering::Release);
        true
    }

    /// Reopens the gate.
    pub(crate) fn open(&self) {
        let mut current = self.lock();
        self.inner.closed.store(false, Ordering::Release);
        *current = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Halted>> {
        self.inner
            .halt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for TradingGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TradingGate")
            .field("open", &self.is_open())
            .finish()
    }
}

crate::class::declare_class!(Plain for TradingGate);
