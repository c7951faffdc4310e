use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct View<'a> {
    balance: &'a Balance,
    hits: std::cell::Cell<u64>,
}

fn main() {}
