//! HFT003: third-party caches (moka, mini-moka, quick_cache, lru, schnellru, cached's stores,
//! dashmap, ...) and maps (`HashMap`, `BTreeMap`, ...) whose keys or values hold live data, in
//! fields, in globals, and in locals that escape into `self` or into a struct.

use std::collections::HashMap;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, Field, Ident, Member, Pat, Path, Type};

use super::flow::{live_expr, Env};
use super::Walker;
use crate::diagnostic::Rule;
use crate::index::{Index, ModKey};
use crate::types::{find_in_path, find_path, is_cache_type, last_name, path_display, type_args};

/// The first cache type inside `ty` whose generic arguments hold live data, with that data.
pub fn cache_of_live(index: &Index, scope: &ModKey, ty: &Type) -> Option<(String, String)> {
    find_path(ty, &mut |p| cache_path_of_live(index, scope, p))
}

/// `p` itself, if it is a cache type whose generic arguments hold live data.
fn cache_path_of_live(index: &Index, scope: &ModKey, p: &Path) -> Option<(String, String)> {
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
        .find_map(|t| index.mention(scope, t, true).map(|m| m.desc))?;
    let mut shown = p.clone();
    while shown.segments.last().is_some_and(|s| s.ident != seg.ident) {
        shown.segments.pop();
    }
    Some((path_display(&shown), live))
}

/// A field whose type is a cache of live data.
pub fn check_field(w: &mut Walker, f: &Field, anchor: usize) {
    if let Some((cache, live)) = cache_of_live(w.index, &w.scope, &f.ty) {
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
    if let Some((cache, live)) = cache_of_live(w.index, &w.scope, ty) {
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
        scope: &w.scope,
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
    index: &'i Index<'i>,
    scope: &'i ModKey,
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
            let found = ty
                .and_then(|t| cache_of_live(self.index, self.scope, t))
                .or_else(|| {
                    let init = l.init.as_ref()?;
                    let mut paths = TurbofishCaches {
                        index: self.index,
                        scope: self.scope,
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
    index: &'i Index<'i>,
    scope: &'i ModKey,
    found: Option<(String, String)>,
}

impl<'v> Visit<'v> for TurbofishCaches<'_> {
    fn visit_path(&mut self, p: &'v Path) {
        if self.found.is_none() {
            self.found = find_in_path(p, &mut |p| cache_path_of_live(self.index, self.scope, p));
        }
    }
}

/// Type-erased maps: a value of any type goes in, so the type says nothing about live data.
pub const ERASED_MAPS: &[&str] = &["Extensions", "AnyMap", "TypeMap", "ShareMap", "CloneAny"];

/// Whether `ty` is a type-erased map or holds `dyn Any` values.
fn is_erased(ty: &Type) -> Option<String> {
    find_path(ty, &mut |p| {
        let n = last_name(p)?;
        (ERASED_MAPS.contains(&n.as_str()) || n == "Any").then(|| {
            if n == "Any" {
                "`dyn Any`".to_string()
            } else {
                format!("`{}`", path_display(p))
            }
        })
    })
}

/// The written type of `e`, when it is a typed local or parameter, or a field of `self`.
fn type_of<'e>(w: &'e Walker, env: &'e Env, e: &Expr) -> Option<Type> {
    match e {
        Expr::Path(p) => env.types.get(&p.path.get_ident()?.to_string()).cloned(),
        Expr::Field(f) => {
            let Expr::Path(base) = &*f.base else {
                return None;
            };
            if !base.path.is_ident("self") {
                return None;
            }
            let Member::Named(field) = &f.member else {
                return None;
            };
            let self_ty = w.self_ty.as_ref()?;
            let segs = crate::index::segs(self_ty);
            let crate::index::Res::Def(id) =
                w.index
                    .resolve(&w.scope, &segs, false, crate::index::Ns::Type)
            else {
                return None;
            };
            w.index.defs[id]
                .fields
                .iter()
                .find(|fd| fd.ident.as_ref() == Some(field))
                .map(|fd| fd.ty.clone())
        }
        Expr::Paren(p) => type_of(w, env, &p.expr),
        Expr::Reference(r) => type_of(w, env, &r.expr),
        _ => None,
    }
}

/// Live values put in a type-erased map (`http::Extensions`, `anymap::AnyMap`, a map of
/// `Box<dyn Any>`), or boxed as `dyn Any`: the map's type cannot show what it holds.
pub fn check_erased(w: &mut Walker, body: &Block, env: &Env) {
    struct Find<'b> {
        inserts: Vec<&'b syn::ExprMethodCall>,
        casts: Vec<&'b syn::ExprCast>,
    }
    impl<'b> Visit<'b> for Find<'b> {
        fn visit_expr_method_call(&mut self, m: &'b syn::ExprMethodCall) {
            if matches!(
                m.method.to_string().as_str(),
                "insert" | "push" | "entry" | "or_insert"
            ) {
                self.inserts.push(m);
            }
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_cast(&mut self, c: &'b syn::ExprCast) {
            self.casts.push(c);
            visit::visit_expr_cast(self, c);
        }
        fn visit_item(&mut self, _: &'b syn::Item) {}
    }
    let mut f = Find {
        inserts: Vec::new(),
        casts: Vec::new(),
    };
    f.visit_block(body);
    let mut hits = Vec::new();
    for m in f.inserts {
        let erased = match &*m.receiver {
            Expr::MethodCall(r)
                if matches!(
                    r.method.to_string().as_str(),
                    "extensions_mut" | "extensions"
                ) =>
            {
                Some("`http::Extensions`".to_string())
            }
            r => type_of(w, env, r).as_ref().and_then(is_erased),
        };
        let Some(erased) = erased else { continue };
        for a in &m.args {
            let inner = unbox(a);
            if let Some(live) = live_expr(w, env, inner) {
                hits.push((
                    a.span(),
                    format!(
                        "a live value, {live}, is put in a type-erased map ({erased}) by `.{}(..)`",
                        m.method
                    ),
                ));
            }
        }
    }
    for c in f.casts {
        let (Some(erased), Some(live)) = (is_erased(&c.ty), live_expr(w, env, unbox(&c.expr)))
        else {
            continue;
        };
        hits.push((
            c.span(),
            format!("a live value, {live}, is boxed as a type-erased value ({erased})"),
        ));
    }
    for (span, message) in hits {
        let line = crate::source::span_range(span).line;
        w.report(Rule::LiveCache, span, line, message);
    }
}

fn unbox(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            Expr::Path(p)
                if p.path.segments.len() >= 2
                    && matches!(
                        p.path.segments[p.path.segments.len() - 2]
                            .ident
                            .to_string()
                            .as_str(),
                        "Box" | "Arc" | "Rc"
                    ) =>
            {
                unbox(&c.args[0])
            }
            _ => e,
        },
        Expr::Paren(p) => unbox(&p.expr),
        _ => e,
    }
}
