//! The second pass: one walk over each selected file's syntax tree, calling each rule's checks.
//!
//! The walk goes into function bodies, impls, inline modules and the macro bodies it can parse
//! (`thread_local!`, `lazy_static!`, and any macro whose body reads as expressions, statements
//! or items). A macro body it cannot parse is listed as skipped; its tokens are still searched
//! for the custom-transport escape.

pub mod caches;
pub mod escapes;
pub mod globals;
pub mod live_types;
pub mod long_lived;
pub mod memoised;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::Attribute;

use crate::diagnostic::{Finding, Rule, Skipped};
use crate::index::Index;
use crate::macros::{self, MacroBody};
use crate::source::{span_range, ParsedFile};

/// The walk over one file: what the rules see, and what they found.
pub struct Walker<'x> {
    /// The workspace's live names.
    pub index: &'x Index,
    /// The file being walked.
    pub file: &'x ParsedFile,
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
    pub fn new(index: &'x Index, file: &'x ParsedFile) -> Self {
        Walker {
            index,
            file,
            findings: Vec::new(),
            skipped: Vec::new(),
        }
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
        for f in fields {
            let a = anchor(&f.attrs, f.span());
            caches::check_field(self, f, a);
            escapes::check_opaque(self, f, a);
        }
    }

    fn function(&mut self, attrs: &[Attribute], sig: &syn::Signature, body: Option<&syn::Block>) {
        memoised::check(self, attrs, sig);
        if let Some(b) = body {
            caches::check_locals(self, b);
        }
    }
}

impl<'v> Visit<'v> for Walker<'_> {
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
        self.function(&i.attrs, &i.sig, Some(&i.block));
        visit::visit_impl_item_fn(self, i);
    }

    fn visit_trait_item_fn(&mut self, i: &'v syn::TraitItemFn) {
        self.function(&i.attrs, &i.sig, i.default.as_ref());
        visit::visit_trait_item_fn(self, i);
    }

    fn visit_item_impl(&mut self, i: &'v syn::ItemImpl) {
        escapes::check_impl(self, i);
        visit::visit_item_impl(self, i);
    }

    fn visit_expr_method_call(&mut self, i: &'v syn::ExprMethodCall) {
        escapes::check_ident(self, &i.method, "called");
        visit::visit_expr_method_call(self, i);
    }

    fn visit_path(&mut self, i: &'v syn::Path) {
        for seg in &i.segments {
            escapes::check_ident(self, &seg.ident, "named");
        }
        visit::visit_path(self, i);
    }

    fn visit_use_name(&mut self, i: &'v syn::UseName) {
        escapes::check_ident(self, &i.ident, "imported");
    }

    fn visit_use_rename(&mut self, i: &'v syn::UseRename) {
        escapes::check_ident(self, &i.ident, "imported");
    }

    fn visit_macro(&mut self, m: &'v syn::Macro) {
        let name = crate::types::path_display(&m.path);
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
