//! Which expressions of a function body are live values: its parameters and locals of live
//! types, calls of functions and methods that return live data, struct literals of live
//! types, and what passes a live value through (`?`, `.await`, `.clone()`, `Arc::new(..)`).

use std::collections::HashMap;

use syn::visit::{self, Visit};
use syn::{Expr, FnArg, Pat, Signature, Type};

use super::Walker;
use crate::index::{segs, DefKind, Ns, Res, HFT_CACHE_LIVE_METHODS};

/// The live locals of one function body, and the declared types of its locals.
#[derive(Default)]
pub struct Env {
    /// Live locals (and parameters), with what they hold.
    pub live: HashMap<String, String>,
    /// Locals and parameters with a written type (or built by `Type::new()`).
    pub types: HashMap<String, Type>,
    /// Locals bound to a closure or an async block.
    pub closures: HashMap<String, Expr>,
}

/// `Box::new(e)`, `Arc::new(e)` and `Box::pin(e)` around a closure or future, and casts.
pub fn unwrap_boxed(e: &Expr) -> &Expr {
    match e {
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(p) = &*c.func else { return e };
            let n = p.path.segments.len();
            let wrapper = n >= 2
                && matches!(
                    p.path.segments[n - 2].ident.to_string().as_str(),
                    "Box" | "Arc" | "Rc"
                )
                && matches!(
                    p.path.segments[n - 1].ident.to_string().as_str(),
                    "new" | "pin"
                );
            if wrapper {
                unwrap_boxed(&c.args[0])
            } else {
                e
            }
        }
        Expr::Paren(p) => unwrap_boxed(&p.expr),
        Expr::Cast(c) => unwrap_boxed(&c.expr),
        _ => e,
    }
}

/// `T` for an initialiser `T::new()`, `T::default()`, `T::with_capacity(..)`.
fn constructed_type(e: &Expr) -> Option<Type> {
    let Expr::Call(c) = e else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let mut path = p.path.clone();
    let last = path.segments.pop()?.into_value();
    if !matches!(
        last.ident.to_string().as_str(),
        "new" | "default" | "with_capacity"
    ) || path.segments.is_empty()
    {
        return None;
    }
    if let Some(mut seg) = path.segments.pop() {
        // `AnyMap::new` keeps `AnyMap`; `Vec::<T>::new` keeps `Vec<T>`.
        let seg = seg.value_mut().clone();
        path.segments.push(seg);
    }
    Some(Type::Path(syn::TypePath { qself: None, path }))
}

/// Methods that hand back (a view of) the live value they are called on.
const PASS_THROUGH: &[&str] = &[
    "clone",
    "read",
    "unwrap",
    "expect",
    "to_owned",
    "as_ref",
    "take",
    "into_inner",
    "lock",
];

/// Calls that wrap their argument: `Arc::new(x)`, `Some(x)`, `Box::new(x)`, ...
const WRAPPERS: &[&str] = &["new", "Some", "Ok", "from", "pin"];

fn pat_ident(p: &Pat) -> Option<(String, Option<&Type>)> {
    match p {
        Pat::Ident(pi) => Some((pi.ident.to_string(), None)),
        Pat::Type(pt) => pat_ident(&pt.pat).map(|(n, _)| (n, Some(&*pt.ty))),
        _ => None,
    }
}

/// The name bound by `Ok(x)`, `Some(x)`, `Ok(Some(x))`, `Poll::Ready(x)`: the wrapped value.
fn unwrapped_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
        Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
            let last = ts.path.segments.last()?.ident.to_string();
            if matches!(last.as_str(), "Ok" | "Some" | "Ready") {
                unwrapped_ident(&ts.elems[0])
            } else {
                None
            }
        }
        Pat::Paren(pp) => unwrapped_ident(&pp.pat),
        Pat::Reference(r) => unwrapped_ident(&r.pat),
        _ => None,
    }
}

impl Env {
    /// The live parameters and locals of `body`, in order.
    pub fn of_fn(w: &Walker, sig: &Signature, body: &syn::Block) -> Env {
        let mut env = Env::default();
        for input in &sig.inputs {
            if let FnArg::Typed(pt) = input {
                if let Some((name, _)) = pat_ident(&pt.pat) {
                    if let Some(m) = w.mention_held(&pt.ty) {
                        env.live.insert(name.clone(), m);
                    }
                    env.types.insert(name, (*pt.ty).clone());
                }
            }
        }
        let mut b = Builder { w, env };
        b.visit_block(body);
        b.env
    }
}

struct Builder<'w, 'x> {
    w: &'w Walker<'x>,
    env: Env,
}

impl<'v> Visit<'v> for Builder<'_, '_> {
    fn visit_expr_let(&mut self, l: &'v syn::ExprLet) {
        visit::visit_expr_let(self, l);
        // `if let Ok(a) = venue.account().await { .. }`
        if let (Some(name), Some(m)) = (
            unwrapped_ident(&l.pat),
            live_expr(self.w, &self.env, &l.expr),
        ) {
            self.env.live.insert(name, m);
        }
    }

    fn visit_expr_match(&mut self, m: &'v syn::ExprMatch) {
        if let Some(live) = live_expr(self.w, &self.env, &m.expr) {
            for arm in &m.arms {
                if let Some(name) = unwrapped_ident(&arm.pat) {
                    self.env.live.insert(name, live.clone());
                }
            }
        }
        visit::visit_expr_match(self, m);
    }

