//! The runtime of hft-cache: data classes, `Fresh<T>`, the permitted caches, the clock.
//!
//! Users depend on the `hft-cache` facade, which re-exports this crate and the derives. In the
//! order an adapter author meets them:
//!
//! 1. The crate root: the class traits and derives ([`Static`], [`Streamed`], [`Live`],
//!    [`NoLiveState`]), [`Classified`] and [`DataClass`].
//! 2. Static data: [`StaticCache`] and [`static_cache`].
//! 3. Streamed data: [`StreamCache`] and [`stream_cache`], written by `feed` (feature `feeds`),
//!    over the order books of [`book`].
//! 4. Live data: [`Fresh`] and [`Expired`], made only by `fetch` (feature `http`) and `exchange`
//!    (feature `venues`).
//! 5. Oversight: [`monitor`], [`kill_switch`], `journal` (feature `venues`), `ops` (feature
//!    `ops`) and `fleet` (feature `fleet`).
//! 6. Time: [`clock`]; the rules behind the bounds: [`policy`]; private roots: `tls` (feature
//!    `http`).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The derives name paths through the facade (`::hft_cache::...`); this lets this crate's own
// tests and doc examples use them too.
extern crate self as hft_cache;

pub mod book;
mod cache_core;
mod cache_stats;
mod class;
mod classified_impls;
pub mod clock;
mod counters;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub mod exchange;
#[cfg(feature = "feeds")]
#[cfg_attr(docsrs, doc(cfg(feature = "feeds")))]
pub mod feed;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod fetch;
#[cfg(feature = "fleet")]
#[cfg_attr(docsrs, doc(cfg(feature = "fleet")))]
pub mod fleet;
mod fresh;
mod gate;
#[cfg(feature = "venues")]
#[cfg_attr(docsrs, doc(cfg(feature = "venues")))]
pub mod journal;
pub mod kill_switch;
mod log_limit;
pub mod monitor;
#[cfg(feature = "ops")]
#[cfg_attr(docsrs, doc(cfg(feature = "ops")))]
pub mod ops;
#[cfg(feature = "venues")]
mod order;
pub mod policy;
pub mod pre_trade;
mod proof;
mod receipt;
mod report_format;
pub mod static_cache;
pub mod stream_cache;
mod sync;
// Only `cargo fuzz` builds it (`--cfg fuzzing`): the fuzz targets' way to the crate's decoding.
#[cfg(all(fuzzing, feature = "http"))]
#[doc(hidden)]
#[path = "fuzz_entry.rs"]
pub mod __fuzz;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod tls;

// The policy core, at the root: the classes (each a trait and a derive), the trait that carries
// a type's class, `Fresh`, and the two caches. Everything else is reached through its module,
// each item by one path.
pub use class::{Classified, DataClass};
pub use fresh::{Expired, Fresh};
pub use hft_cache_macros::{Live, NoLiveState, Static, Streamed};
pub use policy::class_traits::{Live, NoLiveState, Static, Streamed};
pub use static_cache::cache::StaticCache;
pub use stream_cache::cache::StreamCache;

#[doc(hidden)]
pub use policy::__private;
