//! The emergency procedure ([`KillSwitch::trip`]) and its [`EmergencyReport`].

use std::fmt;
use std::sync::atomic::Ordering;

use serde::Serialize;

use super::assessment::{self, AssessmentState, SuspectWindow};
use super::audit::{self, AuditAction, AuditRecord};
use super::dead_man::DeadManState;
use super::positions::{self, PositionRetry, PositionsReport, PositionsState};
use super::remediation::{self, Remediation};
use super::sweep::{self, Cancellation, SweepState, VenueSweep};
use super::{Halt, KillSwitch};
use crate::clock::Timestamp;
use crate::gate::{HaltScope, Halted, TripReason};
use crate::monitor::ComplianceReport;
use crate::report_format::unix_millis;

/// What an emergency stop did and found: the immediate action's steps and validation at once,
/// the assessment when it arrives ([`KillSwitch::assessed_report`]), and the remediation record.
///
/// ```
/// use hft_cache::exchange::SignedClient;
/// use hft_cache::journal::OrderJournal;
/// use hft_cache::kill_switch::AssessmentState;
/// use hft_cache::{Fresh, Live};
/// use hft_cache::kill_switch::KillSwitch;
/// use hft_cache::monitor::Registry;
/// use hft_cache_mock::MockExchange;
/// use rust_decimal_macros::dec;
///
/// #[derive(Live, serde::Deserialize)]
/// struct Ack {
///     status: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ex = MockExchange::builder().api_key("k").secret("s").balance("USDT", dec!(1000)).start().await?;
/// let client = |ex: &MockExchange| SignedClient::builder(ex.http_url()).api_key("k").secret("s");
/// let journal = OrderJournal::new();
/// let kill = KillSwitch::builder()
///     .registry(&Registry::new())
///     .journal(journal.clone())
///     .exchange(client(&ex).build()?)
///     .build();
/// let trader = client(&ex).trading_gate(kill.gate()).journal(journal).build()?;
/// let order = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "MARKET"), ("quantity", "0.001")];
/// let _: Fresh<Ack> = trader.signed_post("/api/v3/order", &order).await?;
///
/// let report = kill.trip("risk desk stop"); // returns at once: the assessment runs after
/// assert_eq!(report.suspect_window.as_ref().map(|w| w.orders.len()), Some(1));
/// let report = kill.assessed_report().await.expect("tripped");
/// let AssessmentState::Done(assessment) = &report.assessment else { panic!() };
/// assert_eq!(assessment.orders[0].status, "FILLED");
/// assert_eq!(assessment.symbols[0].net_filled_qty, dec!(0.001));
/// println!("{report}"); // steps, validation, suspect window, exposure, remediation
/// # ex.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyReport {
    /// The trip's number on this switch, from 1.
    pub trip: u64,
    /// Why the switch was tripped.
    pub reason: TripReason,
    /// What the halt covers.
    pub scope: HaltScope,
    /// Who tripped it: the operator named ([`Halt::by`](super::Halt::by)), the trigger, or the
    /// code path.
    pub actor: String,
    /// When, on the kill switch's clock (nanoseconds from its origin).
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// `false` when trading (in this scope) was already halted by an earlier trip (whose reason
    /// the gate keeps).
    pub halted_trading: bool,
    /// The steps run, in order.
    pub steps: Vec<EmergencyStep>,
    /// The caches this trip disabled (those already disabled are not listed again).
    pub disabled_caches: Vec<String>,
    /// Whether every registered cache now refuses reads.
    pub all_caches_disabled: bool,
    /// The validation: the compliance report taken with the caches disabled.
    pub compliance: ComplianceReport,
    /// The assessment: the suspect window and the orders the journal recorded in it (`None`
    /// without a [journal](super::KillSwitchBuilder::journal)).
    pub suspect_window: Option<SuspectWindow>,
    /// What the exchange said about them, fetched after the halt (and after the sweep).
    pub assessment: AssessmentState,
    /// The cancel sweep of the resting orders in the halt's scope, confirmed by fresh
    /// open-orders queries (updated as it proceeds; [`KillSwitch::assessed_report`] waits for
    /// it).
    pub cancellation: Cancellation,
    /// The positions on the venues with positions, fetched fresh after the sweep (and closed,
    /// with [`flatten_positions`](super::KillSwitchBuilder::flatten_positions)); updated as it
    /// proceeds, [`KillSwitch::assessed_report`] waits for it.
    pub positions: PositionsReport,
    /// What the procedure changed and what is left to do by hand.
    pub remediation: Remediation,
    /// The audit records about this report: its trip, refused resumes, acknowledgments, the
    /// resume that lifted it.
    pub audit: Vec<AuditRecord>,
    /// The venue's own dead man's switch at the halt, if a [`DeadMan`](super::DeadMan) follows
    /// this switch: no longer renewed from the halt on, so its countdown cancels the resting
    /// orders at the venue even if the sweep cannot (absent from the JSON without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_man: Option<DeadManState>,
}

