use hft_cache::{Live, Static, StaticCache};

#[derive(Live)]
struct WalletBalance {
    equity: u64,
}

#[derive(Static)]
#[hft(class_of(T))]
struct Envelope<T> {
    ret_code: i64,
    result: T,
}

fn holds(_: &StaticCache<String, Envelope<WalletBalance>>) {}

fn main() {}
