//! The derive macros' input parser and expansion: arbitrary text parsed as a `DeriveInput`
//! (attributes `#[hft(..)]` and `#[serde(..)]` included), then each derive's expansion, as
//! rustc would run it. The macro crate's internals are built here as plain modules, since a
//! proc-macro crate exports nothing but its macros; they stay private to it. Nothing may
//! panic: every refusal is a `syn::Error` turned into `compile_error!`.
#![no_main]
#![allow(dead_code, unused_imports)]

#[path = "../../hft-cache-macros/src/attr.rs"]
mod attr;
#[path = "../../hft-cache-macros/src/check.rs"]
mod check;
#[path = "../../hft-cache-macros/src/derive.rs"]
mod derive;
#[path = "../../hft-cache-macros/src/expand.rs"]
mod expand;
#[path = "../../hft-cache-macros/src/generics.rs"]
mod generics;
#[path = "../../hft-cache-macros/src/serde_attrs.rs"]
mod serde_attrs;

use derive::Derive;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(input) = syn::parse_str::<syn::DeriveInput>(text) else {
        return;
    };
    for derive in [
        Derive::Static,
        Derive::Streamed,
        Derive::Live,
        Derive::NoLiveState,
    ] {
        let _ = expand::derive(&input, derive).to_string();
    }
});
