use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(hft_cache::Static)]
enum OrderType {
    Limit,
    #[hft(bogus)]
    Market,
}

fn main() {}