/// One step of the emergency procedure and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmergencyStep {
    /// Which step.
    pub step: StepKind,
    /// What it did, in words.
    pub outcome: String,
}

/// The policy's emergency steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepKind {
    /// Close the trading gate: order placement fails at once.
    HaltTrading,
    /// Disable every cache: reads fail, only fresh calls remain.
    DisableCaches,
    /// Take the compliance report.
    Validate,
    /// Record and log the emergency report.
    Report,
    /// Fetch the suspect orders' status, open orders and balances (after the halt).
    Assess,
    /// Cancel the resting orders in the halt's scope, confirmed by fresh open-orders queries
    /// (after the halt).
    CancelSweep,
    /// Fetch the positions fresh after the sweep, and close them if asked, confirmed by fresh
    /// position queries.
    Positions,
}

impl StepKind {
    /// The step's name, as in logs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::HaltTrading => "halt_trading",
            StepKind::DisableCaches => "disable_caches",
            StepKind::Validate => "validate",
            StepKind::Report => "report",
            StepKind::Assess => "assess",
            StepKind::CancelSweep => "cancel_sweep",
            StepKind::Positions => "positions",
        }
    }
}

impl KillSwitch {
    /// Runs the emergency procedure: halts trading, disables every registered cache,
    /// validates, and reports. Trading stays halted until [`resume`](KillSwitch::resume).
    ///
    /// Tripping a halted switch runs the steps again (disabling any cache registered since)
    /// and records another report; the gate keeps the first reason.
    ///
    /// Every trip also starts a cancel sweep over the venue clients given with
    /// [`exchange`](super::KillSwitchBuilder::exchange) (unless built with
    /// [`keep_resting_orders`](super::KillSwitchBuilder::keep_resting_orders)), on a tokio task:
    /// the report is returned at once with its [`cancellation`](EmergencyReport::cancellation)
    /// pending, and nothing here waits on the network.
    pub fn trip(&self, reason: impl Into<TripReason>) -> EmergencyReport {
        self.halt(Halt::new(reason))
    }

