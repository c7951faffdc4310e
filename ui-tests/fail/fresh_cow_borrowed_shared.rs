use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

use std::borrow::Cow;
use hft_cache::Fresh;

#[derive(Live)]
struct Fill {
    qty: u64,
}
impl ToOwned for Fill {
    type Owned = Fill;
    fn to_owned(&self) -> Fill {
        Fill { qty: self.qty }
    }
}

fn share(_: &Fresh<Cow<'static, Fill>>) {}

fn main() {}
