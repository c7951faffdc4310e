#[hft(crate = "::hft_cache", max_age_ms = 50)]
enum Order<T: Clone, const N: usize = 4> {
    New { id: u64, price: T },
    Filled([T; N]),
    Cancelled,
}
