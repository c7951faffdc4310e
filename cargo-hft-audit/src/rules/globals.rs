//! HFT002: live data in a global: `static`, `static mut`, `thread_local!`, `lazy_static!`, and
//! the lazy cells (`Lazy`, `LazyLock`, `OnceLock`, `OnceCell`) they are built with.

use syn::{Ident, Type};

use super::Walker;
use crate::diagnostic::Rule;
use crate::types::{find_path, last_name};

/// The lazily initialised cells a global is usually built with.
const LAZY_CELLS: &[&str] = &["Lazy", "LazyLock", "OnceLock", "OnceCell", "LazyCell"];

/// Checks a global `ident: ty` declared as `kind` (`static`, `thread_local!`, ...).
pub fn check(w: &mut Walker, kind: &str, ident: &Ident, ty: &Type, anchor: usize) {
    let Some(live) = w.mention_held(ty) else {
        return;
    };
    let cell = find_path(ty, &mut |p| {
        last_name(p).filter(|n| LAZY_CELLS.contains(&n.as_str()))
    });
    let through = cell.map(|c| format!(" through `{c}`")).unwrap_or_default();
    let message = format!("global `{kind} {ident}` holds live data {live}{through}");
    w.report(Rule::LiveGlobal, ident.span(), anchor, message);
}

/// The statics a `macro_rules!` body declares with a written-out type holding live data, when
/// no invocation expands them (the macro is never invoked, or has repetitions): invocations
/// that expand are checked where they are, with their arguments.
pub fn check_macro_definition(w: &mut Walker, m: &syn::Macro) {
    // `macro_rules! name { ... }`: the name is the item's; the tokens are the arms.
    for s in crate::macros::body_statics(m) {
        let Some(live) = w.mention_held(&s.ty) else {
            continue;
        };
        let invoked = macro_name_of(w, m).is_some_and(|n| w.index.invoked.contains(&n));
        if invoked && !s.unexpandable {
            continue;
        }
        let line = crate::source::span_range(s.ident.span()).line;
        let message = format!(
            "global `static {}{}` declared by a `macro_rules!` body holds live data {live}",
            if s.variable { "$" } else { "" },
            s.ident
        );
        w.report(Rule::LiveGlobal, s.ident.span(), line, message);
    }
}

fn macro_name_of(w: &Walker, m: &syn::Macro) -> Option<String> {
    w.index
        .macros
        .iter()
        .find(|d| std::ptr::eq(d.mac, m))
        .map(|d| d.name.clone())
}
