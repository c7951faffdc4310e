#![doc = include_str!("../README.md")]

pub use hft_cache_core::*;