    fn visit_local(&mut self, l: &'v syn::Local) {
        visit::visit_local(self, l);
        // `let Ok(a) = venue.account().await else { .. };`
        if !matches!(l.pat, Pat::Ident(_) | Pat::Type(_)) {
            let live = l
                .init
                .as_ref()
                .and_then(|i| live_expr(self.w, &self.env, &i.expr));
            if let (Some(name), Some(m)) = (unwrapped_ident(&l.pat), live) {
                self.env.live.insert(name, m);
            }
            return;
        }
        let Some((name, ty)) = pat_ident(&l.pat) else {
            return;
        };
        let live = ty.and_then(|t| self.w.mention_held(t)).or_else(|| {
            l.init
                .as_ref()
                .and_then(|i| live_expr(self.w, &self.env, &i.expr))
        });
        match live {
            Some(m) => {
                self.env.live.insert(name.clone(), m);
            }
            None => {
                self.env.live.remove(&name);
            }
        }
        if let Some(t) = ty {
            self.env.types.insert(name.clone(), t.clone());
        } else if let Some(t) = l.init.as_ref().and_then(|i| constructed_type(&i.expr)) {
            self.env.types.insert(name.clone(), t);
        }
        if let Some(init) = &l.init {
            if let e @ (Expr::Closure(_) | Expr::Async(_)) = unwrap_boxed(&init.expr) {
                self.env.closures.insert(name, e.clone());
            }
        }
    }

    fn visit_item(&mut self, _: &'v syn::Item) {}
}

/// What live data `e` is, if it is a live value.
pub fn live_expr(w: &Walker, env: &Env, e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| env.live.get(&i.to_string()))
            .map(|m| {
                format!(
                    "`{}` ({m})",
                    p.path
                        .get_ident()
                        .map(|i| i.to_string())
                        .unwrap_or_default()
                )
            }),
        Expr::Await(a) => live_expr(w, env, &a.base),
        Expr::Try(t) => live_expr(w, env, &t.expr),
        Expr::Paren(p) => live_expr(w, env, &p.expr),
        Expr::Group(g) => live_expr(w, env, &g.expr),
        Expr::Reference(r) => live_expr(w, env, &r.expr),
        Expr::Cast(c) => live_expr(w, env, &c.expr),
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            match w.index.resolve(
                &w.scope,
                &segs(&p.path),
                p.path.leading_colon.is_some(),
                Ns::Value,
            ) {
                Res::Def(id) => {
                    let d = &w.index.defs[id];
                    match d.kind {
                        DefKind::Fn(sig) => {
                            if let syn::ReturnType::Type(_, ret) = &sig.output {
                                if let Some(m) = w.index.mention(&d.module, ret, true) {
                                    return Some(format!("`{name}()` returns {}", m.desc));
                                }
                            }
                        }
                        _ => {
                            if let Some(m) = w.index.path_mention(&w.scope, &p.path, true) {
                                return Some(m.desc);
                            }
                        }
                    }
                }
                Res::External(_) | Res::Unknown | Res::Module(_) => {}
            }
            if WRAPPERS.contains(&name.as_str()) {
                return c.args.iter().find_map(|a| live_expr(w, env, a));
            }
            None
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if let Some(desc) = w.index.live_methods.get(&name) {
                return Some(format!("`.{name}()` returns {desc}"));
            }
            if HFT_CACHE_LIVE_METHODS.contains(&name.as_str()) {
                return Some(format!("hft-cache's `.{name}()` returns `Fresh<T>`"));
            }
            if PASS_THROUGH.contains(&name.as_str()) {
                return live_expr(w, env, &m.receiver);
            }
            None
        }
        Expr::Struct(s) => w
            .index
            .path_mention(&w.scope, &s.path, true)
            .map(|m| format!("a {} value", m.desc)),
        _ => None,
    }
}

/// The first live value read anywhere in `e` (a call, a struct literal, a live local).
pub fn first_live_read(
    w: &Walker,
    env: &Env,
    e: &syn::Block,
) -> Option<(proc_macro2::Span, String)> {
    struct Find<'w, 'x, 'e> {
        w: &'w Walker<'x>,
        env: &'e Env,
        found: Option<(proc_macro2::Span, String)>,
    }
    impl<'v> Visit<'v> for Find<'_, '_, '_> {
        fn visit_expr(&mut self, e: &'v Expr) {
            if self.found.is_some() {
                return;
            }
            if matches!(
                e,
                Expr::Call(_) | Expr::MethodCall(_) | Expr::Struct(_) | Expr::Path(_)
            ) {
                if let Some(m) = live_expr(self.w, self.env, e) {
                    self.found = Some((syn::spanned::Spanned::span(e), m));
                    return;
                }
            }
            visit::visit_expr(self, e);
        }
        fn visit_item(&mut self, _: &'v syn::Item) {}
    }
    let mut f = Find {
        w,
        env,
        found: None,
    };
    f.visit_block(e);
    f.found
}

/// The locals of the enclosing body that `e` (a closure or an async block) reads, and that
/// are not bound inside it.
pub fn captured(e: &Expr, env: &Env) -> Vec<(String, proc_macro2::Span)> {
    struct Reads {
        bound: std::collections::HashSet<String>,
        read: Vec<(String, proc_macro2::Span)>,
    }
    impl<'v> Visit<'v> for Reads {
        fn visit_pat_ident(&mut self, p: &'v syn::PatIdent) {
            self.bound.insert(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
        fn visit_expr_path(&mut self, p: &'v syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.read.push((i.to_string(), i.span()));
            }
        }
        fn visit_item(&mut self, _: &'v syn::Item) {}
    }
    let mut r = Reads {
        bound: Default::default(),
        read: Vec::new(),
    };
    r.visit_expr(e);
    let mut out: Vec<(String, proc_macro2::Span)> = Vec::new();
    for (name, span) in r.read {
        if env.live.contains_key(&name)
            && !r.bound.contains(&name)
            && !out.iter().any(|(n, _)| *n == name)
        {
            out.push((name, span));
        }
    }
    out
}
