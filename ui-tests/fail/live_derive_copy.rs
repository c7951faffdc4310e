use hft_cache::Live;

#[derive(Live, Clone, Copy)]
struct LastPrice(u64);

fn main() {}
