// Recursive types: `Self` in a field, and generic recursion, in structs and enums.
use hft_cache::{Classified, DataClass, Live, NoLiveState, Static, Streamed};

#[derive(Static)]
struct Tree<T> {
    value: T,
    children: Vec<Tree<T>>,
}

#[derive(Static)]
struct Node {
    name: String,
    next: Option<Box<Self>>,
    children: Vec<Box<Self>>,
}

#[derive(Streamed)]
enum Expr {
    Leaf(u64),
    Sum(Box<Self>, Box<Self>),
    List { items: Vec<Self> },
}

#[derive(Live)]
enum OrderChain {
    End,
    Link { id: u64, rest: Box<OrderChain> },
}

#[derive(NoLiveState)]
struct Registry {
    parent: Option<Box<Self>>,
    rules: Tree<u32>,
}

const _: () = {
    assert!(matches!(<Tree<u64> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Node as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Expr as Classified>::CLASS, DataClass::Streamed));
    assert!(matches!(<OrderChain as Classified>::CLASS, DataClass::Live));
    assert!(matches!(<Registry as Classified>::CLASS, DataClass::Plain));
};

fn main() {}
