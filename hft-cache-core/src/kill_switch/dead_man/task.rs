//! The task that renews the countdowns, and how it judges a late wake-up.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::state::{DeadManPhase, Shared};
use crate::exchange::{CountdownCancel, RequestError, SignedClient, VenueCall};
use crate::fresh::Fresh;
use crate::gate::{GateMode, TripReason};
use crate::kill_switch::KillSwitch;
use crate::report_format::unix_millis;

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

/// The renewals of one [`DeadMan`](super::DeadMan).
pub(super) struct Task<V: CountdownCancel> {
    pub(super) client: SignedClient<V>,
    pub(super) switch: KillSwitch,
    pub(super) shared: Arc<Shared>,
    pub(super) late_tolerance: Duration,
    pub(super) attempts: u32,
    pub(super) backoff: Duration,
}

/// Sends one countdown call; only its success matters.
pub(super) async fn send<V: CountdownCancel>(
    client: &SignedClient<V>,
    call: VenueCall,
) -> Result<(), RequestError> {
    let _: Fresh<V::Armed> = client.signed(call.method, call.path, &call.params).await?;
    Ok(())
}

impl<V: CountdownCancel> Task<V> {
    pub(super) async fn run(self) {
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
