// `#[hft(crate = "...")]` for crates that re-export hft-cache under another path.
mod reexport {
    pub use hft_cache as policy;
}

use reexport::policy::{Classified, DataClass};

#[derive(reexport::policy::Static)]
#[hft(crate = "crate::reexport::policy")]
struct Fees {
    maker_bps: u32,
}

#[derive(reexport::policy::Live)]
#[hft(crate = "crate::reexport::policy")]
struct Balance {
    free: u64,
}

const _: () = {
    assert!(matches!(<Fees as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Balance as Classified>::CLASS, DataClass::Live));
};

fn main() {}
