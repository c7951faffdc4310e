// Borrowed fields and lifetime parameters.
use hft_cache::{Classified, DataClass, Live, Static};

#[derive(Static)]
struct Venue<'a> {
    name: &'a str,
    hosts: &'a [&'static str],
}

#[derive(Live)]
struct OrderView<'a> {
    client_id: &'a str,
}

const _: () = {
    assert!(matches!(<Venue<'static> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<OrderView<'static> as Classified>::CLASS, DataClass::Live));
};

fn main() {}
