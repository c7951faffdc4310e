use hft_cache::{Live, Static, StaticCache};

#[derive(Live)]
struct Position {
    qty: i64,
}

#[derive(Static)]
struct Versioned<T> {
    version: u64,
    data: T,
}

fn cache(_: &StaticCache<String, Versioned<Position>>) {}

fn main() {}
