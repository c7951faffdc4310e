//! The emergency procedure ([`KillSwitch::trip`]) and its [`EmergencyReport`].

use std::fmt;
use std::sync::atomic::Ordering;

use serde::Serialize;

use super::assessment::{self, AssessmentState, SuspectWindow};
use super::remediation::{self, Remediation};
use super::KillSwitch;
use crate::clock::Timestamp;
use crate::gate::{Halted, TripReason};
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
    /// When, on the kill switch's clock (nanoseconds from its origin).
    pub at: Timestamp,
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// `false` when trading was already halted by an earlier trip (whose reason the gate keeps).
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
    /// What the exchange said about them, fetched after the halt.
    pub assessment: AssessmentState,
    /// What the procedure changed and what is left to do by hand.
    pub remediation: Remediation,
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
        }
    }
}

impl KillSwitch {
    /// Runs the emergency procedure: halts trading, disables every registered cache,
    /// validates, and reports. Trading stays halted until [`resume`](KillSwitch::resume).
    ///
    /// Tripping a halted switch runs the steps again (disabling any cache registered since)
    /// and records another report; the gate keeps the first reason.
    pub fn trip(&self, reason: impl Into<TripReason>) -> EmergencyReport {
        let reason = reason.into();
        let inner = &*self.inner;
        let mut reports = self.procedure();
        let trigger = reason.trigger();
        let cache = reason.cache().unwrap_or("-");
        let at = inner.clock.now();
        let at_unix_ms = unix_millis();
        let mut steps = Vec::with_capacity(4);

        let halted_trading = inner.gate.close(Halted {
            reason: reason.clone(),
            at,
            at_unix_ms,
        });
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
            outcome: if halted_trading {
                "trading gate closed: order placement refused".to_owned()
            } else {
                "trading gate already closed by an earlier trip".to_owned()
            },
        });

        let disabled: Vec<String> = inner
            .registry
            .enter_emergency()
            .into_iter()
            .map(|c| c.name)
            .collect();
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
                if all_caches_disabled {
                    "every cache refuses reads"
                } else {
                    "SOME CACHES STILL SERVE"
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
        let assessment = match (&config.exchange, &runtime) {
            (None, _) => AssessmentState::NotConfigured,
            (Some(_), None) => AssessmentState::Failed {
                attempts: 0,
                last_error: "no tokio runtime to run the assessment on".to_owned(),
            },
            (Some(_), Some(_)) => AssessmentState::Pending {
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
            assessing: config.exchange.is_some(),
            paper_orders: config.paper.as_ref().map(|p| p.orders_needed()),
        });
        if let AssessmentState::Failed {
            attempts,
            last_error,
        } = &assessment
        {
            remediation.unassessed(*attempts, last_error);
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
            at,
            at_unix_ms,
            halted_trading,
            steps,
            disabled_caches: disabled,
            all_caches_disabled,
            compliance,
            suspect_window,
            assessment,
            remediation,
        };
        tracing::error!(
            step = StepKind::Report.as_str(),
            trigger,
            cache,
            report = %report.to_json(),
            "emergency: report"
        );
        Self::keep(&mut reports, report.clone());
        drop(reports);
        inner.halts.send_replace(inner.gate.halted());
        inner.modes.send_replace(inner.gate.mode());
        if let (Some(client), Some(runtime)) = (&config.exchange, runtime) {
            let orders = report
                .suspect_window
                .as_ref()
                .map(|w| w.orders.clone())
                .unwrap_or_default();
            // The halt is done; the assessment may take as long as the exchange needs.
            runtime.spawn(self.clone().run_assessment(trip, client.clone(), orders));
        }
        report
    }

    async fn run_assessment(
        self,
        trip: u64,
        client: crate::exchange::SignedClient,
        orders: Vec<crate::journal::JournalEntry>,
    ) {
        let retry = self.inner.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match assessment::assess(&client, &orders, attempt).await {
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
        write!(f, "{}", self.compliance)?;
        super::report_text::write_assessment(f, self)
    }
}

crate::class::declare_class!(Plain for EmergencyReport);
crate::class::declare_class!(Plain for EmergencyStep);
crate::class::declare_class!(Plain for StepKind);
