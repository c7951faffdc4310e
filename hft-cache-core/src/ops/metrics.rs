//! The Prometheus text exposition of the registry, the gate and the switch.

use std::fmt::Write as _;

use crate::cache_stats::CacheStats;
use crate::gate::GateMode;
use crate::kill_switch::KillSwitch;

/// A per-cache counter: name, help, and how to read it.
type Counter = (&'static str, &'static str, fn(&CacheStats) -> u64);

/// Renders every metric, in the text format 0.0.4.
pub(super) fn render(kill: &KillSwitch) -> String {
    let report = kill.registry().report();
    let mut out = String::new();
    let caches = &report.caches;
    let counters: [Counter; 7] = [
        ("hft_cache_hits_total", "Reads served.", |s| s.hits),
        ("hft_cache_misses_total", "Reads of absent keys.", |s| {
            s.misses
        }),
        (
            "hft_cache_stale_refusals_total",
            "Reads refused because the data was past its max age.",
            |s| s.stale_refusals,
        ),
        (
            "hft_cache_unhealthy_refusals_total",
            "Reads refused because the feed was unhealthy.",
            |s| s.unhealthy_refusals,
        ),
        (
            "hft_cache_disabled_refusals_total",
            "Reads refused because the kill switch disabled the cache.",
            |s| s.disabled_refusals,
        ),
        ("hft_cache_refreshes_total", "Successful refreshes.", |s| {
            s.refreshes
        }),
        (
            "hft_cache_refresh_failures_total",
            "Failed refreshes.",
            |s| s.refresh_failures,
        ),
    ];
    for (name, help, value) in counters {
        header(&mut out, name, help, "counter");
        for cache in caches {
            let _ = writeln!(
                out,
                "{name}{{cache=\"{}\",class=\"{}\"}} {}",
                escape(&cache.info.name),
                cache.info.class.as_str(),
                value(&cache.stats)
            );
        }
    }
    header(
        &mut out,
        "hft_cache_enabled",
        "1 while the cache serves reads, 0 while the kill switch has it disabled.",
        "gauge",
    );
    for cache in caches {
        let _ = writeln!(
            out,
            "hft_cache_enabled{{cache=\"{}\"}} {}",
            escape(&cache.info.name),
            u8::from(cache.enabled)
        );
    }
    header(
        &mut out,
        "hft_feed_healthy",
        "1 while the stream feed is healthy.",
        "gauge",
    );
    for cache in caches {
        for feed in &cache.stats.feeds {
            let _ = writeln!(
                out,
                "hft_feed_healthy{{cache=\"{}\",feed=\"{}\"}} {}",
                escape(&cache.info.name),
                escape(&feed.name),
                u8::from(feed.healthy)
            );
        }
    }
    header(
        &mut out,
        "hft_compliant",
        "1 while the compliance report finds no violation.",
        "gauge",
    );
    let _ = writeln!(out, "hft_compliant {}", u8::from(report.compliant));
    header(
        &mut out,
        "hft_healthy",
        "1 while every feed is up and no static data is past its max age.",
        "gauge",
    );
    let _ = writeln!(out, "hft_healthy {}", u8::from(report.healthy));
    header(
        &mut out,
        "hft_trading_gate",
        "The trading gate's mode: 1 for the current one.",
        "gauge",
    );
    let mode = kill.gate().mode();
    for each in [GateMode::Live, GateMode::Paper, GateMode::Halted] {
        let _ = writeln!(
            out,
            "hft_trading_gate{{mode=\"{each}\"}} {}",
            u8::from(each == mode)
        );
    }
    header(
        &mut out,
        "hft_kill_switch_trips_total",
        "Times the kill switch tripped.",
        "counter",
    );
    let _ = writeln!(out, "hft_kill_switch_trips_total {}", kill.trips());
    if let Some(journal) = kill.journal() {
        header(
            &mut out,
            "hft_orders_total",
            "Order requests in the order journal, by outcome.",
            "counter",
        );
        let totals = journal.totals();
        for (outcome, n) in [
            ("accepted", totals.accepted),
            ("rejected", totals.rejected),
            ("unknown", totals.unknown),
            ("refused", totals.refused),
            ("paper", totals.paper),
        ] {
            let _ = writeln!(out, "hft_orders_total{{outcome=\"{outcome}\"}} {n}");
        }
    }
    out
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value: backslash, double quote and newline escaped, as the format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
