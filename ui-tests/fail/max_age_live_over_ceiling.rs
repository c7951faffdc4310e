use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
#[hft(max_age_ms = 18446744073709551615)]
struct Position {
    qty: i64,
}

fn main() {}
