//! The kill switch as what the pre-trade controls' escalation trips:
//! [`PreTradeBuilder::kill_switch`].

use std::sync::Arc;

use super::KillSwitch;
use crate::gate::TripReason;
use crate::monitor::Registry;
use crate::pre_trade::{Escalate, PreTradeBuilder};

impl PreTradeBuilder {
    /// The kill switch an [`escalate`](Self::escalate) trips.
    pub fn kill_switch(self, kill_switch: KillSwitch) -> Self {
        self.escalate_to(Arc::new(kill_switch))
    }
}

impl Escalate for KillSwitch {
    fn registry(&self) -> &Registry {
        KillSwitch::registry(self)
    }

    fn is_halted(&self) -> bool {
        KillSwitch::is_halted(self)
    }

    fn trip(&self, reason: TripReason) {
        KillSwitch::trip(self, reason);
    }
}
