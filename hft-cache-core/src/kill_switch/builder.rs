//! [`KillSwitchBuilder`]: which caches, which clock, which gate.

use super::{KillSwitch, TradingGate};
use crate::clock::{SharedClock, SystemClock};
use crate::monitor::Registry;

/// Configures a [`KillSwitch`].
#[must_use]
#[derive(Debug, Default)]
pub struct KillSwitchBuilder {
    registry: Option<Registry>,
    clock: Option<SharedClock>,
    gate: Option<TradingGate>,
}

impl KillSwitchBuilder {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The caches the emergency procedure disables and validates (default:
    /// [`Registry::global`]).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock halts are stamped with and trigger windows are measured on (default:
    /// [`SystemClock`]). Give it the caches' clock.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A gate already handed to order paths (default: a new open gate, from
    /// [`KillSwitch::gate`]).
    pub fn gate(mut self, gate: TradingGate) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Builds the switch, untripped.
    pub fn build(self) -> KillSwitch {
        KillSwitch::new(
            self.gate.unwrap_or_default(),
            self.registry.unwrap_or_else(|| Registry::global().clone()),
            self.clock.unwrap_or_else(SystemClock::shared),
        )
    }
}
