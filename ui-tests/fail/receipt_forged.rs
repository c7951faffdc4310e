use std::time::Duration;

use hft_cache::clock::Timestamp;
use hft_cache::pre_trade::Receipt;

// A receipt says when the crate served a value: no one else can write one, so an order cannot
// be sent on a made-up age.
fn forge(now: Timestamp) -> Receipt {
    Receipt {
        key: None,
        at: now,
        max_age: Duration::from_secs(3600),
        feed: None,
    }
}

fn main() {}
