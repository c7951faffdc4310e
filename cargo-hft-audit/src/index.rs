//! The first pass over every file: which type names stand for live data.
//!
//! A name is live when its type derives `Live`, implements `Classified` by hand with
//! `type Class = Live`, or is a type alias or a `use ... as` rename of a live name; generic
//! wrappers (`Arc<Balance>`, `Wrapper<Bal>`) are followed by looking inside every type's
//! generic arguments. Names are matched on the last path segment, across the whole workspace
//! (every target, selected or not, so that an example knows its library's live types). A
//! struct that merely holds live data is not itself a live name: rule HFT005 reports it.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Attribute, Type, UseTree};

use crate::source::{span_range, ParsedFile, SpanRange};
use crate::types::{find_path, last_name};

/// Why a name is live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveOrigin {
    /// `#[derive(Live)]`.
    Derived,
    /// A hand-written `impl Classified` with `type Class = Live`.
    HandImpl,
    /// `type Name = ...` mentioning the live name inside.
    Alias(String),
    /// `use path::Live as Name`.
    Rename(String),
}

/// Where a live name was declared, for rule HFT001.
#[derive(Clone, Debug)]
pub struct LiveDecl {
    /// The name.
    pub name: String,
    /// Why it is live.
    pub origin: LiveOrigin,
    /// Index of the file in the audited file list.
    pub file: usize,
    /// Where its name is.
    pub span: SpanRange,
    /// The first line of the whole item.
    pub anchor_line: usize,
}

/// The live names of the workspace.
#[derive(Debug, Default)]
pub struct Index {
    live: HashMap<String, LiveOrigin>,
    /// Every declaration that made a name live, in file order.
    pub decls: Vec<LiveDecl>,
}

/// The name that stands for every fetched live value.
pub const FRESH: &str = "Fresh";

impl Index {
    /// Builds the index from every parsed file.
    pub fn build(files: &[ParsedFile]) -> Index {
        Index::build_from(files.iter().enumerate())
    }

    /// Builds the index from some files, given with their index in the audited file list.
    pub fn build_from<'f>(files: impl Iterator<Item = (usize, &'f ParsedFile)>) -> Index {
        let mut c = Collector::default();
        for (i, f) in files {
            if let Some(ast) = &f.ast {
                c.file = i;
                c.visit_file(ast);
            }
        }
        let mut index = Index::default();
        for d in c.roots {
            index.live.entry(d.name.clone()).or_insert(d.origin.clone());
            index.decls.push(d);
        }
        // Aliases, renames and holders of live names are live: repeat until nothing changes.
        loop {
            let mut changed = false;
            for a in &c.aliases {
                if index.live.contains_key(&a.name) {
                    continue;
                }
                if let Some(m) = index.mention_name(a.ty) {
                    changed = true;
                    index.add(&a.decl, LiveOrigin::Alias(m));
                }
            }
            for (rename, original, decl) in &c.renames {
                if index.live.contains_key(rename) || !index.live.contains_key(original) {
                    continue;
                }
                changed = true;
                index.add(decl, LiveOrigin::Rename(original.clone()));
                let _ = rename;
            }
            if !changed {
                break;
            }
        }
        index
    }

    fn add(&mut self, decl: &LiveDecl, origin: LiveOrigin) {
        self.live.insert(decl.name.clone(), origin.clone());
        let mut d = decl.clone();
        d.origin = origin;
        self.decls.push(d);
    }

    /// How `name` is live, if it is.
    pub fn origin(&self, name: &str) -> Option<&LiveOrigin> {
        self.live.get(name)
    }

    /// The first live name (or `Fresh`) inside `ty`.
    pub fn mention_name(&self, ty: &Type) -> Option<String> {
        find_path(ty, &mut |p| {
            let name = last_name(p)?;
            (name == FRESH || self.live.contains_key(&name)).then_some(name)
        })
    }

    /// Like [`Index::mention_name`], described for a message: "`Balance`", "`Bal` (alias of
    /// `Balance`)", "`Snapshot` (holds `Balance`)".
    pub fn mention(&self, ty: &Type) -> Option<String> {
        self.mention_name(ty).map(|n| self.describe(&n))
    }

    /// `name` described for a message.
    pub fn describe(&self, name: &str) -> String {
        match self.live.get(name) {
            Some(LiveOrigin::Alias(of)) => format!("`{name}` (alias of {})", self.describe(of)),
            Some(LiveOrigin::Rename(of)) => format!("`{name}` (renamed {})", self.describe(of)),
            _ => format!("`{name}`"),
        }
    }
}

