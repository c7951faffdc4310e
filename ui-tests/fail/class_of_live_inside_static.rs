use hft_cache::{Live, Static};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Static)]
#[hft(class_of(T))]
struct Envelope<T> {
    result: T,
}

// An envelope of live data is live, so static data cannot hold it.
#[derive(Static)]
struct Snapshot {
    wallet: Envelope<Balance>,
}

fn main() {}
