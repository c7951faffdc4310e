// A transient `Live` view may borrow live data (it is never put in a `Fresh`), live data holds
// the crate's own value types, and the re-exported HTTP and JSON types have classes.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use hft_cache::book::{BookDelta, BookSnapshot, Side};
use hft_cache::exchange::SecretString;
use hft_cache::fetch::header::HeaderValue;
use hft_cache::fetch::{Method, RawValue, Url};
use hft_cache::{Classified, DataClass, Fresh, Live, NoLiveState, Static};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Live)]
struct Fill {
    side: Side,
    qty: u64,
    snapshot: BookSnapshot,
    delta: Vec<BookDelta>,
    symbol: Cow<'static, str>,
    raw: Box<RawValue>,
}

#[derive(Live)]
struct Decision<'a> {
    balance: &'a Balance,
    fills: Vec<&'a Fill>,
    note: Cow<'a, str>,
}

#[derive(Static)]
struct Endpoint {
    url: Url,
    method: Method,
}

#[derive(NoLiveState)]
struct Adapter {
    endpoint: Endpoint,
    key: SecretString,
    header: HeaderValue,
    hosts: HashMap<String, Url>,
    started: LazyLock<u64>,
}

fn reads(_: &Fresh<Fill>, _: &Fresh<Balance>) {}

fn decide(balance: &Balance, fill: &Fill) -> u64 {
    let view = Decision { balance, fills: vec![fill], note: Cow::Borrowed("now") };
    view.balance.free + view.fills.len() as u64 + view.note.len() as u64
}

fn main() {
    let _ = reads;
    let _ = decide;
    assert_eq!(<Url as Classified>::CLASS, DataClass::Static);
    assert_eq!(<Side as Classified>::CLASS, DataClass::Plain);
    assert_eq!(<Decision<'static> as Classified>::CLASS, DataClass::Live);
    let _ = std::mem::size_of::<Adapter>();
}
