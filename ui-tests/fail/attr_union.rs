use hft_cache::Static;

#[derive(Static)]
union Price {
    ticks: u64,
    raw: f64,
}

fn main() {}
