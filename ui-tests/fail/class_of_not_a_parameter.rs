use hft_cache::Static;

#[derive(Static)]
#[hft(class_of(U))]
struct Envelope<T> {
    ret_code: i64,
    result: T,
}

fn main() {}
