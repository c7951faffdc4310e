use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

trait Sink<T> {}

#[derive(NoLiveState)]
struct Adapter {
    #[hft(opaque)]
    sink: Box<dyn Sink<Balance> + Send>,
}

fn main() {}
