//! The second pass: one walk over each selected file's syntax tree, calling each rule's checks.
//!
//! The walk goes into function bodies, impls, inline modules and the macro bodies it can parse
//! (`thread_local!`, `lazy_static!`, and any macro whose body reads as expressions, statements
//! or items). A macro body it cannot parse is listed as skipped; its tokens are still searched
//! for the custom-transport escape.

pub mod caches;
pub mod captures;
pub mod escapes;
pub mod flow;
pub mod globals;
pub mod live_types;
pub mod long_lived;
pub mod memoised;
pub mod test_util;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::Attribute;

use crate::diagnostic::{Finding, Rule, Skipped};
use crate::index::{derives, Index, ModKey};
use crate::macros::{self, MacroBody};
use crate::source::{span_range, ParsedFile};

/// The walk over one file: what the rules see, and what they found.
pub struct Walker<'x> {
    /// The visible crates' scopes and live types.
    pub index: &'x Index<'x>,
    /// The file being walked.
    pub file: &'x ParsedFile,
    /// The module being walked.
    pub scope: ModKey,
    /// Whether the file belongs to production code (not a test or bench target).
    pub production: bool,
    /// How many enclosing items are test-only (`#[cfg(test)]`, `#[test]`, `test-util`).
    pub test_depth: usize,
    /// The type of the enclosing `impl`, if any.
    pub self_ty: Option<syn::Path>,
    /// How deep macro expansion goes (a macro expanding to itself stops).
    pub expansion_depth: usize,
    /// Findings so far.
    pub findings: Vec<Finding>,
    /// Code not looked inside.
    pub skipped: Vec<Skipped>,
}

/// The first line of an item or field: its first attribute's, or its own.
pub fn anchor(attrs: &[Attribute], span: Span) -> usize {
    let own = span_range(span).line;
    attrs
        .iter()
        .map(|a| span_range(a.span()).line)
        .min()
        .map_or(own, |l| l.min(own))
}

impl<'x> Walker<'x> {
    /// A new walk over `file`.
    pub fn new(index: &'x Index<'x>, file: &'x ParsedFile, production: bool) -> Self {
        Walker {
            index,
            file,
            scope: (file.target, file.module.clone()),
            production,
            test_depth: 0,
            self_ty: None,
            expansion_depth: 0,
            findings: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// The first live type inside `ty` (not counting holders), described.
    pub fn mention(&self, ty: &syn::Type) -> Option<String> {
        self.index.mention(&self.scope, ty, false).map(|m| m.desc)
    }

    /// The first live type or holder of live data inside `ty`, described.
    pub fn mention_held(&self, ty: &syn::Type) -> Option<String> {
        self.index.mention(&self.scope, ty, true).map(|m| m.desc)
    }

    /// Whether the code being walked is production code.
    pub fn in_production(&self) -> bool {
        self.production && self.test_depth == 0
    }

    /// Walks the whole file.
    pub fn run(mut self) -> (Vec<Finding>, Vec<Skipped>) {
        if let Some(ast) = &self.file.ast {
            self.visit_file(ast);
        }
        (self.findings, self.skipped)
    }

    /// Records a finding at `span`; allow comments are looked for from `anchor_line` on.
    pub fn report(&mut self, rule: Rule, span: Span, anchor_line: usize, message: String) {
        let r = span_range(span);
        self.findings.push(Finding {
            rule,
            file: self.file.display.clone(),
            line: r.line,
            column: r.column,
            end_line: r.end_line,
            end_column: r.end_column,
            message,
            note: None,
            anchor_line: anchor_line.min(r.line),
            snippet: self.file.line_text(r.line).unwrap_or_default().to_string(),
        });
    }

    /// Records code that was not looked inside.
    pub fn skip(&mut self, span: Span, what: String) {
        self.skipped.push(Skipped {
            file: self.file.display.clone(),
            line: span_range(span).line,
            what,
        });
    }

    fn type_def<'f>(
        &mut self,
        kind: &str,
        ident: &syn::Ident,
        attrs: &[Attribute],
        span: Span,
        fields: impl Iterator<Item = &'f syn::Field> + Clone,
    ) {
        let item_anchor = anchor(attrs, span);
        long_lived::check_type(self, kind, ident, attrs, item_anchor, fields.clone());
        // A live type's collections are the shape of one response, not a cache.
        let live = derives(attrs).iter().any(|d| d == "Live");
        for f in fields {
            let a = anchor(&f.attrs, f.span());
            if !live {
                caches::check_field(self, f, a);
            }
            escapes::check_opaque(self, f, a);
        }
    }

    fn function(&mut self, attrs: &[Attribute], sig: &syn::Signature, body: Option<&syn::Block>) {
        let env = body.map(|b| flow::Env::of_fn(self, sig, b));
        memoised::check(self, attrs, sig, body.zip(env.as_ref()));
        if let (Some(b), Some(env)) = (body, env.as_ref()) {
            caches::check_locals(self, b);
            captures::check(self, b, env);
            caches::check_erased(self, b, env);
        }
    }

    /// Runs `f` inside an item with `attrs`, counting it as test-only if it is.
    fn with_item<R>(&mut self, attrs: &[Attribute], f: impl FnOnce(&mut Self) -> R) -> R {
        let test = test_util::is_test_only(attrs);
        self.test_depth += usize::from(test);
        let r = f(self);
        self.test_depth -= usize::from(test);
        r
    }
}

fn item_attrs(i: &syn::Item) -> &[Attribute] {
    use syn::Item as I;
    match i {
        I::Const(x) => &x.attrs,
        I::Enum(x) => &x.attrs,
        I::ExternCrate(x) => &x.attrs,
        I::Fn(x) => &x.attrs,
        I::ForeignMod(x) => &x.attrs,
        I::Impl(x) => &x.attrs,
        I::Macro(x) => &x.attrs,
        I::Mod(x) => &x.attrs,
        I::Static(x) => &x.attrs,
        I::Struct(x) => &x.attrs,
        I::Trait(x) => &x.attrs,
        I::TraitAlias(x) => &x.attrs,
        I::Type(x) => &x.attrs,
        I::Union(x) => &x.attrs,
        I::Use(x) => &x.attrs,
        _ => &[],
    }
}

impl<'v> Visit<'v> for Walker<'_> {
    fn visit_item(&mut self, i: &'v syn::Item) {
        self.with_item(item_attrs(i), |w| visit::visit_item(w, i));
    }