    /// Runs the emergency procedure for `halt`: [`trip`](Self::trip) for a halt of everything;
    /// for a scoped halt (one venue, symbol or strategy), the gate refuses only the orders in
    /// its scope, the caches keep serving the other scopes, and the sweep cancels only that
    /// scope's orders. Scoped halts stack; each is lifted by
    /// [`resume_scope`](Self::resume_scope). The trip is an audit record naming the actor.
    pub fn halt(&self, halt: Halt) -> EmergencyReport {
        let Halt {
            reason,
            scope,
            actor,
        } = halt;
        let actor = actor.unwrap_or_else(|| audit::default_actor(&reason));
        let inner = &*self.inner;
        let mut reports = self.procedure();
        let trigger = reason.trigger();
        let cache = reason.cache().unwrap_or("-");
        let at = inner.clock.now();
        let at_unix_ms = unix_millis();
        let mut steps = Vec::with_capacity(4);

        let halted = Halted {
            reason: if scope.is_all() {
                reason.clone()
            } else {
                TripReason::Scoped {
                    scope: scope.clone(),
                    cause: Box::new(reason.clone()),
                }
            },
            at,
            at_unix_ms,
        };
        let halted_trading = if scope.is_all() {
            inner.gate.close(halted)
        } else {
            inner.gate.close_scope(halted)
        };
        tracing::error!(
            step = StepKind::HaltTrading.as_str(),
            trigger,
            cache,
            reason = %reason,
            already_halted = !halted_trading,
            "emergency: trading halted, order placement refused"
        );
        steps.push(EmergencyStep {
            step: StepKind::HaltTrading,
            outcome: match (halted_trading, scope.is_all()) {
                (true, true) => "trading gate closed: order placement refused".to_owned(),
                (false, true) => "trading gate already closed by an earlier trip".to_owned(),
                (true, false) => format!(
                    "scoped halt of {scope}: its orders are refused, other orders still pass"
                ),
                (false, false) => format!("{scope} was already halted by an earlier trip"),
            },
        });

        // A scoped halt leaves the caches to the scopes still trading.
        let disabled: Vec<String> = if scope.is_all() {
            inner
                .registry
                .enter_emergency()
                .into_iter()
                .map(|c| c.name)
                .collect()
        } else {
            Vec::new()
        };
        tracing::error!(
            step = StepKind::DisableCaches.as_str(),
            trigger,
            cache,
            disabled = disabled.len(),
            caches = ?disabled,
            "emergency: caches disabled, reads refused: only fresh calls remain"
        );
        steps.push(EmergencyStep {
            step: StepKind::DisableCaches,
            outcome: format!(
                "disabled {} cache(s){}{}; only fresh calls remain",
                disabled.len(),
                if disabled.is_empty() { "" } else { ": " },
                disabled.join(", ")
            ),
        });

        let compliance = inner.registry.report();
        let all_caches_disabled = compliance.caches.iter().all(|c| !c.enabled);
        tracing::error!(
            step = StepKind::Validate.as_str(),
            trigger,
            cache,
            compliant = compliance.compliant,
            healthy = compliance.healthy,
            violations = compliance.violations.len(),
            health_problems = compliance.health_problems.len(),
            all_caches_disabled,
            "emergency: validation"
        );
        steps.push(EmergencyStep {
            step: StepKind::Validate,
            outcome: format!(
                "{}, {} ({} violation(s), {} health problem(s)); {}",
                if compliance.compliant {
                    "compliant"
                } else {
                    "NOT COMPLIANT"
                },
                if compliance.healthy {
                    "healthy"
                } else {
                    "unhealthy"
                },
                compliance.violations.len(),
                compliance.health_problems.len(),
                match (all_caches_disabled, scope.is_all()) {
                    (true, _) => "every cache refuses reads",
                    (false, false) => "caches left serving the scopes still trading (scoped halt)",
                    (false, true) => "SOME CACHES STILL SERVE",
                },
            ),
        });

        let config = &inner.config;
        let suspect_window = config.journal.as_ref().map(|journal| {
            assessment::suspect_window(
                &reason,
                at,
                at_unix_ms,
                &compliance,
                Some(journal),
                config.manual_window,
            )
        });
        let runtime = tokio::runtime::Handle::try_current().ok();
        // Every venue the switch sweeps is assessed.
        let assessing = !config.exchanges.is_empty();
        let assessment = match (assessing, &runtime) {
            (false, _) => AssessmentState::NotConfigured,
            (true, None) => AssessmentState::Failed {
                attempts: 0,
                last_error: "no tokio runtime to run the assessment on".to_owned(),
            },
            (true, Some(_)) => AssessmentState::Pending {
                attempts: 0,
                last_error: None,
            },
        };
        let mut remediation = Remediation::at_halt(&remediation::Context {
            reason: &reason,
            halted_trading,
            disabled: &disabled,
            compliance: &compliance,
            window: suspect_window.as_ref(),
            assessing,
            paper_orders: config.paper.as_ref().map(|p| p.orders_needed()),
        });
        if !scope.is_all() {
            // A scoped halt closed the gate for its scope only, and left the caches serving.
            remediation.done.retain(|d| {
                !d.starts_with("trading gate")
                    && !d.starts_with("caches disabled")
                    && !d.starts_with("no cache left")
            });
            remediation.done.insert(
                0,
                format!("scoped halt of {scope}: its orders are refused (cancels and queries still pass); other orders and the caches still serve"),
            );
            if let Some(resume) = remediation
                .manual
                .iter_mut()
                .find(|m| m.starts_with("resume explicitly"))
            {
                *resume = format!("lift the scoped halt explicitly once its cause is fixed (KillSwitch::resume_scope({scope:?}))");
            }
        }
        if let AssessmentState::Failed {
            attempts,
            last_error,
        } = &assessment
        {
            remediation.unassessed(*attempts, last_error);
        }
        let (cancellation, start_sweep) = self.cancellation_at_trip(&scope, &reports, &runtime);
        // Without venue clients there is no sweep step; the report's cancellation says so.
        let sweep_step = cancellation.state != SweepState::NotConfigured;
        steps.extend(sweep_step.then(|| {
            EmergencyStep {
                step: StepKind::CancelSweep,
                outcome: match (cancellation.state, start_sweep) {
                    (SweepState::Pending, true) => format!(
                        "cancel sweep #{} of {scope} started over {} venue(s): {}",
                        cancellation.sweep,
                        config.exchanges.len(),
                        config
                            .exchanges
                            .iter()
                            .map(|c| c.venue())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (SweepState::Pending, false) => format!(
                        "cancel sweep #{} already running covers {scope}: one sweep, not two",
                        cancellation.sweep
                    ),
                    (SweepState::KeptResting, _) => {
                        "resting orders kept by choice (keep_resting_orders): they can still fill"
                            .to_owned()
                    }
                    (SweepState::NotConfigured, _) => {
                        "no venue client configured: resting orders NOT cancelled".to_owned()
                    }
                    _ => "cancel sweep could not start: no tokio runtime".to_owned(),
                },
            }
        }));
        remediation.at_sweep_start(&cancellation);
        let dead_man = self.dead_man();
        if let Some(d) = &dead_man {
            remediation.dead_man_at_halt(d);
        }
        steps.push(EmergencyStep {
            step: StepKind::Report,
            outcome: "emergency report recorded; resume requires an explicit, validated call"
                .to_owned(),
        });
        // AcqRel: a reader that sees this trip's number sees the halt that came before it.
        let trip = inner.trips.fetch_add(1, Ordering::AcqRel) + 1;
        let report = EmergencyReport {
            trip,
            reason: reason.clone(),
            scope: scope.clone(),
            actor: actor.clone(),
            at,
            at_unix_ms,
            halted_trading,
            steps,
            disabled_caches: disabled,
            all_caches_disabled,
            compliance,
            suspect_window,
            assessment,
            cancellation,
            positions: PositionsReport::at_trip(config.positions.len(), config.flatten),
            remediation,
            audit: Vec::new(),
            dead_man,
        };
        tracing::error!(
            step = StepKind::Report.as_str(),
            trigger,
            cache,
            report = %report.to_json(),
            "emergency: report"
        );
        Self::keep(&mut reports, report.clone());
        let action = if scope.is_all() {
            AuditAction::Trip
        } else {
            AuditAction::ScopedHalt
        };
        let record = self.audit(
            &mut reports,
            action,
            &actor,
            reason.to_string(),
            &scope,
            Some(trip),
            Vec::new(),
        );
        let mut report = report;
        report.audit.push(record);
        drop(reports);
        inner.halts.send_replace(inner.gate.halted());
        inner.modes.send_replace(inner.gate.mode());
        let sweep = report.cancellation.sweep;
        if let Some(runtime) = runtime {
            if start_sweep {
                // The halt is done; the sweep may take as long as its bounds allow.
                runtime.spawn(self.clone().run_sweep(
                    sweep,
                    scope.clone(),
                    tokio::time::Instant::now(),
                ));
            }
            if assessing {
                let orders = report
                    .suspect_window
                    .as_ref()
                    .map(|w| w.orders.clone())
                    .unwrap_or_default();
                // The assessment may take as long as the exchange needs; it follows the sweep,
                // so that the exposure it reports is what the sweep left.
                let wait_for = (report.cancellation.state == SweepState::Pending).then_some(sweep);
                runtime.spawn(self.clone().run_assessment(trip, orders, wait_for));
            }
            if !self.inner.config.positions.is_empty() {
                // After the sweep too: a resting order that fills during the sweep moves the
                // position the flatten closes.
                let wait_for = (report.cancellation.state == SweepState::Pending).then_some(sweep);
                runtime.spawn(self.clone().run_positions(trip, scope.clone(), wait_for));
            }
        }
        report
    }

    /// The cancellation a trip starts with, and whether it starts a new sweep (else it joins
    /// the running sweep that covers its scope, or none runs).
    fn cancellation_at_trip(
        &self,
        scope: &HaltScope,
        reports: &std::collections::VecDeque<EmergencyReport>,
        runtime: &Option<tokio::runtime::Handle>,
    ) -> (Cancellation, bool) {
        let config = &self.inner.config;
        if config.keep_resting {
            return (
                Cancellation::unswept(SweepState::KeptResting, scope.clone()),
                false,
            );
        }
        if config.exchanges.is_empty() {
            return (
                Cancellation::unswept(SweepState::NotConfigured, scope.clone()),
                false,
            );
        }
        let mut book = self
            .inner
            .sweeps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        book.started += 1;
        let number = book.started;
        if runtime.is_none() {
            let mut cancellation = Cancellation::unswept(SweepState::Incomplete, scope.clone());
            cancellation.sweep = number;
            cancellation.venues = config
                .exchanges
                .iter()
                .map(|c| VenueSweep {
                    venue: c.venue().to_owned(),
                    state: SweepState::Incomplete,
                    rounds: 0,
                    orders: Vec::new(),
                    open_after: None,
                    time_to_flat: None,
                    retries: 0,
                    rate_limited: 0,
                    last_error: Some("no tokio runtime to run the sweep on".to_owned()),
                })
                .collect();
            return (cancellation, false);
        }
        if let Some((running, _)) = book.running.iter().find(|(_, s)| s.covers(scope)) {
            let running = *running;
            book.started -= 1;
            let joined = reports
                .iter()
                .rev()
                .find(|r| r.cancellation.sweep == running)
                .map(|r| r.cancellation.clone());
            let mut cancellation =
                joined.unwrap_or_else(|| Cancellation::unswept(SweepState::Pending, scope.clone()));
            cancellation.sweep = running;
            return (cancellation, false);
        }
        book.running.push((number, scope.clone()));
        let mut cancellation = Cancellation::unswept(SweepState::Pending, scope.clone());
        cancellation.sweep = number;
        (cancellation, true)
    }

    /// Runs sweep `number` over every venue at once, after any sweep before it, and records
    /// the result in every report that shares it.
    async fn run_sweep(self, number: u64, scope: HaltScope, started: tokio::time::Instant) {
        let serial = std::sync::Arc::clone(&self.inner.sweep_serial);
        let _one_sweep_at_a_time = serial.lock().await;
        let config = self.inner.config.sweep;
        let venues =
            futures_util::future::join_all(self.inner.config.exchanges.iter().map(|client| {
                sweep::sweep_venue(
                    std::sync::Arc::clone(client),
                    scope.clone(),
                    config,
                    started,
                )
            }))
            .await;
        let done = venues.iter().all(|v| v.state == SweepState::Done);
        let state = if done {
            SweepState::Done
        } else {
            SweepState::Incomplete
        };
        let time_to_flat = if done {
            venues.iter().filter_map(|v| v.time_to_flat).max()
        } else {
            None
        };
        let cancelled: usize = venues
            .iter()
            .flat_map(|v| &v.orders)
            .filter(|o| o.outcome == super::CancelOutcome::Cancelled)
            .count();
        let open: usize = venues
            .iter()
            .map(|v| v.open_after.as_ref().map_or(0, Vec::len))
            .sum();
        if done {
            tracing::warn!(
                step = StepKind::CancelSweep.as_str(),
                sweep = number,
                %scope,
                cancelled,
                time_to_flat_ms = time_to_flat.map(|t| t.as_millis() as u64),
                "emergency: cancel sweep done, confirmed flat on every venue"
            );
        } else {
            tracing::error!(
                step = StepKind::CancelSweep.as_str(),
                sweep = number,
                %scope,
                cancelled,
                open,
                "emergency: cancel sweep INCOMPLETE, orders may still rest on the exchange"
            );
        }
        self.inner
            .sweeps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .running
            .retain(|(n, _)| *n != number);
        self.update_sweep(number, |report| {
            let c = &mut report.cancellation;
            c.state = state;
            c.venues = venues.clone();
            c.time_to_flat = time_to_flat;
            report.remediation.swept(&report.cancellation);
            report.steps.push(EmergencyStep {
                step: StepKind::CancelSweep,
                outcome: sweep_outcome(&report.cancellation),
            });
        });
    }

    async fn run_positions(self, trip: u64, scope: HaltScope, after_sweep: Option<u64>) {
        if let Some(sweep) = after_sweep {
            self.sweep_finished(sweep).await;
        }
        let config = &self.inner.config;
        let retry = PositionRetry {
            attempts: config.retry.attempts.min(5),
            delay: config.retry.initial,
        };
        let venues = futures_util::future::join_all(config.positions.iter().map(|client| {
            positions::venue_positions(client.as_ref(), &scope, config.flatten, retry)
        }))
        .await;
        let state = positions::final_state(&venues, &scope, config.flatten);
        let open: usize = venues.iter().map(|v| v.open_after.len()).sum();
        let closes: usize = venues.iter().map(|v| v.closes.len()).sum();
        if state == PositionsState::Done {
            tracing::warn!(
                step = StepKind::Positions.as_str(),
                trip,
                open,
                closes,
                "emergency: positions fetched"
            );
        } else {
            tracing::error!(
                step = StepKind::Positions.as_str(),
                trip,
                open,
                closes,
                ?state,
                "emergency: positions still open or unknown"
            );
        }
        self.update_report(trip, |report| {
            report.positions.venues = venues;
            report.positions.state = state;
            report.remediation.positioned(&report.positions);
            report.steps.push(EmergencyStep {
                step: StepKind::Positions,
                outcome: positions::describe(&report.positions),
            });
        });
    }

    async fn run_assessment(
        self,
        trip: u64,
        orders: Vec<crate::journal::JournalEntry>,
        after_sweep: Option<u64>,
    ) {
        if let Some(sweep) = after_sweep {
            self.sweep_finished(sweep).await;
        }
        let retry = self.inner.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match assessment::assess(&self.inner.config.exchanges, &orders, attempt).await {
                Ok(done) => {
                    tracing::warn!(
                        step = StepKind::Assess.as_str(),
                        trip,
                        attempts = attempt,
                        orders = done.orders.len(),
                        symbols = done.symbols.len(),
                        "emergency: assessment done"
                    );
                    self.update_report(trip, |report| {
                        report.remediation.assessed(&done);
                        report.steps.push(EmergencyStep {
                            step: StepKind::Assess,
                            outcome: format!(
                                "{} order(s) of the suspect window, {} symbol(s), {} asset(s) fetched fresh after {attempt} attempt(s)",
                                done.orders.len(),
                                done.symbols.len(),
                                done.assets.len()
                            ),
                        });
                        report.assessment = AssessmentState::Done(done);
                    });
                    return;
                }
                // A ban (HTTP 418) ends the retries: each request would extend it.
                Err(failure) if failure.banned || attempt >= retry.attempts => {
                    let error = failure.error;
                    tracing::error!(
                        step = StepKind::Assess.as_str(),
                        trip,
                        attempts = attempt,
                        %error,
                        "emergency: assessment failed, the exchange could not be reached"
                    );
                    self.update_report(trip, |report| {
                        report.remediation.unassessed(attempt, &error);
                        report.steps.push(EmergencyStep {
                            step: StepKind::Assess,
                            outcome: format!("FAILED after {attempt} attempt(s): {error}"),
                        });
                        report.assessment = AssessmentState::Failed {
                            attempts: attempt,
                            last_error: error,
                        };
                    });
                    return;
                }
                Err(failure) => {
                    // The venue's `Retry-After`, when it asks for longer than the backoff.
                    let delay = retry
                        .delay(attempt)
                        .max(failure.retry_after.unwrap_or_default());
                    let error = failure.error;
                    tracing::warn!(
                        step = StepKind::Assess.as_str(),
                        trip,
                        attempts = attempt,
                        %error,
                        retry_in_ms = delay.as_millis() as u64,
                        "emergency: assessment could not reach the exchange, retrying"
                    );
                    self.update_report(trip, |report| {
                        report.assessment = AssessmentState::Pending {
                            attempts: attempt,
                            last_error: Some(error),
                        };
                    });
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

/// The sweep's end, in one line.
fn sweep_outcome(c: &Cancellation) -> String {
    let count = |outcome| {
        c.venues
            .iter()
            .flat_map(|v| &v.orders)
            .filter(|o| o.outcome == outcome)
            .count()
    };
    let rounds = c.venues.iter().map(|v| v.rounds).max().unwrap_or(0);
    let tally = format!(
        "{} cancelled, {} filled meanwhile, {} already closed, {} failed, {rounds} round(s)",
        count(super::CancelOutcome::Cancelled),
        count(super::CancelOutcome::FilledMeanwhile),
        count(super::CancelOutcome::AlreadyClosed),
        count(super::CancelOutcome::Failed),
    );
    match (c.state, c.time_to_flat) {
        (SweepState::Done, Some(t)) => format!(
            "cancel sweep #{} done: {tally}; confirmed flat {} ms after the trip",
            c.sweep,
            t.as_millis()
        ),
        _ => format!(
            "cancel sweep #{} INCOMPLETE: {tally}; still open: {}",
            c.sweep,
            c.describe_open().join("; ")
        ),
    }
}

impl EmergencyReport {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        // Every field serialises (no maps with non-string keys, no fallible impls).
        serde_json::to_string(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }
}

impl fmt::Display for EmergencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "EMERGENCY STOP: {}", self.reason)?;
        for (n, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {}: {}", n + 1, step.step.as_str(), step.outcome)?;
        }
        writeln!(f, "HALT of {}, by {}", self.scope, self.actor)?;
        write!(f, "{}", self.compliance)?;
        super::report_text::write_assessment(f, self)
    }
}

crate::class::declare_class!(Plain for EmergencyReport);
crate::class::declare_class!(Plain for EmergencyStep);
crate::class::declare_class!(Plain for StepKind);
