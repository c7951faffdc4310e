//! HFT007: test-only time in production code. hft-cache's `ManualClock` and every `.clock(..)`
//! setter exist only with its `test-util` feature, so that production code runs on the system
//! clock; this rule finds the feature turned on in `[dependencies]` (not `[dev-dependencies]`)
//! of a package, and `ManualClock` or `.clock(..)` in code outside tests: not in a test or bench
//! target, not under `#[cfg(test)]`, `#[test]` or `#[cfg(feature = "test-util")]`.

use proc_macro2::TokenTree;
use syn::Attribute;

use super::Walker;
use crate::diagnostic::{Finding, Rule};
use crate::workspace::Workspace;

/// The clock type that exists only for tests.
pub const MANUAL_CLOCK: &str = "ManualClock";

fn mentions_test(ts: proc_macro2::TokenStream) -> bool {
    ts.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "test",
        TokenTree::Literal(l) => l.to_string() == "\"test-util\"",
        TokenTree::Group(g) => mentions_test(g.stream()),
        TokenTree::Punct(_) => false,
    })
}

/// Whether an item with `attrs` is test-only: `#[test]`, `#[tokio::test]`, `#[cfg(test)]`,
/// `#[cfg(feature = "test-util")]` (or any `cfg` naming them).
pub fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        if p.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        match &a.meta {
            syn::Meta::List(l) if p.is_ident("cfg") => {
                // `cfg(not(test))` is production code.
                let not = l
                    .tokens
                    .clone()
                    .into_iter()
                    .next()
                    .is_some_and(|t| matches!(t, TokenTree::Ident(i) if i == "not"));
                !not && mentions_test(l.tokens.clone())
            }
            _ => false,
        }
    })
}

/// `ManualClock` named in production code.
pub fn check_path(w: &mut Walker, p: &syn::Path) {
    if !w.in_production() {
        return;
    }
    if let Some(seg) = p.segments.iter().find(|s| s.ident == MANUAL_CLOCK) {
        let line = crate::source::span_range(seg.ident.span()).line;
        let message = format!(
            "`{MANUAL_CLOCK}` in production code: it exists only with hft-cache's `test-util` feature, for tests"
        );
        w.report(Rule::TestTime, seg.ident.span(), line, message);
    }
}

/// `ManualClock` imported in production code.
pub fn check_use(w: &mut Walker, ident: &syn::Ident) {
    if w.in_production() && ident == MANUAL_CLOCK {
        let line = crate::source::span_range(ident.span()).line;
        let message = format!(
            "`{MANUAL_CLOCK}` imported in production code: it exists only with hft-cache's `test-util` feature, for tests"
        );
        w.report(Rule::TestTime, ident.span(), line, message);
    }
}

/// A `.clock(..)` setter called in production code.
pub fn check_method(w: &mut Walker, m: &syn::ExprMethodCall) {
    if !w.in_production() || m.method != "clock" || m.args.len() != 1 {
        return;
    }
    let line = crate::source::span_range(m.method.span()).line;
    let message = "`.clock(..)` in production code: a cache or feed on a clock other than the system clock (hft-cache's `test-util`)".to_string();
    w.report(Rule::TestTime, m.method.span(), line, message);
}

/// hft-cache's `test-util` feature in the `[dependencies]` of a package with a selected target.
pub fn manifests(ws: &Workspace) -> Vec<Finding> {
    let mut out = Vec::new();
    for (pi, p) in ws.packages.iter().enumerate() {
        if p.test_util_deps.is_empty() {
            continue;
        }
        let selected = ws
            .files
            .iter()
            .any(|f| f.selected && ws.targets.get(f.target).is_some_and(|t| t.package == pi));
        if !selected {
            continue;
        }
        let text = std::fs::read_to_string(&p.manifest).unwrap_or_default();
        let display = crate::workspace::display_path(&ws.root, &p.manifest);
        for dep in &p.test_util_deps {
            let (line, snippet) = feature_line(&text, dep).unwrap_or((1, String::new()));
            out.push(Finding {
                rule: Rule::TestTime,
                file: display.clone(),
                line,
                column: 1,
                end_line: line,
                end_column: snippet.chars().count() + 1,
                message: format!(
                    "package `{}` turns on `{dep}`'s `test-util` feature in `[dependencies]`: `ManualClock` and the `.clock(..)` setters reach production code (put it in `[dev-dependencies]`)",
                    p.name
                ),
                note: None,
                anchor_line: line,
                snippet,
            });
        }
    }
    out
}

/// The line of `Cargo.toml` that turns on `dep`'s `test-util` in a normal dependency table.
fn feature_line(text: &str, dep: &str) -> Option<(usize, String)> {
    let mut section = String::new();
    let mut in_dep_table = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.trim_matches(['[', ']']).trim().to_string();
            in_dep_table = section.ends_with(&format!("dependencies.{dep}"))
                && !section.contains("dev-dependencies");
            continue;
        }
        let normal = section == "dependencies"
            || (section.starts_with("target.") && section.ends_with(".dependencies"));
        let this_dep =
            normal && t.starts_with(dep) && t[dep.len()..].trim_start().starts_with(['=', '.']);
        if (this_dep || in_dep_table) && t.contains("test-util") {
            return Some((i + 1, line.to_string()));
        }
    }
    None
}
