//! HFT004: a memoised function (`#[cached]`, `#[once]`, `#[io_cached]`, `#[memoize]`, ...) whose
//! return type holds live data: its results are a cache.

use syn::spanned::Spanned;
use syn::{Attribute, ReturnType, Signature};

use super::flow::Env;
use super::{anchor, Walker};
use crate::diagnostic::Rule;
use crate::index::{segs, Ns, Res};
use crate::types::last_name;

/// Attribute names (last path segment) that memoise a function.
pub const MEMOISING_ATTRS: &[&str] = &[
    "cached",
    "once",
    "io_cached",
    "concurrent_cached",
    "memoize",
    "memoise",
    "memoized",
    "memoised",
    "memo",
    "lru_cache",
    "ttl_cache",
    "cache_result",
];

/// The memoising attribute among `attrs`: one of [`MEMOISING_ATTRS`] by name, or any
/// attribute that resolves into the `cached` crate (`use cached::proc_macro::cached as memo;`).
fn memoising<'a>(w: &Walker, attrs: &'a [Attribute]) -> Option<(&'a Attribute, String)> {
    attrs.iter().find_map(|a| {
        let name = last_name(a.path())?;
        if let Res::External(p) = w.index.resolve(&w.scope, &segs(a.path()), false, Ns::Type) {
            let original = p.last().cloned().unwrap_or_default();
            let from_cached = p
                .first()
                .is_some_and(|c| c == "cached" || c == "cached_proc_macro");
            if from_cached && MEMOISING_ATTRS.contains(&original.as_str()) {
                let shown = if original == name {
                    format!("`#[{name}]`")
                } else {
                    format!("`#[{name}]` (`cached`'s `#[{original}]`, renamed)")
                };
                return Some((a, shown));
            }
        }
        MEMOISING_ATTRS
            .contains(&name.as_str())
            .then(|| (a, format!("`#[{name}]`")))
    })
}

/// Checks a function's attributes, return type and body.
pub fn check(
    w: &mut Walker,
    attrs: &[Attribute],
    sig: &Signature,
    body: Option<(&syn::Block, &Env)>,
) {
    let Some((attr, name)) = memoising(w, attrs) else {
        return;
    };
    let a = anchor(attrs, sig.span());
    if let ReturnType::Type(_, ret) = &sig.output {
        if let Some(live) = w.mention_held(ret) {
            let message = format!(
                "{name} memoises `{}()`, which returns live data {live}",
                sig.ident
            );
            w.report(Rule::Memoised, attr.span(), a, message);
            return;
        }
    }
    // A result computed from live data is as stale as the data.
    if let Some((body, env)) = body {
        if let Some((_, live)) = super::flow::first_live_read(w, env, body) {
            let message = format!(
                "{name} memoises `{}()`, whose body reads live data: {live}",
                sig.ident
            );
            w.report(Rule::Memoised, attr.span(), a, message);
        }
    }
}
