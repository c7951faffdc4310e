use hft_cache::{Live, Static};

#[derive(Static, Live)]
struct Fees {
    maker_bps: u32,
}

fn main() {}
