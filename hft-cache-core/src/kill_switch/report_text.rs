//! The assessment and remediation parts of an [`EmergencyReport`]'s text.

use std::fmt::{self, Write as _};

use rust_decimal::Decimal;

use super::assessment::AssessmentState;
use super::positions::{self, PositionsState};
use super::EmergencyReport;
use crate::journal::OrderOutcome;

pub(super) fn write_assessment(
    f: &mut fmt::Formatter<'_>,
    report: &EmergencyReport,
) -> fmt::Result {
    match &report.suspect_window {
        None => writeln!(f, "SUSPECT WINDOW: no order journal configured")?,
        Some(window) => {
            writeln!(
                f,
                "SUSPECT WINDOW: {:?} before the halt ({}), {} order(s){}",
                window.condition_for.saturating_add(window.max_age),
                window.basis,
                window.orders.len(),
                if window.journal_truncated {
                    " (journal truncated: older orders may be missing)"
                } else {
                    ""
                }
            )?;
            for order in &window.orders {
                let mut line = format!(
                    "  #{} {} {} {} {} qty {} price {}",
                    order.seq,
                    order.symbol.as_deref().unwrap_or("?"),
                    order.side.as_deref().unwrap_or("?"),
                    order.order_type.as_deref().unwrap_or("?"),
                    order.client_order_id.as_deref().unwrap_or("-"),
                    order.quantity.map_or("-".to_owned(), |q| n(q).to_string()),
                    order.price.map_or("-".to_owned(), |p| n(p).to_string()),
                );
                let _ = match &order.outcome {
                    OrderOutcome::Accepted { status, .. } => {
                        write!(line, ": sent, {}", status.as_deref().unwrap_or("accepted"))
                    }
                    OrderOutcome::Rejected { error } => write!(line, ": rejected ({error})"),
                    OrderOutcome::Unknown { error } => write!(line, ": UNKNOWN ({error})"),
                    OrderOutcome::Refused { .. } => write!(line, ": refused, not sent"),
                };
                if !order.inputs.is_empty() {
                    let ages: Vec<String> = order
                        .inputs
                        .iter()
                        .map(|input| format!("{} {:.1?}", input.source, input.age))
                        .collect();
                    let _ = write!(line, "; decided on data aged {} at send", ages.join(", "));
                }
                writeln!(f, "{line}")?;
            }
        }
    }
    match &report.assessment {
        AssessmentState::NotConfigured => {
            writeln!(f, "ASSESSMENT: no exchange client configured")?;
        }
        AssessmentState::Pending {
            attempts,
            last_error,
        } => match last_error {
            None => writeln!(f, "ASSESSMENT: pending")?,
            Some(error) => writeln!(
                f,
                "ASSESSMENT: pending, exchange unreachable after {attempts} attempt(s) ({error}); retrying"
            )?,
        },
        AssessmentState::Failed {
            attempts,
            last_error,
        } => writeln!(
            f,
            "ASSESSMENT: FAILED, exchange unreachable after {attempts} attempt(s): {last_error}"
        )?,
        AssessmentState::Done(done) => {
            writeln!(
                f,
                "ASSESSMENT (fetched fresh at {} ms since the epoch, {} attempt(s)):",
                done.fetched_at_unix_ms, done.attempts
            )?;
            for order in &done.orders {
                writeln!(
                    f,
                    "  #{} {} {} {} {}: {} executed {} of {} (quote {})",
                    order.seq,
                    order.venue,
                    order.symbol,
                    order.side.as_deref().unwrap_or("?"),
                    order
                        .client_order_id
                        .as_deref()
                        .or(order.order_id.map(|_| "by id"))
                        .unwrap_or("-"),
                    order.status,
                    n(order.executed_qty),
                    n(order.orig_qty),
                    n(order.quote_qty)
                )?;
            }
            writeln!(f, "  exposure per symbol:")?;
            for s in &done.symbols {
                writeln!(
                    f,
                    "    {} {}: net filled {} (quote {}), {} open order(s): buy {} / sell {} left",
                    s.venue,
                    s.symbol,
                    n(s.net_filled_qty),
                    n(s.net_quote_qty),
                    s.open_orders,
                    n(s.open_buy_qty),
                    n(s.open_sell_qty)
                )?;
            }
            writeln!(f, "  balances:")?;
            for a in &done.assets {
                writeln!(
                    f,
                    "    {} {}: free {}, locked {}",
                    a.venue,
                    a.asset,
                    n(a.free),
                    n(a.locked)
                )?;
            }
        }
    }
    write_sweep(f, report)?;
    write_positions(f, report)?;
    write_dead_man(f, report)?;
    writeln!(f, "REMEDIATION, done:")?;
    for line in &report.remediation.done {
        writeln!(f, "  - {line}")?;
    }
    writeln!(f, "REMEDIATION, by hand:")?;
    for line in &report.remediation.manual {
        writeln!(f, "  - {line}")?;
    }
    Ok(())
}