struct Alias<'a> {
    name: String,
    ty: &'a Type,
    decl: LiveDecl,
}

#[derive(Default)]
struct Collector<'a> {
    file: usize,
    roots: Vec<LiveDecl>,
    aliases: Vec<Alias<'a>>,
    renames: Vec<(String, String, LiveDecl)>,
}

/// The last segments of the paths in every `#[derive(...)]`.
pub fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|m| {
            if let Some(n) = last_name(&m.path) {
                out.push(n);
            }
            Ok(())
        });
    }
    out
}

/// Whether the derives make a type's fields already checked by the compiler (or make it live).
pub fn derives_class_or_state(derives: &[String]) -> bool {
    derives
        .iter()
        .any(|d| matches!(d.as_str(), "Live" | "NoLiveState" | "Static" | "Streamed"))
}

fn first_line(attrs: &[Attribute], fallback: usize) -> usize {
    attrs
        .iter()
        .map(|a| span_range(syn::spanned::Spanned::span(a)).line)
        .min()
        .unwrap_or(fallback)
        .min(fallback)
}

impl<'a> Collector<'a> {
    fn decl(&self, name: &syn::Ident, attrs: &[Attribute], origin: LiveOrigin) -> LiveDecl {
        let span = span_range(name.span());
        LiveDecl {
            name: name.to_string(),
            origin,
            file: self.file,
            anchor_line: first_line(attrs, span.line),
            span,
        }
    }

    fn type_def(&mut self, ident: &syn::Ident, attrs: &[Attribute]) {
        if derives(attrs).iter().any(|d| d == "Live") {
            let decl = self.decl(ident, attrs, LiveOrigin::Derived);
            self.roots.push(decl);
        }
    }
}

impl<'a> Visit<'a> for Collector<'a> {
    fn visit_item_struct(&mut self, i: &'a syn::ItemStruct) {
        self.type_def(&i.ident, &i.attrs);
        syn::visit::visit_item_struct(self, i);
    }

    fn visit_item_enum(&mut self, i: &'a syn::ItemEnum) {
        self.type_def(&i.ident, &i.attrs);
        syn::visit::visit_item_enum(self, i);
    }

    fn visit_item_type(&mut self, i: &'a syn::ItemType) {
        let decl = self.decl(&i.ident, &i.attrs, LiveOrigin::Alias(String::new()));
        self.aliases.push(Alias {
            name: i.ident.to_string(),
            ty: &i.ty,
            decl,
        });
        syn::visit::visit_item_type(self, i);
    }

    fn visit_item_use(&mut self, i: &'a syn::ItemUse) {
        let mut stack = vec![&i.tree];
        while let Some(t) = stack.pop() {
            match t {
                UseTree::Path(p) => stack.push(&p.tree),
                UseTree::Group(g) => stack.extend(g.items.iter()),
                UseTree::Rename(r) => {
                    let decl = self.decl(&r.rename, &i.attrs, LiveOrigin::Rename(String::new()));
                    self.renames
                        .push((r.rename.to_string(), r.ident.to_string(), decl));
                }
                UseTree::Name(_) | UseTree::Glob(_) => {}
            }
        }
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        let is_classified = i
            .trait_
            .as_ref()
            .and_then(|(_, p, _)| last_name(p))
            .is_some_and(|n| n == "Classified");
        if is_classified {
            let class_is_live = i.items.iter().any(|it| match it {
                syn::ImplItem::Type(t) if t.ident == "Class" => {
                    find_path(&t.ty, &mut |p| last_name(p)).is_some_and(|n| n == "Live")
                }
                _ => false,
            });
            if let (true, Type::Path(tp)) = (class_is_live, &*i.self_ty) {
                if let Some(seg) = tp.path.segments.last() {
                    let decl = self.decl(&seg.ident, &i.attrs, LiveOrigin::HandImpl);
                    self.roots.push(decl);
                }
            }
        }
        syn::visit::visit_item_impl(self, i);
    }
}
