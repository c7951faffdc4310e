use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::{Fresh, Static};

#[derive(Static)]
#[hft(class_of(T))]
struct Envelope<T> {
    code: i64,
    result: Option<Box<T>>,
}

impl<T> Clone for Envelope<T> {
    fn clone(&self) -> Self {
        Envelope { code: self.code, result: None }
    }
}

fn keep(_: &Fresh<Envelope<Balance>>) {}

fn main() {}
