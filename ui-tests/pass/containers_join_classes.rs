// A container's class is the highest class inside it.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use hft_cache::{Classified, DataClass, Live, Static, Streamed};

#[derive(Static)]
struct Fees(u32);
#[derive(Streamed)]
struct Ticker(u64);
#[derive(Live)]
struct Order(u64);

const fn class<T: Classified + ?Sized>() -> DataClass {
    T::CLASS
}

const _: () = {
    assert!(matches!(class::<(u8, String, rust_decimal::Decimal)>(), DataClass::Plain));
    assert!(matches!(class::<HashMap<String, Fees>>(), DataClass::Static));
    assert!(matches!(class::<(Fees, Ticker)>(), DataClass::Streamed));
    assert!(matches!(class::<(Ticker, Fees, u8)>(), DataClass::Streamed));
    assert!(matches!(class::<Arc<Mutex<BTreeMap<u64, Order>>>>(), DataClass::Live));
    assert!(matches!(class::<(Order, Fees)>(), DataClass::Live));
    assert!(matches!(class::<(u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, Order)>(), DataClass::Live));
    assert!(matches!(class::<VecDeque<Option<Box<[Ticker]>>>>(), DataClass::Streamed));
    assert!(matches!(class::<[Fees; 3]>(), DataClass::Static));
};

fn main() {}
