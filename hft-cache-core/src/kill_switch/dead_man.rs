//! [`DeadMan`]: keeps a venue's own dead man's switch armed while the process is healthy and
//! its gate is live, so that the exchange cancels the resting orders by itself when the
//! process stops: the backstop of the cancel sweep, which needs a running process.
//!
//! What the venues offer:
//!
#![doc = include_str!("dead_man_venues.md")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::KillSwitch;
use crate::exchange::{CountdownCancel, RequestError, SignedClient};
use crate::policy::HoldsNoLiveData;

mod state;
mod task;

pub(super) use state::Shared;
pub use state::{DeadManPhase, DeadManState, SymbolCountdown};
use state::{Record, SymbolRecord};
use task::{send, Task};

/// Binance's suggestion: a 120 s countdown, renewed every 30 s.
const DEFAULT_COUNTDOWN: Duration = Duration::from_secs(120);
/// The renewal period as a share of the countdown, by default: a quarter (30 s of 120 s).
const DEFAULT_REARM_DIVISOR: u32 = 4;

/// Keeps a venue's countdown cancel ([`CountdownCancel`]) armed for a set of symbols, from a
/// tokio task, while the kill switch's gate is live: the exchange then cancels the resting
/// orders by itself when the process stops, backing up the cancel sweep (which needs a running
/// process).
///
/// What the venues offer:
///
#[doc = include_str!("dead_man_venues.md")]
///
/// The task arms the countdown of every symbol at once, then renews it every
/// [`rearm_every`](DeadManBuilder::rearm_every) (a quarter of the countdown by default: 30 s of
/// 120 s). It stops renewing a symbol:
///
/// - when the gate halts it (a halt of everything, of the venue or of the symbol) or leaves
///   live mode (a paper phase): the exchange's own cancel then backs up the sweep, at most one
///   countdown after the halt (a renewal already on its way when the halt lands still
///   arrives), and a resume arms it afresh;
/// - when the process stalls: a task that does not run does not renew, and the venue cancels
///   after the countdown with no help from the process. A wake-up later than
///   [`late_tolerance`](DeadManBuilder::late_tolerance) after its schedule is counted and
///   logged; one past the countdown since the last renewal means the venue has already
///   cancelled, and trips the switch;
/// - when a renewal fails after its retries (bounded by
///   [`retries`](DeadManBuilder::retries) and by the countdown itself): the switch trips with
///   [`TripReason::DeadManFailed`](crate::gate::TripReason::DeadManFailed), since the process can no longer count on the backstop,
///   and the task ends (spawn a new one once the cause is fixed);
/// - on [`DeadMan::stop`] (or when the handle is dropped); [`DeadMan::disarm`] also cancels
///   the countdowns at the venue.
///
/// Its [`state`](DeadMan::state) is in every [`EmergencyReport`](super::EmergencyReport) of the
/// switch it was built with ([`dead_man`](super::EmergencyReport::dead_man)).
///
/// ```no_run
/// use std::time::Duration;
/// use hft_cache::exchange::binance_futures::BinanceFutures;
/// use hft_cache::exchange::SignedClient;
/// use hft_cache::kill_switch::{DeadMan, KillSwitch};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = |url: &str| SignedClient::builder_for(BinanceFutures, url).api_key("key").secret("secret");
/// let kill = KillSwitch::builder().exchange(client("https://fapi.binance.com").build()?).build();
/// let dead_man = DeadMan::builder(client("https://fapi.binance.com").build()?, &kill)
///     .symbols(["BTCUSDT", "ETHUSDT"])
///     .countdown(Duration::from_secs(120)) // the default, renewed every 30 s
///     .spawn()?;
/// // ... trade; a halt stops the renewals, and the venue cancels two minutes later at most.
/// println!("{:?}", dead_man.state().phase);
/// # Ok(()) }
/// ```
pub struct DeadMan {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    /// Sends the venue's disarm of one symbol (a clone of the task's client inside).
    disarmer: Disarmer,
}

/// A symbol's disarm call, with the venue's type erased so that the handle is not generic.
type Disarmer = Box<
    dyn Fn(String) -> futures_util::future::BoxFuture<'static, Result<(), RequestError>>
        + Send
        + Sync,