    fn visit_item_mod(&mut self, i: &'v syn::ItemMod) {
        if i.content.is_some() {
            self.scope.1.push(i.ident.to_string());
            visit::visit_item_mod(self, i);
            self.scope.1.pop();
        }
    }

    fn visit_item_struct(&mut self, i: &'v syn::ItemStruct) {
        self.type_def("struct", &i.ident, &i.attrs, i.span(), i.fields.iter());
        visit::visit_item_struct(self, i);
    }

    fn visit_item_enum(&mut self, i: &'v syn::ItemEnum) {
        let fields = i.variants.iter().flat_map(|v| v.fields.iter());
        self.type_def("enum", &i.ident, &i.attrs, i.span(), fields);
        visit::visit_item_enum(self, i);
    }

    fn visit_item_union(&mut self, i: &'v syn::ItemUnion) {
        self.type_def("union", &i.ident, &i.attrs, i.span(), i.fields.named.iter());
        visit::visit_item_union(self, i);
    }

    fn visit_item_static(&mut self, i: &'v syn::ItemStatic) {
        let a = anchor(&i.attrs, i.span());
        let kind = if matches!(i.mutability, syn::StaticMutability::Mut(_)) {
            "static mut"
        } else {
            "static"
        };
        globals::check(self, kind, &i.ident, &i.ty, a);
        caches::check_global(self, kind, &i.ident, &i.ty, a);
        visit::visit_item_static(self, i);
    }

    fn visit_item_fn(&mut self, i: &'v syn::ItemFn) {
        self.function(&i.attrs, &i.sig, Some(&i.block));
        visit::visit_item_fn(self, i);
    }

    fn visit_impl_item_fn(&mut self, i: &'v syn::ImplItemFn) {
        self.with_item(&i.attrs, |w| {
            w.function(&i.attrs, &i.sig, Some(&i.block));
            visit::visit_impl_item_fn(w, i);
        });
    }

    fn visit_trait_item_fn(&mut self, i: &'v syn::TraitItemFn) {
        self.function(&i.attrs, &i.sig, i.default.as_ref());
        visit::visit_trait_item_fn(self, i);
    }

    fn visit_item_impl(&mut self, i: &'v syn::ItemImpl) {
        escapes::check_impl(self, i);
        let saved = self.self_ty.take();
        if let syn::Type::Path(p) = &*i.self_ty {
            self.self_ty = Some(p.path.clone());
        }
        visit::visit_item_impl(self, i);
        self.self_ty = saved;
    }

    fn visit_expr_method_call(&mut self, i: &'v syn::ExprMethodCall) {
        escapes::check_ident(self, &i.method, "called");
        test_util::check_method(self, i);
        visit::visit_expr_method_call(self, i);
    }

    fn visit_path(&mut self, i: &'v syn::Path) {
        for seg in &i.segments {
            escapes::check_ident(self, &seg.ident, "named");
        }
        test_util::check_path(self, i);
        visit::visit_path(self, i);
    }

    fn visit_use_name(&mut self, i: &'v syn::UseName) {
        escapes::check_ident(self, &i.ident, "imported");
        test_util::check_use(self, &i.ident);
    }

    fn visit_use_rename(&mut self, i: &'v syn::UseRename) {
        escapes::check_ident(self, &i.ident, "imported");
        test_util::check_use(self, &i.ident);
    }

    fn visit_macro(&mut self, m: &'v syn::Macro) {
        let name = crate::types::path_display(&m.path);
        if m.path.is_ident("macro_rules") {
            globals::check_macro_definition(self, m);
            self.skip(
                m.path.span(),
                format!("body of `{name}!` not parsed (a macro definition)"),
            );
            escapes::scan_tokens(self, m.tokens.clone(), &name);
            return;
        }
        if let Some(def) = self.index.macro_def(&self.scope, &m.path) {
            if self.expansion_depth < 8 {
                if let Some(items) = macros::expand(def.mac, m) {
                    self.expansion_depth += 1;
                    for it in &items {
                        self.visit_item(it);
                    }
                    self.expansion_depth -= 1;
                    return;
                }
            }
        }
        match macros::parse(m) {
            MacroBody::Statics(statics) => {
                for s in &statics {
                    globals::check(self, &s.kind, &s.ident, &s.ty, s.anchor);
                    caches::check_global(self, &s.kind, &s.ident, &s.ty, s.anchor);
                    if let Some(e) = &s.init {
                        self.visit_expr(e);
                    }
                }
            }
            MacroBody::Exprs(exprs) => {
                for e in &exprs {
                    self.visit_expr(e);
                }
            }
            MacroBody::Stmts(stmts) => {
                for s in &stmts {
                    self.visit_stmt(s);
                }
            }
            MacroBody::Items(items) => {
                for it in &items {
                    self.visit_item(it);
                }
            }
            MacroBody::Unparsed(why) => {
                self.skip(
                    m.path.span(),
                    format!("body of `{name}!` not parsed ({why})"),
                );
                escapes::scan_tokens(self, m.tokens.clone(), &name);
            }
        }
    }
}
