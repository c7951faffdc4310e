//! [`DeadMan`]: keeps a venue's own dead man's switch armed while the process is healthy and
//! its gate is live, so that the exchange cancels the resting orders by itself when the
//! process stops: the backstop of the cancel sweep, which needs a running process.
//!
//! What the venues offer:
//!
#![doc = include_str!("dead_man_venues.md")]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::KillSwitch;
use crate::exchange::{CountdownCancel, RequestError, SignedClient, VenueCall};
use crate::fresh::Fresh;
use crate::gate::{GateMode, TradingGate, TripReason};
use crate::policy::HoldsNoLiveData;
use crate::report_format::{duration_ms, unix_millis};

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
///   [`TripReason::DeadManFailed`], since the process can no longer count on the backstop,
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

/// What a [`DeadMan`] is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadManPhase {
    /// Started; no countdown armed yet.
    Starting,
    /// Every symbol's countdown is armed and renewed on schedule.
    Armed,
    /// Not renewing (halted, stopped, failed, or the process stalled past the countdown): any
    /// countdown still running at the venue lapses and cancels on its own.
    Stopped,
    /// The countdowns were cancelled at the venue ([`DeadMan::disarm`]): nothing cancels by
    /// itself any more.
    Disarmed,
}

impl DeadManPhase {
    /// The phase's name, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadManPhase::Starting => "starting",
            DeadManPhase::Armed => "armed",
            DeadManPhase::Stopped => "stopped",
            DeadManPhase::Disarmed => "disarmed",
        }
    }
}

/// One symbol's countdown as a [`DeadMan`] last set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SymbolCountdown {
    /// The symbol.
    pub symbol: String,
    /// Whether the venue's countdown runs, as far as this process knows (armed and neither
    /// disarmed nor past its lapse).
    pub armed: bool,
    /// Whether this process still renews it (the gate lets the symbol trade and the task runs).
    pub renewing: bool,
    /// When the venue last confirmed the countdown, in milliseconds since the Unix epoch.
    pub last_armed_unix_ms: Option<u64>,
    /// When it lapses unless renewed (the venue then cancels the symbol's open orders).
    pub lapses_at_unix_ms: Option<u64>,
}

/// What a [`DeadMan`] is doing and has done: [`DeadMan::state`], and
/// [`EmergencyReport::dead_man`](super::EmergencyReport::dead_man).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeadManState {
    /// The venue (`binance-futures`).
    pub venue: String,
    /// Armed, stopped, ...
    pub phase: DeadManPhase,
    /// Why it stopped renewing, when it did.
    pub stopped_because: Option<String>,
    /// The countdown each renewal sets.
    #[serde(rename = "countdown_ms", with = "duration_ms")]
    pub countdown: Duration,
    /// How often it renews.
    #[serde(rename = "rearm_every_ms", with = "duration_ms")]
    pub rearm_every: Duration,
    /// Each symbol's countdown.
    pub symbols: Vec<SymbolCountdown>,
    /// Renewals the venue confirmed (the first arming included).
    pub rearms: u64,
    /// Renewal attempts that failed (retried ones included).
    pub failures: u64,
    /// Wake-ups later than the tolerance after their schedule (the process stalled).
    pub late_rearms: u64,
    /// When the venue last confirmed a renewal, in milliseconds since the Unix epoch.
    pub last_rearm_unix_ms: Option<u64>,
    /// The last failure, in words.
    pub last_error: Option<String>,
}

/// The task's record, shared with the handle and the kill switch (for its reports).
#[derive(Debug)]
pub(super) struct Shared {
    venue: &'static str,
    countdown: Duration,
    rearm_every: Duration,
    gate: TradingGate,
    record: Mutex<Record>,
}

#[derive(Debug)]
struct Record {
    phase: DeadManPhase,
    stopped_because: Option<String>,
    symbols: Vec<SymbolRecord>,
    rearms: u64,
    failures: u64,
    late_rearms: u64,
    last_rearm_unix_ms: Option<u64>,
    last_error: Option<String>,
}

#[derive(Debug)]
struct SymbolRecord {
    symbol: String,
    /// When the venue last confirmed the countdown (the task's clock), while this process
    /// renews it; `None` once it stopped renewing.
    armed_at: Option<Instant>,
    last_armed_unix_ms: Option<u64>,
    /// Set while armed; kept after the renewals stop, so that the report says when the venue
    /// cancels.
    lapses_at_unix_ms: Option<u64>,
    /// Renewals stopped for this symbol (halted scope); cleared on the next arming.
    stopped: bool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        // Every change is a few field writes: a panic cannot leave a record half-made.
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the gate lets `symbol` trade live now: the only time to renew.
    fn renews(&self, symbol: &str) -> bool {
        self.gate.mode() == GateMode::Live
            && self.gate.check_order(self.venue, symbol, None).is_ok()
    }

