use hft_cache::{Live, Static, StaticCache};

#[derive(Live)]
struct Balance {
    free: u64,
}

#[derive(Static)]
struct Info {
    tick: u64,
}

// The envelope of a static payload is static, so a live field in it is refused where the
// envelope is used as static data.
#[derive(Static)]
#[hft(class_of(T))]
struct Envelope<T> {
    result: T,
    leaked: Balance,
}

fn holds(_: &StaticCache<String, Envelope<Info>>) {}

fn main() {}
