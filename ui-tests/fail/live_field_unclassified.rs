use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

struct Foreign;

#[derive(Live)]
struct Order {
    extra: Foreign,
}

fn main() {}
