use hft_cache::Live;

// Bounds the probe types meet do not stop the `Clone` probe.
#[derive(Live, Clone)]
struct Position<T: std::fmt::Debug + Send>
where
    T: 'static + Sync,
{
    qty: T,
}

fn main() {}