fn write_positions(f: &mut fmt::Formatter<'_>, report: &EmergencyReport) -> fmt::Result {
    let p = &report.positions;
    if p.state == PositionsState::NotConfigured {
        return Ok(());
    }
    let state = match p.state {
        PositionsState::Pending => "pending",
        PositionsState::Done => "done",
        PositionsState::Incomplete => "INCOMPLETE",
        _ => "FAILED",
    };
    let flatten = if p.flatten {
        "flatten on"
    } else {
        "flatten off"
    };
    writeln!(f, "POSITIONS ({flatten}): {state}")?;
    for v in &p.venues {
        if let Some(error) = &v.error {
            writeln!(f, "  {}: {error}", v.venue)?;
        }
        for close in &v.closes {
            writeln!(
                f,
                "  {} close {} {} {}: {}",
                v.venue,
                close.symbol,
                close.direction,
                n(close.quantity),
                close.outcome
            )?;
        }
        if v.open_after.is_empty() && v.error.is_none() {
            writeln!(f, "  {}: flat", v.venue)?;
        }
        for position in &v.open_after {
            writeln!(
                f,
                "  open: {}",
                positions::describe_position(&v.venue, position)
            )?;
        }
    }
    Ok(())
}

fn write_sweep(f: &mut fmt::Formatter<'_>, report: &EmergencyReport) -> fmt::Result {
    let c = &report.cancellation;
    write!(
        f,
        "CANCEL SWEEP #{} of {}: {}",
        c.sweep,
        c.scope,
        c.state.as_str()
    )?;
    if let Some(t) = c.time_to_flat {
        write!(f, ", flat {} ms after the trip", t.as_millis())?;
    }
    if !c.acknowledged.is_empty() {
        write!(f, ", acknowledged open: {}", c.acknowledged.join(", "))?;
    }
    writeln!(f)?;
    for v in &c.venues {
        write!(
            f,
            "  {}: {}, {} round(s), {} retr(ies), {} rate limit(s)",
            v.venue,
            v.state.as_str(),
            v.rounds,
            v.retries,
            v.rate_limited
        )?;
        match &v.open_after {
            Some(open) => writeln!(f, ", open after: {}", open.len())?,
            None => writeln!(f, ", open after: UNKNOWN (no query answered)")?,
        }
        for o in &v.orders {
            let order = &o.order;
            write!(
                f,
                "    {} {} {} {} left {}{}: {}",
                order.order_id,
                order.client_order_id.as_deref().unwrap_or("-"),
                order.symbol,
                order.side,
                n(order.quantity_left),
                order
                    .price
                    .map_or(String::new(), |p| format!(" @ {}", n(p))),
                o.outcome.as_str()
            )?;
            match &o.error {
                Some(error) => writeln!(f, " ({error})")?,
                None => writeln!(f)?,
            }
        }
        if let Some(error) = &v.last_error {
            writeln!(f, "    last error: {error}")?;
        }
    }
    Ok(())
}

fn write_dead_man(f: &mut fmt::Formatter<'_>, report: &EmergencyReport) -> fmt::Result {
    let Some(d) = &report.dead_man else {
        return Ok(());
    };
    write!(
        f,
        "DEAD MAN'S SWITCH ({}): {}, countdown {} ms renewed every {} ms, {} renewal(s), {} failure(s), {} late",
        d.venue,
        d.phase.as_str(),
        d.countdown.as_millis(),
        d.rearm_every.as_millis(),
        d.rearms,
        d.failures,
        d.late_rearms
    )?;
    match &d.stopped_because {
        Some(why) => writeln!(f, ": {why}")?,
        None => writeln!(f)?,
    }
    for s in &d.symbols {
        let lapse = match (s.armed, s.lapses_at_unix_ms) {
            (true, Some(at)) => format!(
                "the venue cancels its open orders at {at} ms since the epoch unless renewed"
            ),
            (false, Some(at)) => format!("lapsed at {at} ms since the epoch"),
            (_, None) => "never armed".to_owned(),
        };
        writeln!(
            f,
            "  {}: {}, {}",
            s.symbol,
            if s.renewing { "renewed" } else { "NOT renewed" },
            lapse
        )?;
    }
    if let Some(error) = &d.last_error {
        writeln!(f, "  last error: {error}")?;
    }
    Ok(())
}

/// Without trailing zeros: exchanges send quantities at a fixed scale.
fn n(d: Decimal) -> Decimal {
    d.normalize()
}
