//! [`KillSwitchBuilder`]: which caches, which clock, which gate.

use std::fmt;
use std::time::Duration;

use super::assessment::Retry;
use super::paper::PaperPhase;
use super::relapse::RelapseWatch;
use super::switch::Config;
use super::KillSwitch;
use crate::clock::{SharedClock, SystemClock};
use std::sync::Arc;

use crate::exchange::{OrderVenue, PositionVenue, SignedClient};
use crate::gate::TradingGate;
use crate::journal::OrderJournal;
use crate::monitor::Registry;
use crate::policy::HoldsNoLiveData;

/// Configures a [`KillSwitch`].
#[must_use]
#[derive(Default)]
pub struct KillSwitchBuilder {
    registry: Option<Registry>,
    clock: Option<SharedClock>,
    gate: Option<TradingGate>,
    config: Config,
}

impl KillSwitchBuilder {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The caches the emergency procedure disables and validates (default:
    /// [`Registry::global`]).
    pub fn registry(mut self, registry: &Registry) -> Self {
        self.registry = Some(registry.clone());
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

    /// Resumes through a paper phase: [`resume`](KillSwitch::resume) puts the gate in
    /// [`GateMode::Paper`](super::GateMode::Paper), and it opens only after the phase passes
    /// without a fault (default: none, resume opens the gate at once).
    pub fn paper_phase(mut self, phase: PaperPhase) -> Self {
        self.config.paper = Some(phase);
        self
    }

    /// Tighter trigger limits for a while after each resume (default: none).
    pub fn relapse_watch(mut self, watch: RelapseWatch) -> Self {
        self.config.relapse = Some(watch);
        self
    }

    /// The journal of the orders sent: each emergency report lists those of its suspect window
    /// (default: none). Give it the clock of the switch.
    pub fn journal(mut self, journal: OrderJournal) -> Self {
        self.config.journal = Some(journal);
        self
    }

    /// A venue client the cancel sweep cancels resting orders with after every halt, and the
    /// assessment fetches that venue's fresh order status, open orders, symbol assets and
    /// balances with (default: none, no sweep and no assessment). Call it once per venue
    /// (Binance spot, Binance USD-M futures, Bybit, OKX, any [`OrderVenue`]); a second client of
    /// the same venue replaces the first (one client per venue is what lets the assessment give
    /// each journal entry to the venue it names). A client of its own is best: the sweep needs
    /// no trading gate, only cancel-and-query rights.
    pub fn exchange<V: OrderVenue + HoldsNoLiveData>(mut self, client: SignedClient<V>) -> Self {
        let name = client.venue().name();
        self.config.exchanges.retain(|c| c.venue() != name);
        self.config.exchanges.push(Arc::new(client));
        self
    }

    /// A venue client with positions (derivatives, e.g.
    /// [`BinanceFutures`](crate::exchange::binance_futures::BinanceFutures)): swept as
    /// [`exchange`](Self::exchange) sweeps, then, once the sweep is over, its positions are
    /// fetched fresh into the report ([`EmergencyReport::positions`](super::EmergencyReport)):
    /// size, entry, mark, unrealized PnL, liquidation price. With
    /// [`flatten_positions`](Self::flatten_positions) they are also closed.
    pub fn exchange_with_positions<V>(mut self, client: SignedClient<V>) -> Self
    where
        V: PositionVenue + HoldsNoLiveData,
    {
        let name = client.venue().name();
        self.config.positions.retain(|c| c.venue() != name);
        self.config.positions.push(Arc::new(client.clone()));
        self.exchange(client)
    }

    /// Closes the open positions in a halt's scope after the cancel sweep (default: off; the
    /// report says which). Each is closed with a reduce-only market order built from the
    /// position a fresh query just showed (the one order kind a halted gate lets through: it
    /// can only shrink that position), then a fresh query confirms; what is left after three
    /// rounds (a partial fill, a refusal) makes the report's positions
    /// [`Incomplete`](super::PositionsState::Incomplete). Needs a client given with
    /// [`exchange_with_positions`](Self::exchange_with_positions).
    pub fn flatten_positions(mut self) -> Self {
        self.config.flatten = true;
        self
    }

    /// Leaves resting orders on the venues at a halt instead of sweeping them (default: every
    /// halt cancels the orders in its scope). The report says so
    /// ([`SweepState::KeptResting`](super::SweepState::KeptResting)): such orders can still fill.
    pub fn keep_resting_orders(mut self) -> Self {
        self.config.keep_resting = true;
        self
    }

    /// The cancel sweep's bounds: at most `rounds` rounds of list, cancel and confirm, and no
    /// retry waits past `time` from the trip (default 5 rounds, 30 s). A sweep that ends with
    /// orders open, or a venue unanswered, is incomplete.
    pub fn sweep_bounds(mut self, rounds: u32, time: Duration) -> Self {
        self.config.sweep.rounds = rounds.max(1);
        self.config.sweep.deadline = time;
        self
    }

    /// Retries of each sweep request that fails with a 5xx, a timeout, a connection failure or
    /// a rate limit: `attempts` in all, waiting `initial`, doubling up to `max`, in between;
    /// after a 429/418 at least the venue's `Retry-After`, else `rate_limit_wait` (default: 8
    /// attempts, 100 ms to 2 s, 1 s).
    pub fn sweep_retry(
        mut self,
        attempts: u32,
        initial: Duration,
        max: Duration,
        rate_limit_wait: Duration,
    ) -> Self {
        let sweep = &mut self.config.sweep;
        sweep.attempts = attempts.max(1);
        sweep.initial_backoff = initial;
        sweep.max_backoff = max.max(initial);
        sweep.rate_limit_wait = rate_limit_wait;
        self
    }

    /// How far back the suspect window of a trip that names no condition (a manual trip, a
    /// paper-phase fault) reaches, at least (default 60 s; the longest max age of the registered
    /// caches if that is longer).
    pub fn manual_window(mut self, window: Duration) -> Self {
        self.config.manual_window = window;
        self
    }

    /// Retries of an assessment that cannot reach the exchange: `attempts` in all, waiting
    /// `initial`, doubling up to `max`, in between (default: 10 attempts, 250 ms to 5 s). A
    /// venue's `Retry-After` that asks for longer is waited out instead; a ban (HTTP 418) ends
    /// the retries at once, as every request would extend it.
    pub fn assessment_retry(mut self, attempts: u32, initial: Duration, max: Duration) -> Self {
        self.config.retry = Retry {
            initial,
            max: max.max(initial),
            attempts: attempts.max(1),
        };
        self
    }

    /// Builds the switch, untripped.
    pub fn build(self) -> KillSwitch {
        KillSwitch::new(
            self.gate.unwrap_or_default(),
            self.registry.unwrap_or_else(|| Registry::global().clone()),
            self.clock.unwrap_or_else(SystemClock::shared),
            self.config,
        )
    }
}

impl fmt::Debug for KillSwitchBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KillSwitchBuilder")
            .field("registry", &self.registry)
            .field("gate", &self.gate)
            .field("paper_phase", &self.config.paper)
            .field("relapse_watch", &self.config.relapse)
            .field("journal", &self.config.journal)
            .field(
                "exchanges",
                &self
                    .config
                    .exchanges
                    .iter()
                    .map(|c| c.venue())
                    .collect::<Vec<_>>(),
            )
            .field("keep_resting_orders", &self.config.keep_resting)
            .field("flatten_positions", &self.config.flatten)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for KillSwitchBuilder);
