use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(hft_cache::Static)]
enum OrderType {
    #[hft(max_age_ms = 10)]
    Limit,
    Market,
}

fn main() {}
