// `NoLiveState` structs with lifetime, const and type parameters, parameter defaults that refer
// to earlier parameters, and `opaque` fields next to generic ones.
use std::marker::PhantomData;

use hft_cache::{NoLiveState, Static};

#[derive(Static)]
struct Rules {
    lot: u64,
}

struct ForeignClient;
struct ForeignPool<T>(Vec<T>);

#[derive(NoLiveState)]
struct Engine<'a, const N: usize, T, U = Vec<T>> {
    name: &'a str,
    slots: [u64; N],
    params: T,
    more: U,
    rules: Vec<Rules>,
    #[hft(opaque)]
    http: ForeignClient,
    #[hft(opaque)]
    pool: ForeignPool<T>,
    _marker: PhantomData<&'a T>,
}

fn takes<S: NoLiveState>(_: &S) {}

fn main() {
    let name = String::from("e");
    let engine: Engine<'_, 2, u32> = Engine {
        name: &name,
        slots: [0; 2],
        params: 1,
        more: vec![2],
        rules: Vec::new(),
        http: ForeignClient,
        pool: ForeignPool(vec![3]),
        _marker: PhantomData,
    };
    takes(&engine);
}
