//! HFT008: live data captured by a closure or future that outlives the decision: moved into a
//! spawned task or thread (`tokio::spawn`, `std::thread::spawn`, `spawn_blocking`,
//! `Builder::spawn`, `JoinSet::spawn`, ...), or stored in long-lived state (a struct field,
//! `self.field = ..`, pushed or inserted into a field of `self`).

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::Expr;

use super::flow::{captured, live_expr, unwrap_boxed, Env};
use super::Walker;
use crate::diagnostic::Rule;
use crate::types::path_display;

/// Names of the functions and methods that run a closure or future on its own task or thread.
pub const SPAWNS: &[&str] = &["spawn", "spawn_blocking", "spawn_local", "spawn_on"];

/// Methods that keep their argument in the collection they are called on.
const STORES: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "insert",
    "extend",
    "replace",
    "set",
];

/// Checks every closure, async block and future of `body` that is spawned or stored.
pub fn check(w: &mut Walker, body: &syn::Block, env: &Env) {
    let mut v = Finder {
        found: Vec::new(),
        scoped: 0,
    };
    v.visit_block(body);
    for (e, into) in v.found {
        report(w, e, env, &into);
    }
}

fn report(w: &mut Walker, e: &Expr, env: &Env, into: &str) {
    let mut e = unwrap_boxed(e);
    // A closure bound to a local first: `let cb = move || ..; self.handlers.push(Box::new(cb));`
    if let Expr::Path(p) = e {
        if let Some(c) = p
            .path
            .get_ident()
            .and_then(|i| env.closures.get(&i.to_string()))
        {
            e = c;
        }
    }
    match e {
        Expr::Closure(_) | Expr::Async(_) => {
            let caps = captured(e, env);
            let Some((name, span)) = caps.first() else {
                return;
            };
            let what = env.live.get(name).cloned().unwrap_or_default();
            let kind = if matches!(e, Expr::Closure(_)) {
                "closure"
            } else {
                "async block"
            };
            let message = format!("{kind} {into} captures live data `{name}` ({what})");
            let line = crate::source::span_range(e.span()).line;
            let _ = span;
            w.report(Rule::Captured, e.span(), line, message);
        }
        // `tokio::spawn(watch(balance))`: the future holds its arguments.
        Expr::Call(c) if into.starts_with("moved into") => {
            if let Some((arg, m)) = c
                .args
                .iter()
                .find_map(|a| live_expr(w, env, a).map(|m| (a, m)))
            {
                let message = format!("future {into} holds live data {m}");
                let line = crate::source::span_range(arg.span()).line;
                w.report(Rule::Captured, arg.span(), line, message);
            }
        }
        _ => {}
    }
}

fn is_self_field(e: &Expr) -> Option<String> {
    let Expr::Field(f) = e else { return None };
    let Expr::Path(p) = &*f.base else { return None };
    if !p.path.is_ident("self") {
        return None;
    }
    Some(match &f.member {
        syn::Member::Named(i) => format!("self.{i}"),
        syn::Member::Unnamed(i) => format!("self.{}", i.index),
    })
}

struct Finder<'v> {
    found: Vec<(&'v Expr, String)>,
    /// Inside `std::thread::scope(..)` (or rayon's): what is spawned there ends with the scope.
    scoped: usize,
}

impl<'v> Visit<'v> for Finder<'v> {
    fn visit_expr_call(&mut self, c: &'v syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let last = p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            if SPAWNS.contains(&last.as_str()) && self.scoped == 0 {
                for a in &c.args {
                    self.found
                        .push((a, format!("moved into `{}`", path_display(&p.path))));
                }
            }
            if last == "scope" {
                self.scoped += 1;
                visit::visit_expr_call(self, c);
                self.scoped -= 1;
                return;
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'v syn::ExprMethodCall) {
        let name = m.method.to_string();
        if SPAWNS.contains(&name.as_str()) && self.scoped == 0 {
            for a in &m.args {
                self.found.push((a, format!("moved into `.{name}(..)`")));
            }
        } else if STORES.contains(&name.as_str()) {
            if let Some(field) = is_self_field(&m.receiver) {
                for a in &m.args {
                    self.found
                        .push((a, format!("stored in `{field}` (`.{name}(..)`)")));
                }
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_assign(&mut self, a: &'v syn::ExprAssign) {
        if let Some(field) = is_self_field(&a.left) {
            self.found.push((&a.right, format!("stored in `{field}`")));
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'v syn::ExprStruct) {
        for f in &s.fields {
            let member = match &f.member {
                syn::Member::Named(i) => i.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            };
            self.found.push((
                &f.expr,
                format!(
                    "stored in field `{member}` of a `{}` value",
                    path_display(&s.path)
                ),
            ));
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_item(&mut self, _: &'v syn::Item) {}
}
