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
    let Some(live) = w.index.mention(ty) else {
        return;
    };
    let cell = find_path(ty, &mut |p| {
        last_name(p).filter(|n| LAZY_CELLS.contains(&n.as_str()))
    });
    let through = cell.map(|c| format!(" through `{c}`")).unwrap_or_default();
    let message = format!("global `{kind} {ident}` holds live data {live}{through}");
    w.report(Rule::LiveGlobal, ident.span(), anchor, message);
}
