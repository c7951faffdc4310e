// `Fresh` holds live data of any shape that owns it exclusively.
use std::collections::{BTreeMap, HashMap};

use hft_cache::{Fresh, Live};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Position {
    qty: i64,
}

fn total(
    a: &Fresh<Vec<Balance>>,
    b: &Fresh<HashMap<String, Balance>>,
    c: &Fresh<BTreeMap<String, Vec<Position>>>,
    d: &Fresh<Option<Box<Balance>>>,
    e: &Fresh<[Balance; 2]>,
) -> usize {
    a.read().map_or(0, Vec::len)
        + b.read().map_or(0, HashMap::len)
        + c.read().map_or(0, BTreeMap::len)
        + d.read().map_or(0, |d| usize::from(d.is_some()))
        + e.read().map_or(0, |e| e.len())
}

fn main() {
    let _ = total;
}
