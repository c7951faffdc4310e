use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

struct Position {
    qty: i64,
}

impl hft_cache::Classified for Position {
    type Class = hft_cache::policy::class::Static;
}

fn main() {}
