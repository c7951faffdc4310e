// `#[hft(max_age_ms = N)]` sets a type's max age; containers keep it; tuples take the shortest.
use std::time::Duration;

use hft_cache::{Live, Static, Streamed};
use hft_cache::policy::max_age_of;

#[derive(Static)]
#[hft(max_age_ms = 1_800_000)]
struct TradingRules {
    min_qty: u64,
}

#[derive(Static)]
#[hft(max_age_ms = 86_400_000)]
struct ExchangeConfig {
    name: String,
}

#[derive(Static)]
struct SymbolInfo {
    tick: u64,
}

#[derive(Streamed)]
struct Ticker(u64);

#[derive(Live)]
#[hft(max_age_ms = 100)]
struct Position(i64);

#[derive(Live)]
struct Balance(u64);

// `max_age_of` walks the types inside, at run time.
fn max_ages() {
    assert!(max_age_of::<TradingRules>().as_millis() == 1_800_000);
    assert!(max_age_of::<ExchangeConfig>().as_secs() == 86_400);
    assert!(max_age_of::<SymbolInfo>().as_secs() == 3600);
    assert!(max_age_of::<Ticker>().as_secs() == 5);
    assert!(max_age_of::<Balance>().as_millis() == 250);
    assert!(max_age_of::<Position>().as_millis() == 100);
    assert!(max_age_of::<Vec<Position>>().as_millis() == 100);
    assert!(max_age_of::<(Balance, Position)>().as_millis() == 100);
}

fn main() {
    max_ages();
    assert_eq!(max_age_of::<TradingRules>(), Duration::from_secs(1800));
}
