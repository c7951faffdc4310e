use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

trait Named {
    type Name;
}
impl Named for Balance {
    type Name = ForeignName;
}
struct ForeignName;
struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    kept: Foreign<<Balance as Named>::Name>,
}

fn main() {}