    /// The state as of now: the record, with the gate's word on what is still renewed (a halt
    /// stops renewals at once, before the task wakes to notice).
    pub(super) fn state(&self) -> DeadManState {
        let record = self.lock();
        let now_ms = unix_millis();
        let mut any_renewing = false;
        let symbols: Vec<SymbolCountdown> = record
            .symbols
            .iter()
            .map(|s| {
                let renewing = record.phase == DeadManPhase::Armed
                    && !s.stopped
                    && s.armed_at.is_some()
                    && self.renews(&s.symbol);
                any_renewing |= renewing;
                SymbolCountdown {
                    symbol: s.symbol.clone(),
                    armed: record.phase != DeadManPhase::Disarmed
                        && s.lapses_at_unix_ms.is_some_and(|at| at > now_ms),
                    renewing,
                    last_armed_unix_ms: s.last_armed_unix_ms,
                    lapses_at_unix_ms: s.lapses_at_unix_ms,
                }
            })
            .collect();
        let (phase, stopped_because) = if record.phase == DeadManPhase::Armed && !any_renewing {
            (
                DeadManPhase::Stopped,
                Some(record.stopped_because.clone().unwrap_or_else(|| {
                    "trading halted: the countdown is not renewed and lapses at the venue".into()
                })),
            )
        } else {
            (record.phase, record.stopped_because.clone())
        };
        DeadManState {
            venue: self.venue.to_owned(),
            phase,
            stopped_because,
            countdown: self.countdown,
            rearm_every: self.rearm_every,
            symbols,
            rearms: record.rearms,
            failures: record.failures,
            late_rearms: record.late_rearms,
            last_rearm_unix_ms: record.last_rearm_unix_ms,
            last_error: record.last_error.clone(),
        }
    }

    fn stop(&self, why: &str) {
        let mut record = self.lock();
        if matches!(record.phase, DeadManPhase::Starting | DeadManPhase::Armed) {
            record.phase = DeadManPhase::Stopped;
            record.stopped_because = Some(why.to_owned());
        }
        for symbol in &mut record.symbols {
            symbol.armed_at = None;
        }
    }
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

/// What a wake-up finds, for one symbol armed at `armed_at`, scheduled for `scheduled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// On time (or late within the tolerance).
    OnTime,
    /// Later than the tolerance, before the countdown lapsed.
    Late(Duration),
    /// Past the countdown since the last renewal: the venue has cancelled already.
    Lapsed(Duration),
}

fn judge(
    now: Instant,
    scheduled: Instant,
    armed_at: Option<Instant>,
    countdown: Duration,
    tolerance: Duration,
) -> Wake {
    if let Some(armed_at) = armed_at {
        let since = now.saturating_duration_since(armed_at);
        if since >= countdown {
            return Wake::Lapsed(since);
        }
    }
    let late = now.saturating_duration_since(scheduled);
    if late > tolerance {
        Wake::Late(late)
    } else {
        Wake::OnTime
    }
}

struct Task<V: CountdownCancel> {
    client: SignedClient<V>,
    switch: KillSwitch,
    shared: Arc<Shared>,
    late_tolerance: Duration,
    attempts: u32,
    backoff: Duration,
}

async fn send<V: CountdownCancel>(
    client: &SignedClient<V>,
    call: VenueCall,
) -> Result<(), RequestError> {
    let _: Fresh<V::Armed> = client.signed(call.method, call.path, &call.params).await?;
    Ok(())
}

