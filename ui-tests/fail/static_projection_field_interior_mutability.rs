use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use hft_cache::Static;

trait Store {
    type Slot;
}
struct Cells;
impl Store for Cells {
    type Slot = std::sync::Mutex<u64>;
}

#[derive(Static)]
struct Rules {
    lot: u64,
    slot: <Cells as Store>::Slot,
}

fn main() {}
