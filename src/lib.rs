pub use hft_cache_core::*;
