// A hand-written `unsafe impl` is the one visible, greppable escape; it compiles where unsafe
// code is allowed, and the reviewer sees `unsafe`.
use hft_cache::policy::class::{Exclusive, Static};
use hft_cache::policy::ClassMarker;
use hft_cache::{Classified, StaticCache};

struct VendorRules {
    lot: u64,
}

// SAFETY: vendor reference data, reviewed: no live data inside.
unsafe impl Classified for VendorRules {
    type Class = Static;
    type Ownership = Exclusive;
    const PROOF: hft_cache::__private::Proof<Self, <Static as ClassMarker>::FieldRule> =
        unsafe { hft_cache::__private::Proof::vouched() };
}

fn holds(cache: &StaticCache<String, VendorRules>) -> Option<u64> {
    cache.read("BTCUSDT", |r| r.lot).ok().flatten()
}

fn main() {
    let _ = holds;
}
