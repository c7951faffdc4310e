use hft_cache::Live;

#[derive(Live)]
struct Balance {
    free: u64,
}

mod evil {
    pub use hft_cache::*;
    pub mod __private {
        pub use hft_cache::__private::*;
        pub const fn static_field<F: ?Sized>() {}
    }
}

#[derive(hft_cache::Static)]
#[hft(crate = "crate::evil")]
struct Rules {
    reserve: Balance,
}

fn main() {}
