use hft_cache::{Live, StreamCache, Streamed};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Streamed)]
struct Tagged<T> {
    seq: u64,
    value: T,
}

fn feed(_: StreamCache<String, Tagged<Balance>>) {}

fn main() {}
