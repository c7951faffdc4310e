use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::NoLiveState;

trait Holds {
    type Held;
}
impl Holds for u8 {
    type Held = Balance;
}
struct Foreign<T>(T);

#[derive(NoLiveState)]
struct Adapter<T: Holds> {
    #[hft(opaque)]
    kept: Foreign<<T as Holds>::Held>,
}

fn takes<S: NoLiveState>(_: S) {}

fn main() {
    takes(Adapter::<u8> { kept: Foreign(Balance { free: 1 }) });
}
