// Generic long-lived structs: a parameter that is a field gets the state rule as a bound.
use hft_cache::{NoLiveState, Static};

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(NoLiveState)]
struct Strategy<P> {
    params: P,
    rules: Vec<Rules>,
}

fn takes<T: NoLiveState>(_: &T) {}

fn main() {
    let s = Strategy { params: 5u32, rules: Vec::new() };
    takes(&s);
}
