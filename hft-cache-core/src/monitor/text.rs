//! The compliance report as text, for logs and terminals.

use std::fmt;

use super::report::{CacheReport, ComplianceReport};
use crate::report_format::short_type_name;

impl fmt::Display for ComplianceReport {
    /// ```text
    /// compliance report: COMPLIANT, HEALTHY (2 caches)
    ///   symbols: Static `SymbolInfo`, max age 3600s, serving
    ///     data age 1.2s | hits 10, misses 1, stale refusals 0, ...
    ///   books: Streamed `Book`, max age 5s, FEED UNHEALTHY (its keys refused)
    ///     ...
    ///     feed `binance-ws`: UNHEALTHY (disconnected) for 2s, 3 keys
    /// violations: none
    /// health: feed `binance-ws` of cache `books` is unhealthy (disconnected) for 2s
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "compliance report: {}, {} ({} cache{})",
            if self.compliant {
                "COMPLIANT"
            } else {
                "VIOLATIONS"
            },
            if self.healthy { "HEALTHY" } else { "UNHEALTHY" },
            self.caches.len(),
            if self.caches.len() == 1 { "" } else { "s" },
        )?;
        for cache in &self.caches {
            write_cache(f, cache)?;
        }
        write_list(f, "violations", &self.violations)?;
        write_list(f, "health", &self.health_problems)
    }
}

fn write_cache(f: &mut fmt::Formatter<'_>, cache: &CacheReport) -> fmt::Result {
    let info = &cache.info;
    let stats = &cache.stats;
    writeln!(
        f,
        "  {}: {} `{}`, max age {:?}, {}",
        info.name,
        info.class,
        short_type_name(info.value_type),
        info.max_age,
        cache.status,
    )?;
    match stats.data_age {
        Some(age) => write!(f, "    data age {age:?}")?,
        None => write!(f, "    no data")?,
    }
    writeln!(
        f,
        " | hits {}, misses {}, stale refusals {}, unhealthy refusals {}, disabled refusals {}, refreshes {}, refresh failures {}, publishes {}",
        stats.hits,
        stats.misses,
        stats.stale_refusals,
        stats.unhealthy_refusals,
        stats.disabled_refusals,
        stats.refreshes,
        stats.refresh_failures,
        stats.publishes,
    )?;
    for feed in &stats.feeds {
        write!(f, "    feed `{}`: ", feed.name)?;
        if feed.healthy {
            write!(f, "healthy")?;
        } else {
            write!(f, "UNHEALTHY")?;
            if let Some(fault) = &feed.fault {
                write!(f, " ({fault})")?;
            }
            if let Some(d) = feed.unhealthy_for {
                write!(f, " for {d:?}")?;
            }
        }
        writeln!(f, ", {} keys", feed.keys)?;
    }
    for violation in &cache.violations {
        writeln!(f, "    VIOLATION: {violation}")?;
    }
    Ok(())
}

fn write_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    title: &str,
    items: &[T],
) -> fmt::Result {
    if items.is_empty() {
        return writeln!(f, "{title}: none");
    }
    writeln!(f, "{title}:")?;
    for item in items {
        writeln!(f, "  - {item}")?;
    }
    Ok(())
}
