use std::time::Duration;

use hft_cache::monitor::{CacheStats, MonitoredCache};
use hft_cache::Static;

#[derive(Static)]
struct Rules {
    tick: u64,
}

// A cache of one's own that tells the monitor it is always fresh: the monitor trusts only its
// own caches.
struct AlwaysFresh;

impl MonitoredCache for AlwaysFresh {
    type Value = Rules;
    fn name(&self) -> &str {
        "rules"
    }
    fn max_age(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn stats(&self) -> CacheStats {
        CacheStats::default()
    }
    fn disable(&self) {}
    fn enable(&self) {}
    fn is_enabled(&self) -> bool {
        true
    }
}

fn main() {}
