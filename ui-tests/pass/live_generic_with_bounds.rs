// Generic live types whose parameters have bounds the probe types cannot meet, or a conditional
// `Clone` the probe does not reach, still derive; one that is not `Clone` passes its probe.
use hft_cache::Live;

trait Venue {}

#[derive(Live)]
struct Position<T: std::fmt::Debug + Send, V: Venue> {
    qty: T,
    venue: std::marker::PhantomData<V>,
}

#[derive(Live)]
struct Orders<const N: usize, T = u64> {
    ids: [T; N],
}

fn main() {}
