use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Fresh;

#[derive(Live)]
struct View<'a> {
    balance: &'a Balance,
}

fn keep(_: &Fresh<View<'static>>) {}

fn main() {}
