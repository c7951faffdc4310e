//! What a [`DeadMan`](super::DeadMan) is doing: the public [`DeadManState`] and the record the
//! task, the handle and the kill switch share.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::gate::{GateMode, TradingGate};
use crate::report_format::{duration_ms, unix_millis};

/// What a [`DeadMan`](super::DeadMan) is doing.
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
    /// The countdowns were cancelled at the venue ([`DeadMan::disarm`](super::DeadMan::disarm)): nothing cancels by
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

/// One symbol's countdown as a [`DeadMan`](super::DeadMan) last set it.
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

/// What a [`DeadMan`](super::DeadMan) is doing and has done: [`DeadMan::state`](super::DeadMan::state), and
/// [`EmergencyReport::dead_man`](crate::kill_switch::EmergencyReport::dead_man).
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
pub(in crate::kill_switch) struct Shared {
    pub(super) venue: &'static str,
    pub(super) countdown: Duration,
    pub(super) rearm_every: Duration,
    pub(super) gate: TradingGate,
    pub(super) record: Mutex<Record>,
}

#[derive(Debug)]
pub(super) struct Record {
    pub(super) phase: DeadManPhase,
    pub(super) stopped_because: Option<String>,
    pub(super) symbols: Vec<SymbolRecord>,
    pub(super) rearms: u64,
    pub(super) failures: u64,
    pub(super) late_rearms: u64,
    pub(super) last_rearm_unix_ms: Option<u64>,
    pub(super) last_error: Option<String>,
}

#[derive(Debug)]
pub(super) struct SymbolRecord {
    pub(super) symbol: String,
    /// When the venue last confirmed the countdown (the task's clock), while this process
    /// renews it; `None` once it stopped renewing.
    pub(super) armed_at: Option<Instant>,
    pub(super) last_armed_unix_ms: Option<u64>,
    /// Set while armed; kept after the renewals stop, so that the report says when the venue
    /// cancels.
    pub(super) lapses_at_unix_ms: Option<u64>,
    /// Renewals stopped for this symbol (halted scope); cleared on the next arming.
    pub(super) stopped: bool,
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        // Every change is a few field writes: a panic cannot leave a record half-made.
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the gate lets `symbol` trade live now: the only time to renew.
    pub(super) fn renews(&self, symbol: &str) -> bool {
        self.gate.mode() == GateMode::Live
            && self.gate.check_order(self.venue, symbol, None).is_ok()
    }

    /// The state as of now: the record, with the gate's word on what is still renewed (a halt
    /// stops renewals at once, before the task wakes to notice).
    pub(in crate::kill_switch) fn state(&self) -> DeadManState {
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

    pub(super) fn stop(&self, why: &str) {
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

crate::class::declare_class!(owned Plain for DeadManPhase);
crate::class::declare_class!(Plain for DeadManState);
crate::class::declare_class!(Plain for SymbolCountdown);
