// A generic wrapper takes its class from its parameter: one envelope type for static and live
// payloads, with the field rules of the class it ends up with.
use hft_cache::{Classified, DataClass, Fresh, Live, Static, StaticCache};
use hft_cache::policy::max_age_of;

#[derive(Static)]
struct InstrumentsInfo {
    tick: u64,
}

#[derive(Live)]
#[hft(max_age_ms = 100)]
struct WalletBalance {
    equity: u64,
}

#[derive(Static)]
#[hft(class_of(T))]
struct Envelope<T> {
    ret_code: i64,
    ret_msg: String,
    result: T,
}

// A class parameter that is no field still sets the class and lowers the max age: a wrapper that
// turns out live is never used for longer than its live payload.
#[derive(Static)]
#[hft(class_of(T), max_age_ms = 3600000)]
struct Tagged<T> {
    code: i64,
    _result: std::marker::PhantomData<T>,
}

fn uses(_: &StaticCache<String, Envelope<InstrumentsInfo>>, _: &Fresh<Envelope<WalletBalance>>) {}

// `max_age_of` walks the types inside, at run time.
fn max_ages() {
    assert!(matches!(<Envelope<InstrumentsInfo> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Envelope<WalletBalance> as Classified>::CLASS, DataClass::Live));
    assert!(max_age_of::<Envelope<WalletBalance>>().as_millis() == 100);
    assert!(matches!(<Tagged<WalletBalance> as Classified>::CLASS, DataClass::Live));
    assert!(max_age_of::<Tagged<WalletBalance>>().as_millis() == 100);
    assert!(max_age_of::<Tagged<InstrumentsInfo>>().as_secs() == 3600);
}

fn main() {
    max_ages();
    let _ = uses;
}
