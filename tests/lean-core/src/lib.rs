//! The policy core alone: classes, derives, both caches, the monitor and the trading gate.

use std::time::Duration;

use hft_cache::kill_switch::TradingGate;
use hft_cache::monitor::Registry;
use hft_cache::{Live, NoLiveState, Static, StaticCache, StreamCache, Streamed};
use rust_decimal::Decimal;

/// Static data: cacheable for at most its max age.
#[derive(Static)]
pub struct TradingRules {
    /// Price step.
    pub tick_size: Decimal,
}

/// Streamed data: only in a stream cache.
#[derive(Streamed)]
pub struct TopOfBook {
    /// Best bid.
    pub bid: Decimal,
    /// Best ask.
    pub ask: Decimal,
}

/// Live data: only ever held as `Fresh<Balance>`.
#[derive(Live)]
pub struct Balance {
    /// Free amount.
    pub free: Decimal,
}

/// A long-lived engine: the compiler checks that it keeps no live data.
#[derive(NoLiveState)]
pub struct Engine {
    /// Trading rules by symbol.
    pub rules: StaticCache<String, TradingRules>,
    /// Books by symbol, written by the engine's own feed.
    pub books: StreamCache<String, TopOfBook>,
    /// The gate every order path checks.
    pub gate: TradingGate,
}

/// Builds an engine whose caches the registry reports.
///
/// # Errors
///
/// A cache whose settings are refused.
pub fn engine(registry: &Registry) -> Result<Engine, Box<dyn std::error::Error>> {
    Ok(Engine {
        rules: StaticCache::builder()
            .name("rules")
            .max_age(Duration::from_secs(60))
            .registry(registry)
            // The engine's own loader: the policy core needs no HTTP client of ours.
            .loader(|| async {
                Ok::<_, std::io::Error>([(
                    "BTCUSDT".to_string(),
                    TradingRules {
                        tick_size: Decimal::new(1, 2),
                    },
                )])
            })
            .build()?,
        books: StreamCache::builder()
            .name("books")
            .registry(registry)
            .build()?,
        gate: TradingGate::default(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registry_reports_both_caches() {
        let registry = hft_cache::monitor::Registry::new();
        let engine = super::engine(&registry).unwrap();
        assert!(engine.gate.check().is_ok());
        let report = registry.report();
        assert_eq!(report.caches.len(), 2);
        // Nothing loaded yet: the static cache refuses rather than serve nothing as data.
        assert!(engine.rules.read("BTCUSDT", |r| r.tick_size).is_err());
    }
}
