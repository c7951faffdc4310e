use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

/// A clock that never moves would keep every `Fresh<T>` fresh forever.
#[derive(Debug)]
struct Frozen;

impl hft_cache::clock::Clock for Frozen {
    fn now(&self) -> hft_cache::clock::Timestamp {
        hft_cache::clock::Timestamp::ZERO
    }
}

fn main() {}
