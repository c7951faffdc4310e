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

fn uses(_: &StaticCache<String, Envelope<InstrumentsInfo>>, _: &Fresh<Envelope<WalletBalance>>) {}

const _: () = {
    assert!(matches!(<Envelope<InstrumentsInfo> as Classified>::CLASS, DataClass::Static));
    assert!(matches!(<Envelope<WalletBalance> as Classified>::CLASS, DataClass::Live));
    assert!(max_age_of::<Envelope<WalletBalance>>().as_millis() == 100);
};

fn main() {
    let _ = uses;
}
