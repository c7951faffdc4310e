//! HFT004: a memoised function (`#[cached]`, `#[once]`, `#[io_cached]`, `#[memoize]`, ...) whose
//! return type holds live data: its results are a cache.

use syn::spanned::Spanned;
use syn::{Attribute, ReturnType, Signature};

use super::{anchor, Walker};
use crate::diagnostic::Rule;
use crate::types::last_name;

/// Attribute names (last path segment) that memoise a function.
pub const MEMOISING_ATTRS: &[&str] = &[
    "cached",
    "once",
    "io_cached",
    "memoize",
    "memoise",
    "memoized",
    "memoised",
    "memo",
    "lru_cache",
    "ttl_cache",
    "cache_result",
];

/// Checks a function's attributes and return type.
pub fn check(w: &mut Walker, attrs: &[Attribute], sig: &Signature) {
    let Some(attr) = attrs
        .iter()
        .find(|a| last_name(a.path()).is_some_and(|n| MEMOISING_ATTRS.contains(&n.as_str())))
    else {
        return;
    };
    let ReturnType::Type(_, ret) = &sig.output else {
        return;
    };
    let Some(live) = w.index.mention(ret) else {
        return;
    };
    let name = last_name(attr.path()).unwrap_or_default();
    let message = format!(
        "`#[{name}]` memoises `{}()`, which returns live data {live}",
        sig.ident
    );
    let a = anchor(attrs, sig.span());
    w.report(Rule::Memoised, attr.span(), a, message);
}