>;

/// Configures a [`DeadMan`].
#[must_use]
pub struct DeadManBuilder<V: CountdownCancel> {
    client: SignedClient<V>,
    switch: KillSwitch,
    symbols: Vec<String>,
    countdown: Duration,
    rearm_every: Option<Duration>,
    late_tolerance: Option<Duration>,
    attempts: u32,
    backoff: Duration,
}

/// Why a [`DeadMan`] could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeadManBuildError {
    /// No symbol to arm.
    #[error("a dead man's switch needs at least one symbol")]
    NoSymbols,
    /// A countdown of zero would stop the venue's timer instead of arming it.
    #[error("the countdown must be above zero")]
    ZeroCountdown,
    /// Renewing no sooner than the countdown lapses lets the venue cancel between renewals.
    #[error("re-arming every {rearm_every:?} does not beat the {countdown:?} countdown")]
    RearmTooSlow {
        /// The renewal period.
        rearm_every: Duration,
        /// The countdown.
        countdown: Duration,
    },
    /// `spawn` was called outside a tokio runtime.
    #[error("no tokio runtime to run the dead man's switch on")]
    NoRuntime,
}

impl DeadMan {
    /// Configures a dead man's switch on `client`'s venue, tripping `switch` when it cannot be
    /// kept armed and following the gate of `switch`. The client needs the venue's trade
    /// rights (the countdown call is not an order: the gate does not hold it back).
    pub fn builder<V>(client: SignedClient<V>, switch: &KillSwitch) -> DeadManBuilder<V>
    where
        V: CountdownCancel + HoldsNoLiveData,
    {
        DeadManBuilder {
            client,
            switch: switch.clone(),
            symbols: Vec::new(),
            countdown: DEFAULT_COUNTDOWN,
            rearm_every: None,
            late_tolerance: None,
            attempts: 3,
            backoff: Duration::from_millis(250),
        }
    }

    /// What it is doing and has done.
    pub fn state(&self) -> DeadManState {
        self.shared.state()
    }

    /// Stops renewing, without disarming: every countdown still running lapses at the venue,
    /// which then cancels the symbols' open orders by itself (as if the process had hung).
    pub fn stop(&self) {
        self.task.abort();
        self.shared
            .stop("stopped by DeadMan::stop: the venue cancels once the countdown lapses");
    }

    /// Stops renewing and cancels every symbol's countdown at the venue (for a shutdown that
    /// leaves orders resting on purpose). A symbol whose disarm fails keeps its countdown.
    ///
    /// # Errors
    ///
    /// The first [`RequestError`] of a disarm that failed; the others were still sent.
    pub async fn disarm(self) -> Result<(), RequestError> {
        self.task.abort();
        self.shared.stop("disarming");
        let symbols: Vec<String> = self
            .shared
            .lock()
            .symbols
            .iter()
            .map(|s| s.symbol.clone())
            .collect();
        let mut first_error = None;
        for symbol in symbols {
            if let Err(e) = (self.disarmer)(symbol).await {
                first_error.get_or_insert(e);
            }
        }
        let mut record = self.shared.lock();
        match first_error {
            None => {
                record.phase = DeadManPhase::Disarmed;
                record.stopped_because = Some("disarmed by DeadMan::disarm".into());
                for symbol in &mut record.symbols {
                    symbol.lapses_at_unix_ms = None;
                }
                Ok(())
            }
            Some(e) => {
                record.last_error = Some(format!("disarm: {e}"));
                Err(e)
            }
        }
    }
}

impl std::fmt::Debug for DeadMan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadMan")
            .field("state", &self.shared.state())
            .finish_non_exhaustive()
    }
}

impl Drop for DeadMan {
    /// A dropped handle stops the renewals (the countdowns then lapse at the venue).
    fn drop(&mut self) {
        if !self.task.is_finished() {
            self.task.abort();
            self.shared.stop(
                "the DeadMan handle was dropped: the venue cancels once the countdown lapses",
            );
        }
    }
}

impl<V: CountdownCancel + HoldsNoLiveData> DeadManBuilder<V> {
    /// Adds a symbol to arm.
    pub fn symbol(mut self, symbol: impl Into<String>) -> Self {
        self.symbols.push(symbol.into());
        self
    }

