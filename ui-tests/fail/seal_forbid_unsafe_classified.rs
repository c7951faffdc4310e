#![forbid(unsafe_code)]
use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

/// A position declared static by hand, in a crate that forbids unsafe code: refused.
struct Position {
    qty: i64,
}

unsafe impl hft_cache::Classified for Position {
    type Class = hft_cache::policy::class::Static;
    type Ownership = hft_cache::policy::class::Exclusive;
    const PROOF: hft_cache::__private::Proof<Self, hft_cache::__private::StaticRule> =
        unsafe { hft_cache::__private::Proof::vouched() };
}

fn main() {}
