use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use std::collections::HashMap;
use hft_cache::Static;

#[derive(Static)]
struct Rules {
    lot: u64,
}

#[derive(Live, Default)]
struct Hasher {
    last: u64,
}
impl std::hash::BuildHasher for Hasher {
    type Hasher = std::collections::hash_map::DefaultHasher;
    fn build_hasher(&self) -> Self::Hasher {
        Default::default()
    }
}

#[derive(Static)]
struct Table {
    rows: HashMap<String, Rules, Hasher>,
}

fn main() {}
