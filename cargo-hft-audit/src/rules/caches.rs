//! HFT003: third-party caches (moka, mini-moka, quick_cache, lru, schnellru, cached's stores,
//! dashmap, ...) and maps (`HashMap`, `BTreeMap`, ...) whose keys or values hold live data, in
//! fields, in globals, and in locals that escape into `self` or into a struct.

use std::collections::HashMap;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, Field, Ident, Member, Pat, Path, Type};

use super::Walker;
use crate::diagnostic::Rule;
use crate::index::Index;
use crate::types::{find_in_path, find_path, is_cache_type, last_name, path_display, type_args};

/// The first cache type inside `ty` whose generic arguments hold live data, with that data.
pub fn cache_of_live(index: &Index, ty: &Type) -> Option<(String, String)> {
    find_path(ty, &mut |p| cache_path_of_live(index, p))
}

/// `p` itself, if it is a cache type whose generic arguments hold live data.
fn cache_path_of_live(index: &Index, p: &Path) -> Option<(String, String)> {
    let seg = p
        .segments
        .iter()
        .rev()
        .find(|s| is_cache_type(&s.ident.to_string()))?;
    // `Cache::<K, V>::new` puts the arguments on the cache's own segment, not on the last one.
    if !is_cache_type(&last_name(p)?)
        && !matches!(seg.arguments, syn::PathArguments::AngleBracketed(_))
    {
        return None;
    }
    let live = type_args(&seg.arguments)
        .into_iter()
        .find_map(|t| index.mention(t))?;
    let mut shown = p.clone();
    while shown.segments.last().is_some_and(|s| s.ident != seg.ident) {
        shown.segments.pop();
    }
    Some((path_display(&shown), live))
}

/// A field whose type is a cache of live data.
pub fn check_field(w: &mut Walker, f: &Field, anchor: usize) {
    if let Some((cache, live)) = cache_of_live(w.index, &f.ty) {
        let name = f
            .ident
            .as_ref()
            .map_or_else(|| "field".to_string(), |i| format!("field `{i}`"));
        let message = format!("{name} is a `{cache}` holding live data {live}");
        w.report(Rule::LiveCache, f.ty.span(), anchor, message);
    }
}

/// A global whose type is a cache of live data.
pub fn check_global(w: &mut Walker, kind: &str, ident: &Ident, ty: &Type, anchor: usize) {
    if let Some((cache, live)) = cache_of_live(w.index, ty) {
        let message = format!("global `{kind} {ident}` is a `{cache}` holding live data {live}");
        w.report(Rule::LiveCache, ty.span(), anchor, message);
    }
}

/// Locals of a function body that are caches of live data (by their annotated type, or by a
/// turbofish such as `HashMap::<String, Balance>::new()`) and escape into `self.field = ...`
/// or a struct literal. A local map used and dropped within the call is fine.
pub fn check_locals(w: &mut Walker, body: &Block) {
    let mut locals = Locals {
        index: w.index,
        caches: HashMap::new(),
        escapes: Vec::new(),
    };
    locals.visit_block(body);
    let Locals {
        caches, escapes, ..
    } = locals;
    let mut reported = std::collections::HashSet::new();
    for (name, into) in escapes {
        let Some(local) = caches.get(&name) else {
            continue;
        };
        if !reported.insert(name.clone()) {
            continue;
        }
        let message = format!(
            "local `{name}` is a `{}` holding live data {} and escapes into {into}",
            local.cache, local.live
        );
        let line = crate::source::span_range(local.span).line;
        w.report(Rule::LiveCache, local.span, line, message);
    }
}

struct LocalCache {
    cache: String,
    live: String,
    span: proc_macro2::Span,
}

struct Locals<'i> {
    index: &'i Index,
    caches: HashMap<String, LocalCache>,
    escapes: Vec<(String, String)>,
}

/// The local variables an expression reads directly (`x`, `x.clone()`, `Arc::new(x)`, ...).
fn locals_read(e: &Expr) -> Vec<String> {
    struct Reads(Vec<String>);
    impl<'v> Visit<'v> for Reads {
        fn visit_expr_path(&mut self, p: &'v syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.push(i.to_string());
            }
        }
        fn visit_expr_closure(&mut self, _: &'v syn::ExprClosure) {}
    }
    let mut r = Reads(Vec::new());
    r.visit_expr(e);
    r.0
}

fn is_self_field(e: &Expr) -> Option<String> {
    let Expr::Field(f) = e else { return None };
    let Expr::Path(p) = &*f.base else { return None };
    if !p.path.is_ident("self") {
        return None;
    }
    Some(match &f.member {
        Member::Named(i) => format!("`self.{i}`"),
        Member::Unnamed(i) => format!("`self.{}`", i.index),
    })
}

impl<'v> Visit<'v> for Locals<'_> {
    fn visit_local(&mut self, l: &'v syn::Local) {
        let (ident, ty) = match &l.pat {
            Pat::Type(pt) => match &*pt.pat {
                Pat::Ident(pi) => (Some(&pi.ident), Some(&*pt.ty)),
                _ => (None, None),
            },
            Pat::Ident(pi) => (Some(&pi.ident), None),
            _ => (None, None),
        };
        if let Some(ident) = ident {
            let found = ty.and_then(|t| cache_of_live(self.index, t)).or_else(|| {
                let init = l.init.as_ref()?;
                let mut paths = TurbofishCaches {
                    index: self.index,
                    found: None,
                };
                paths.visit_expr(&init.expr);
                paths.found
            });
            if let Some((cache, live)) = found {
                self.caches.insert(
                    ident.to_string(),
                    LocalCache {
                        cache,
                        live,
                        span: ident.span(),
                    },
                );
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_assign(&mut self, a: &'v syn::ExprAssign) {
        if let Some(into) = is_self_field(&a.left) {
            for r in locals_read(&a.right) {
                self.escapes.push((r, into.clone()));
            }
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'v syn::ExprStruct) {
        let into = format!("a `{}` value", path_display(&s.path));
        for f in &s.fields {
            for r in locals_read(&f.expr) {
                self.escapes.push((r, into.clone()));
            }
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if p.path.is_ident("Self") {
                for a in &c.args {
                    for r in locals_read(a) {
                        self.escapes.push((r, "a `Self` value".to_string()));
                    }
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    // Nested items are walked on their own.
    fn visit_item(&mut self, _: &'v syn::Item) {}
}

struct TurbofishCaches<'i> {
    index: &'i Index,
    found: Option<(String, String)>,
}

impl<'v> Visit<'v> for TurbofishCaches<'_> {
    fn visit_path(&mut self, p: &'v Path) {
        if self.found.is_none() {
            self.found = find_in_path(p, &mut |p| cache_path_of_live(self.index, p));
        }
    }
}
