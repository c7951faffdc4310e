#![doc = include_str!("../README.md")]

pub use hft_cache_core::*;

/// The mock exchange (feature `mock`): a real HTTP and WebSocket server on loopback, Binance-spot
/// shaped, with faults on demand. The same crate as `hft-cache-mock`.
#[cfg(feature = "mock")]
pub use hft_cache_mock as mock;
