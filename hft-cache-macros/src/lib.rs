//! Derive macros for [hft-cache](https://docs.rs/hft-cache): `Static`, `Streamed`, `Live` and
//! `NoLiveState`. Use them through the `hft-cache` crate, which re-exports them next to the
//! traits of the same names.
//!
//! Each derive parses its input (`attr.rs`), checks it (`check.rs`) and generates the class impl
//! and one assertion per field, spanned at the field's type (`expand.rs`). Errors are
//! `syn::Error`s with the offending span, combined; on an error the derive still emits a stub
//! impl so that users see the one error, not a cascade of "trait not implemented".

mod attr;
mod check;
mod derive;
mod expand;
mod generics;
mod serde_attrs;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use derive::Derive;

fn run(input: TokenStream, derive: Derive) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, derive).into()
}

/// Declares static data: symbol info, trading rules, fee schedules, exchange config.
///
/// Every field must be plain or static. `#[hft(max_age_ms = N)]` sets how long a cached value
/// may be served (default 1 h).
#[proc_macro_derive(Static, attributes(hft))]
pub fn derive_static(input: TokenStream) -> TokenStream {
    run(input, Derive::Static)
}

/// Declares streamed market data: order books, tickers, trades from a stream.
///
/// Every field must be plain, static or streamed. `#[hft(max_age_ms = N)]` sets how long a
/// streamed value may be read after its last update (default 5 s).
#[proc_macro_derive(Streamed, attributes(hft))]
pub fn derive_streamed(input: TokenStream) -> TokenStream {
    run(input, Derive::Streamed)
}

/// Declares live trading data: balances, orders, positions, recent trades.
///
/// Such a type can only be held in a `Fresh<T>`, never cached, and must not be `Clone` or
/// `Copy`. `#[hft(max_age_ms = N)]` sets how long a fetched value may be read (default 250 ms).
///
/// Every field must come from the response body: serde attributes that fill a field from
/// elsewhere (`default = "path"`, `skip`, `skip_deserializing`, a container `default`, `from`,
/// `try_from`, `remote`) are refused, and a `deserialize_with`/`with` function other than the
/// known transforms (`rust_decimal::serde::*`, `chrono::serde::*`, `time::serde::*`) needs
/// `#[hft(trusted_transform)]` on the field, a visible vouch that it only converts the body's
/// own data. A type with lifetime parameters is a transient view that may borrow live data
/// and is never held in a `Fresh`.
#[proc_macro_derive(Live, attributes(hft))]
pub fn derive_live(input: TokenStream) -> TokenStream {
    run(input, Derive::Live)
}

/// Declares a long-lived struct (adapter, strategy, engine) that holds no live data.
///
/// Every field must be classified and not live; a field of a foreign type that holds no live
/// data may be marked `#[hft(opaque)]`.
#[proc_macro_derive(NoLiveState, attributes(hft))]
pub fn derive_no_live_state(input: TokenStream) -> TokenStream {
    run(input, Derive::NoLiveState)
}