    /// Adds symbols to arm.
    pub fn symbols<S: Into<String>>(mut self, symbols: impl IntoIterator<Item = S>) -> Self {
        self.symbols.extend(symbols.into_iter().map(Into::into));
        self
    }

    /// The countdown each renewal sets (default 120 s): how long after the last renewal the
    /// venue cancels.
    pub fn countdown(mut self, countdown: Duration) -> Self {
        self.countdown = countdown;
        self
    }

    /// How often to renew (default a quarter of the countdown: 30 s of 120 s). Must be below
    /// the countdown; half of it or less leaves room for retries.
    pub fn rearm_every(mut self, every: Duration) -> Self {
        self.rearm_every = Some(every);
        self
    }

    /// How late past its schedule a renewal may wake before it counts as a stall (default half
    /// the renewal period).
    pub fn late_tolerance(mut self, tolerance: Duration) -> Self {
        self.late_tolerance = Some(tolerance);
        self
    }

    /// Attempts per renewal (at least 1; default 3), `backoff` before the second, doubling
    /// (default 250 ms). Retries never run past the countdown of the last renewal.
    pub fn retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.backoff = backoff;
        self
    }

    /// Arms every symbol now and keeps renewing on a tokio task.
    ///
    /// # Errors
    ///
    /// [`DeadManBuildError`] for no symbol, a zero countdown, a renewal period not below the
    /// countdown, or no tokio runtime.
    pub fn spawn(self) -> Result<DeadMan, DeadManBuildError> {
        if self.symbols.is_empty() {
            return Err(DeadManBuildError::NoSymbols);
        }
        if self.countdown.is_zero() {
            return Err(DeadManBuildError::ZeroCountdown);
        }
        let rearm_every = self
            .rearm_every
            .unwrap_or(self.countdown / DEFAULT_REARM_DIVISOR);
        if rearm_every >= self.countdown || rearm_every.is_zero() {
            return Err(DeadManBuildError::RearmTooSlow {
                rearm_every,
                countdown: self.countdown,
            });
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| DeadManBuildError::NoRuntime)?;
        let mut symbols = self.symbols;
        symbols.sort();
        symbols.dedup();
        let shared = Arc::new(Shared {
            venue: self.client.venue().name(),
            countdown: self.countdown,
            rearm_every,
            gate: self.switch.gate(),
            record: Mutex::new(Record {
                phase: DeadManPhase::Starting,
                stopped_because: None,
                symbols: symbols
                    .iter()
                    .map(|symbol| SymbolRecord {
                        symbol: symbol.clone(),
                        armed_at: None,
                        last_armed_unix_ms: None,
                        lapses_at_unix_ms: None,
                        stopped: false,
                    })
                    .collect(),
                rearms: 0,
                failures: 0,
                late_rearms: 0,
                last_rearm_unix_ms: None,
                last_error: None,
            }),
        });
        self.switch.set_dead_man(Arc::clone(&shared));
        let disarm_client = self.client.clone();
        let disarmer: Disarmer = Box::new(move |symbol: String| {
            let client = disarm_client.clone();
            Box::pin(async move {
                let call = client.venue().disarm(&symbol);
                send::<V>(&client, call).await
            })
        });
        let task = Task {
            client: self.client,
            switch: self.switch,
            shared: Arc::clone(&shared),
            late_tolerance: self.late_tolerance.unwrap_or(rearm_every / 2),
            attempts: self.attempts,
            backoff: self.backoff,
        };
        let task = runtime.spawn(task.run());
        Ok(DeadMan {
            shared,
            task,
            disarmer,
        })
    }
}

impl<V: CountdownCancel> std::fmt::Debug for DeadManBuilder<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadManBuilder")
            .field("venue", &self.client.venue().name())
            .field("symbols", &self.symbols)
            .field("countdown", &self.countdown)
            .field("rearm_every", &self.rearm_every)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

crate::class::declare_class!(Plain for DeadMan);
crate::class::declare_class!([V: CountdownCancel] Plain for DeadManBuilder<V>);
crate::class::declare_class!(Plain for DeadManBuildError);
