use hft_cache::{Fresh, Live};

#[derive(Live)]
struct Wrapper<T> {
    inner: T,
}

#[derive(Live)]
struct Balance {
    free: u64,
}

fn take(_: &Fresh<Wrapper<std::sync::Mutex<Balance>>>) {}

fn main() {}