impl<V: CountdownCancel> Task<V> {
    async fn run(self) {
        let mut modes = self.switch.subscribe_mode();
        let mut scheduled = Instant::now();
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(scheduled) => {}
                changed = modes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    // A halt: record it at once. A return to live trading: arm afresh now.
                    let live = *modes.borrow_and_update() == GateMode::Live;
                    if live {
                        scheduled = Instant::now();
                    } else {
                        self.note_stopped_symbols();
                        continue;
                    }
                }
            }
            if let Some(failure) = self.round(scheduled).await {
                self.fail(failure);
                return;
            }
            let now = Instant::now();
            scheduled += self.shared.rearm_every;
            if scheduled < now {
                // Far behind (a stall): the next renewal is one period from now, not a burst.
                scheduled = now + self.shared.rearm_every;
            }
        }
    }

    /// Marks the symbols the gate no longer lets trade as not renewed.
    fn note_stopped_symbols(&self) {
        let mut record = self.shared.lock();
        for symbol in &mut record.symbols {
            if !self.shared.renews(&symbol.symbol) {
                symbol.stopped = true;
                symbol.armed_at = None;
            }
        }
    }

    /// One renewal of every symbol the gate lets trade. `Some` with the trip reason when a
    /// symbol could not be kept armed.
    async fn round(&self, scheduled: Instant) -> Option<TripReason> {
        self.note_stopped_symbols();
        let due: Vec<(String, Option<Instant>)> = {
            let record = self.shared.lock();
            record
                .symbols
                .iter()
                .filter(|s| self.shared.renews(&s.symbol))
                .map(|s| (s.symbol.clone(), s.armed_at))
                .collect()
        };
        let now = Instant::now();
        for (symbol, armed_at) in &due {
            match judge(
                now,
                scheduled,
                *armed_at,
                self.shared.countdown,
                self.late_tolerance,
            ) {
                Wake::OnTime => {}
                Wake::Late(late) => {
                    self.shared.lock().late_rearms += 1;
                    tracing::warn!(
                        step = "dead_man",
                        venue = self.shared.venue,
                        symbol = %symbol,
                        late_ms = late.as_millis() as u64,
                        "dead man's switch: renewal woke late (the process stalled)"
                    );
                }
                Wake::Lapsed(since) => {
                    let error = format!(
                        "the renewal came {since:?} after the last, past the {:?} countdown: the venue has cancelled the symbol's orders by itself",
                        self.shared.countdown
                    );
                    self.shared.lock().late_rearms += 1;
                    return Some(self.reason(symbol, 0, error));
                }
            }
        }
        let renewals = due
            .iter()
            .map(|(symbol, armed_at)| async move { (symbol, self.renew(symbol, *armed_at).await) });
        for (symbol, outcome) in futures_util::future::join_all(renewals).await {
            if let Err((attempts, error)) = outcome {
                return Some(self.reason(symbol, attempts, error));
            }
        }
        None
    }

    fn reason(&self, symbol: &str, attempts: u32, error: String) -> TripReason {
        TripReason::DeadManFailed {
            venue: self.shared.venue.to_owned(),
            symbol: symbol.to_owned(),
            attempts,
            error,
        }
    }

    /// Renews one symbol's countdown, with retries that end before it lapses.
    async fn renew(&self, symbol: &str, armed_at: Option<Instant>) -> Result<(), (u32, String)> {
        let countdown = self.shared.countdown;
        // Retrying past the lapse is pointless: the venue has cancelled by then.
        let deadline = armed_at.map(|at| at + countdown);
        let mut wait = self.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let call = self.client.venue().arm(symbol, countdown);
            match send::<V>(&self.client, call).await {
                Ok(()) => {
                    let at = Instant::now();
                    let at_ms = unix_millis();
                    let lapses = at_ms
                        .saturating_add(u64::try_from(countdown.as_millis()).unwrap_or(u64::MAX));
                    let mut record = self.shared.lock();
                    record.rearms += 1;
                    record.last_rearm_unix_ms = Some(at_ms);
                    if record.phase == DeadManPhase::Starting {
                        record.phase = DeadManPhase::Armed;
                    }
                    if let Some(s) = record.symbols.iter_mut().find(|s| s.symbol == symbol) {
                        s.armed_at = Some(at);
                        s.last_armed_unix_ms = Some(at_ms);
                        s.lapses_at_unix_ms = Some(lapses);
                        s.stopped = false;
                    }
                    return Ok(());
                }
                Err(error) => {
                    let text = error.to_string();
                    {
                        let mut record = self.shared.lock();
                        record.failures += 1;
                        record.last_error = Some(format!("{symbol}: {text}"));
                    }
                    tracing::warn!(
                        step = "dead_man",
                        venue = self.shared.venue,
                        symbol = %symbol,
                        attempt,
                        %error,
                        "dead man's switch: renewal failed"
                    );
                    let retry_at = Instant::now() + wait;
                    if attempt >= self.attempts || deadline.is_some_and(|d| retry_at >= d) {
                        return Err((attempt, text));
                    }
                    tokio::time::sleep_until(retry_at).await;
                    wait = wait.saturating_mul(2);
                }
            }
        }
    }

    fn fail(&self, reason: TripReason) {
        let why = reason.to_string();
        tracing::error!(
            step = "dead_man",
            venue = self.shared.venue,
            reason = %why,
            "dead man's switch could not be kept armed: tripping the kill switch"
        );
        {
            let mut record = self.shared.lock();
            record.phase = DeadManPhase::Stopped;
            record.stopped_because = Some(why);
            for symbol in &mut record.symbols {
                symbol.armed_at = None;
            }
        }
        self.switch.trip(reason);
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
crate::class::declare_class!(owned Plain for DeadManPhase);
crate::class::declare_class!(Plain for DeadManState);
crate::class::declare_class!(Plain for SymbolCountdown);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_is_judged_against_its_schedule_and_the_countdown() {
        let t0 = Instant::now();
        let countdown = Duration::from_secs(120);
        let tolerance = Duration::from_secs(15);
        let at = |s| t0 + Duration::from_secs(s);
        // Armed at 0, scheduled at 30: waking at 31 is on time, at 50 late, at 120 lapsed.
        assert_eq!(
            judge(at(31), at(30), Some(t0), countdown, tolerance),
            Wake::OnTime
        );
        assert_eq!(
            judge(at(50), at(30), Some(t0), countdown, tolerance),
            Wake::Late(Duration::from_secs(20))
        );
        assert_eq!(
            judge(at(120), at(30), Some(t0), countdown, tolerance),
            Wake::Lapsed(Duration::from_secs(120))
        );
        // Never armed (or renewals stopped by a halt): nothing can have lapsed.
        assert_eq!(
            judge(at(500), at(30), None, countdown, tolerance),
            Wake::Late(Duration::from_secs(470))
        );
    }
}
