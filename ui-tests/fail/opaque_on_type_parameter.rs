use hft_cache::NoLiveState;

// `S<Balance>` would hold live data unchecked.
#[derive(NoLiveState)]
struct Slot<T> {
    #[hft(opaque)]
    value: T,
}

fn main() {}
