// A generic long-lived struct is checked where it is used as `NoLiveState`: the derive cannot put
// bounds on the struct itself, so the engine runner requires the trait.
use hft_cache::{Live, NoLiveState};

#[derive(Live)]
struct Position {
    qty: i64,
}

#[derive(NoLiveState)]
struct Engine<S> {
    state: S,
}

fn run_forever<E: NoLiveState>(_engine: E) {}

fn main() {
    run_forever(Engine { state: vec![Position { qty: 1 }] });
}
