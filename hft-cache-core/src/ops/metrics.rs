//! The metrics of the registry, the gate and the switch, in the OpenMetrics text format,
//! written by the Prometheus project's own client (`prometheus-client`).
//!
//! Every value is read from the switch when a scrape asks (a [`Collector`]), so a metric can
//! never disagree with `/compliance` read at the same instant, and reads of the caches pay
//! nothing for being measured.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::cache_stats::CacheStats;
use crate::gate::GateMode;
use crate::kill_switch::KillSwitch;

/// The content type of [`render`]'s output.
pub(super) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A per-cache counter: its family name (the client adds `_total`), help, and how to read it.
type CacheCounter = (&'static str, &'static str, fn(&CacheStats) -> u64);

const CACHE_COUNTERS: [CacheCounter; 7] = [
    ("hft_cache_hits", "Reads served.", |s| s.hits),
    ("hft_cache_misses", "Reads of absent keys.", |s| s.misses),
    (
        "hft_cache_stale_refusals",
        "Reads refused because the data was past its max age.",
        |s| s.stale_refusals,
    ),
    (
        "hft_cache_unhealthy_refusals",
        "Reads refused because the feed was unhealthy.",
        |s| s.unhealthy_refusals,
    ),
    (
        "hft_cache_disabled_refusals",
        "Reads refused because the kill switch disabled the cache.",
        |s| s.disabled_refusals,
    ),
    ("hft_cache_refreshes", "Successful refreshes.", |s| {
        s.refreshes
    }),
    ("hft_cache_refresh_failures", "Failed refreshes.", |s| {
        s.refresh_failures
    }),
];

/// Reads the switch on every scrape.
struct SwitchCollector {
    kill: KillSwitch,
}

impl fmt::Debug for SwitchCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwitchCollector").finish_non_exhaustive()
    }
}

/// A registry that holds only the switch's collector.
pub(super) fn registry(kill: &KillSwitch) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(SwitchCollector { kill: kill.clone() }));
    registry
}

/// Renders every metric of `registry`, in the OpenMetrics text format (ending in `# EOF`).
pub(super) fn render(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; a collector's error would leave a partial scrape,
    // which the format's missing `# EOF` marks as such for the scraper.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

fn counter(encoder: &mut DescriptorEncoder<'_>, name: &str, help: &str, value: u64) -> fmt::Result {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

fn gauge(encoder: &mut DescriptorEncoder<'_>, name: &str, help: &str, on: bool) -> fmt::Result {
    let metric = ConstGauge::new(i64::from(on));
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

impl Collector for SwitchCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let kill = &self.kill;
        let report = kill.registry().report();
        let caches = &report.caches;
        for (name, help, value) in CACHE_COUNTERS {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for cache in caches {
                let labels = [
                    ("cache", cache.info.name.as_str()),
                    ("class", cache.info.class.as_str()),
                ];
                ConstCounter::new(value(&cache.stats)).encode(family.encode_family(&labels)?)?;
            }
        }
        let mut enabled = encoder.encode_descriptor(
            "hft_cache_enabled",
            "1 while the cache serves reads, 0 while the kill switch has it disabled.",
            None,
            MetricType::Gauge,
        )?;
        for cache in caches {
            let labels = [("cache", cache.info.name.as_str())];
            ConstGauge::new(i64::from(cache.enabled)).encode(enabled.encode_family(&labels)?)?;
        }
        let mut healthy = encoder.encode_descriptor(
            "hft_feed_healthy",
            "1 while the stream feed is healthy.",
            None,
            MetricType::Gauge,
        )?;
        for cache in caches {
            for feed in &cache.stats.feeds {
                let labels = [
                    ("cache", cache.info.name.as_str()),
                    ("feed", feed.name.as_str()),
                ];
                ConstGauge::new(i64::from(feed.healthy)).encode(healthy.encode_family(&labels)?)?;
            }
        }
        gauge(
            &mut encoder,
            "hft_compliant",
            "1 while the compliance report finds no violation.",
            report.compliant,
        )?;
        gauge(
            &mut encoder,
            "hft_healthy",
            "1 while every feed is up and no static data is past its max age.",
            report.healthy,
        )?;
        let mode = kill.gate().mode();
        let mut gate = encoder.encode_descriptor(
            "hft_trading_gate",
            "The trading gate's mode: 1 for the current one.",
            None,
            MetricType::Gauge,
        )?;
        for each in [GateMode::Live, GateMode::Paper, GateMode::Halted] {
            let label = each.to_string();
            let labels = [("mode", label.as_str())];
            ConstGauge::new(i64::from(each == mode)).encode(gate.encode_family(&labels)?)?;
        }
        let mut refusals = encoder.encode_descriptor(
            "hft_pre_trade_refusals",
            "Orders the pre-trade controls refused before sending, by rule.",
            None,
            MetricType::Counter,
        )?;
        for (rule, n) in report.pre_trade_refusals.iter() {
            let labels = [("rule", rule.as_str())];
            ConstCounter::new(n).encode(refusals.encode_family(&labels)?)?;
        }
        counter(
            &mut encoder,
            "hft_kill_switch_trips",
            "Times the kill switch tripped.",
            kill.trips(),
        )?;
        if let Some(journal) = kill.journal() {
            let totals = journal.totals();
            let mut orders = encoder.encode_descriptor(
                "hft_orders",
                "Order requests in the order journal, by outcome.",
                None,
                MetricType::Counter,
            )?;
            for (outcome, n) in [
                ("accepted", totals.accepted),
                ("rejected", totals.rejected),
                ("unknown", totals.unknown),
                ("refused", totals.refused),
                ("paper", totals.paper),
            ] {
                let labels = [("outcome", outcome)];
                ConstCounter::new(n).encode(orders.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{registry, render};
    use crate::kill_switch::KillSwitch;
    use crate::monitor::Registry;

    #[test]
    fn the_exposition_is_openmetrics() {
        let kill = KillSwitch::builder().registry(&Registry::new()).build();
        let text = render(&registry(&kill));
        assert!(
            text.contains("# TYPE hft_kill_switch_trips counter"),
            "{text}"
        );
        assert!(text.contains("hft_kill_switch_trips_total 0"), "{text}");
        assert!(text.contains("hft_trading_gate{mode=\"live\"} 1"), "{text}");
        assert!(
            text.contains("hft_pre_trade_refusals_total{rule=\"price_collar\"} 0"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
