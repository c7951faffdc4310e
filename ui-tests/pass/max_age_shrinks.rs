// A derived type's max age is the shortest of its own and its fields'.
use std::time::Duration;

use hft_cache::{Live, Static, Streamed};
use hft_cache::policy::max_age_of;

#[derive(Static)]
#[hft(max_age_ms = 60000)]
struct Fees {
    bps: u32,
}

#[derive(Static)]
struct Rules {
    fees: Fees,
}

#[derive(Streamed)]
struct Ticker {
    bid: u64,
    fees: Fees,
}

#[derive(Live)]
#[hft(max_age_ms = 50)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Account {
    balances: Vec<Balance>,
}

#[derive(Live)]
#[hft(max_age_ms = 1000)]
struct Slow {
    qty: i64,
}

// `max_age_of` walks the types inside, at run time.
fn max_ages() {
    assert!(max_age_of::<Rules>().as_millis() == 60_000);
    assert!(max_age_of::<Ticker>().as_millis() == 5_000);
    assert!(max_age_of::<Account>().as_millis() == 50);
    assert!(max_age_of::<(Ticker, Fees)>().as_millis() == 5_000);
    assert!(max_age_of::<Slow>().as_millis() == 1_000);
}

fn main() {
    max_ages();
    assert_eq!(max_age_of::<Rules>(), Duration::from_secs(60));
}
