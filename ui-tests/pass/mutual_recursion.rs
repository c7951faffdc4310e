// Mutually recursive types, and recursion through a type alias, of every class: the folds of
// ownership and max age need no cycle through the other type.
use hft_cache::policy::max_age_of;
use hft_cache::{Classified, DataClass, Fresh, Live, Static};

#[derive(Static)]
struct Menu {
    title: String,
    items: Vec<Item>,
}

#[derive(Static)]
enum Item {
    Leaf(u32),
    Sub(Box<Menu>),
}

type Children = Vec<Node>;

#[derive(Static)]
struct Node {
    children: Children,
}

#[derive(Live)]
struct OrderTree {
    id: u64,
    legs: Vec<Leg>,
}

#[derive(Live)]
#[hft(max_age_ms = 100)]
struct Leg {
    qty: i64,
    parent: Option<Box<OrderTree>>,
}

type Fills = Vec<Fill>;

#[derive(Live)]
struct Fill {
    qty: i64,
    children: Fills,
}

fn reads(_: &Fresh<OrderTree>, _: &Fresh<Fill>) {}

const _: () = {
    assert!(matches!(<Menu as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Node as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<OrderTree as Classified>::CLASS, DataClass::Live));
};

fn main() {
    let _ = reads;
    assert!(max_age_of::<Menu>().as_secs() == 3600);
    assert!(max_age_of::<Leg>().as_millis() == 100);
    assert!(max_age_of::<OrderTree>().as_millis() <= 250);
    assert!(max_age_of::<Fill>().as_millis() == 250);
}
