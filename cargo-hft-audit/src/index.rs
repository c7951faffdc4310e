//! The first pass over every file: which types stand for live data, with names resolved as
//! rustc does for the common cases.
//!
//! Every module of every visible crate gets a scope: the items it declares (types, modules,
//! functions; items declared in function bodies count as the module's), its `use` imports
//! (renames too) and its glob imports. A path is resolved from the module it is written in:
//! `crate::`, `self::`, `super::`, a name in scope, a workspace crate's name, or else an
//! external crate's path (`hft_cache::exchange::binance::Order`). So `x::Balance` and
//! `y::Balance` are different types, and a struct that merely shares a live type's name is not
//! live.
//!
//! A type is live when it derives `Live`, implements `Classified` by hand with
//! `type Class = Live`, is one of hft-cache's own live types ([`HFT_CACHE_LIVE`]), or is a type
//! alias of a type that mentions live data. A struct or enum that derives no class and holds
//! live data in a field is a *holder*: it is live for the rules on globals, caches, memoised
//! functions and captures, and rule HFT005 reports the struct itself. Generic arguments are
//! followed (`Arc<Balance>`), except inside `PhantomData<..>`, `Fn(..) -> ..` signatures and
//! `fn` pointer types, which hold no value.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Attribute, Field, Path, PathArguments, Type, TypeParamBound, UseTree};

use crate::source::{span_range, ParsedFile, SpanRange};
use crate::types::last_name;

/// hft-cache's own live types, as its users name them (the path after `hft_cache::`).
///
/// Kept in sync with `hft-cache-core/src` by a test of this crate that scans that source for
/// `#[derive(Live)]` on public types and hand-written `Classified` impls of class Live.
pub const HFT_CACHE_LIVE: &[&str] = &[
    "Fresh",
    "exchange::binance::Account",
    "exchange::binance::AccountBalance",
    "exchange::binance::CancelledOrder",
    "exchange::binance::Fill",
    "exchange::binance::OpenOrders",
    "exchange::binance::Order",
    "exchange::binance::OrderAck",
    "exchange::binance::OrderFull",
    "exchange::binance::OrderResult",
    "exchange::binance::CancelledOrders",
    "exchange::binance::CancelledEntry",
    "exchange::binance_futures::FuturesOrder",
    "exchange::binance_futures::FuturesOpenOrders",
    "exchange::binance_futures::FuturesCancelAll",
    "exchange::binance_futures::CountdownArmed",
    "exchange::binance_futures::PositionRisk",
    "exchange::binance_futures::Positions",
    "exchange::binance_futures::FuturesAccount",
    "exchange::binance_futures::FuturesAssetBalance",
    "exchange::binance_futures::AccountPosition",
    "exchange::bybit::RealtimeOrders",
    "exchange::bybit::RealtimeOrder",
    "exchange::bybit::CancelAllResult",
    "exchange::bybit::OrderIds",
    "exchange::okx::PendingOrders",
    "exchange::okx::PendingOrder",
    "exchange::okx::OrderResults",
    "exchange::okx::OrderResult",
    // The derives' non-Clone probe (`__private`): live, never held by users.
    "__private::LiveProbe",
];

/// Names of hft-cache's methods that return `Fresh<T>`: a call of one reads live data.
pub const HFT_CACHE_LIVE_METHODS: &[&str] = &[
    "fetch",
    "fetch_enveloped",
    "signed_get",
    "signed_post",
    "signed_decided",
    "signed_post_decided",
];

/// The name that stands for every fetched live value.
pub const FRESH: &str = "Fresh";

/// A module: its target and its path inside the crate.
pub type ModKey = (usize, Vec<String>);

/// The (module, name, type namespace) lookups of one resolution.
type Seen = std::collections::HashSet<(ModKey, String, bool)>;

/// Why a type is live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveOrigin {
    /// `#[derive(Live)]`.
    Derived,
    /// A hand-written `impl Classified` with `type Class = Live`.
    HandImpl,
    /// `type Name = ...` mentioning live data inside (described).
    Alias(String),
    /// `use path::Live as Name` (the live type, described).
    Rename(String),
    /// A struct or enum with a live field (field name, what it holds).
    Holder(String, String),
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

/// What a definition is.
#[derive(Clone, Copy)]
pub enum DefKind<'a> {
    /// A struct, enum or union: its attributes and fields.
    Type(&'a [Attribute]),
    /// A type alias.
    Alias(&'a Type),
    /// A function or method: its signature.
    Fn(&'a syn::Signature),
}

/// One definition of the visible crates.
pub struct Def<'a> {
    /// Its name.
    pub name: String,
    /// The module it is declared in.
    pub module: ModKey,
    /// What it is.
    pub kind: DefKind<'a>,
    /// Its fields, for a struct, enum or union.
    pub fields: Vec<&'a Field>,
    /// Index of its file in the audited file list.
    pub file: usize,
    /// Its name's span (positions are looked up only for what is reported).
    pub span: proc_macro2::Span,
    /// Its attributes.
    pub attrs: &'a [Attribute],
    /// Whether it is declared `pub`.
    pub public: bool,
}

#[derive(Clone, Debug)]
struct UsePath {
    segs: Vec<String>,
    leading: bool,
}

#[derive(Default)]
struct Module {
    types: HashMap<String, Entry>,
    values: HashMap<String, usize>,
    uses: HashMap<String, UsePath>,
    globs: Vec<UsePath>,
}

#[derive(Clone, Debug)]
enum Entry {
    Def(usize),
    Module(ModKey),
}

/// What a path resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Res {
    /// A definition of the visible crates (index into [`Index::defs`]).
    Def(usize),
    /// A module.
    Module(ModKey),
    /// A path of a crate outside the workspace, hft-cache's spelled `hft_cache`.
    External(Vec<String>),
    /// Nothing known: a prelude type, a generic parameter, a macro's item.
    Unknown,
}

/// Which namespace a path is looked up in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// Types and modules.
    Type,
    /// Functions (and tuple-struct constructors).
    Value,
}

/// A live type found inside another type.
#[derive(Clone, Debug)]
pub struct Mention {
    /// For a message: "`Balance`", "`Bal` (alias of `Balance`)", "`Snap` (holds `Balance`)".
    pub desc: String,
    /// Whether it is only a holder of live data, not a live type.
    pub holder: bool,
}

/// A `macro_rules!` definition.
pub struct MacroDef<'a> {
    /// Its name.
    pub name: String,
    /// Its body.
    pub mac: &'a syn::Macro,
    /// Index of its file.
    pub file: usize,
    /// Its target.
    pub target: usize,
}

/// The visible crates' scopes and live types.
#[derive(Default)]
pub struct Index<'a> {
    /// Every definition.
    pub defs: Vec<Def<'a>>,
    modules: HashMap<ModKey, Module>,
    crates: HashMap<String, usize>,
    hft_names: Vec<String>,
    live: HashMap<usize, LiveOrigin>,
    /// Every declaration that made a name live, in file order.
    pub decls: Vec<LiveDecl>,
    /// Names of methods (of any impl) whose return type holds live data, with that data.
    pub live_methods: HashMap<String, String>,
    /// `macro_rules!` definitions, by name.
    pub macros: Vec<MacroDef<'a>>,
    /// Names of the macros invoked anywhere in the visible files.
    pub invoked: std::collections::HashSet<String>,
    /// Resolutions already made: scopes do not change once built.
    cache: std::cell::RefCell<HashMap<ModKey, Resolved>>,
}

/// A module's resolutions, by (leading `::`, type namespace) and path.
type Resolved = [HashMap<Vec<String>, Res>; 4];

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

fn def_decl(d: &Def, origin: LiveOrigin) -> LiveDecl {
    let span = span_range(d.span);
    LiveDecl {
        name: d.name.clone(),
        origin,
        file: d.file,
        anchor_line: first_line(d.attrs, span.line),
        span,
    }
}

fn first_line(attrs: &[Attribute], fallback: usize) -> usize {
    attrs
        .iter()
        .map(|a| span_range(syn::spanned::Spanned::span(a)).line)
        .min()
        .unwrap_or(fallback)
        .min(fallback)
}

/// The segments of a path, as strings.
pub fn segs(p: &Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Whether an external path (hft-cache's spelled `hft_cache`) is one of hft-cache's live types.
pub fn known_live(p: &[String]) -> Option<String> {
    let (first, rest) = p.split_first()?;
    if first != "hft_cache" {
        return None;
    }
    let joined = rest.join("::");
    HFT_CACHE_LIVE
        .contains(&joined.as_str())
        .then(|| format!("hft-cache's `{joined}`"))
}

/// The inputs of an index: the visible files, with their index in the audited file list and
/// the crate name of their target.
pub struct Inputs<'a> {
    /// The files.
    pub files: Vec<(usize, &'a ParsedFile)>,
    /// Crate names of the visible library targets.
    pub crates: HashMap<String, usize>,
    /// The names the audited target gives hft-cache's crates.
    pub hft_names: Vec<String>,
}

impl<'a> Index<'a> {
    /// Builds the index of `inputs`.
    pub fn build(inputs: Inputs<'a>) -> Index<'a> {
        let mut index = Index {
            crates: inputs.crates,
            hft_names: inputs.hft_names,
            ..Index::default()
        };
        let mut c = Collector {
            index: &mut index,
            file: 0,
            module: (0, Vec::new()),
            roots: Vec::new(),
            hand_impls: Vec::new(),
            renames: Vec::new(),
        };
        for (i, f) in &inputs.files {
            if let Some(ast) = &f.ast {
                c.file = *i;
                c.module = (f.target, f.module.clone());
                c.index.modules.entry(c.module.clone()).or_default();
                c.visit_file(ast);
            }
        }
        let Collector {
            roots,
            hand_impls,
            renames,
            ..
        } = c;
        for id in roots {
            index.live.insert(id, LiveOrigin::Derived);
        }
        for (module, ty, decl) in hand_impls {
            if let Res::Def(id) =
                index.resolve(&module, &segs(ty), ty.leading_colon.is_some(), Ns::Type)
            {
                index.live.insert(id, LiveOrigin::HandImpl);
                let mut d = decl;
                d.name = index.defs[id].name.clone();
                index.decls.push(d);
            }
        }
        for (id, d) in index.defs.iter().enumerate() {
            if index.live.get(&id) == Some(&LiveOrigin::Derived) {
                index.decls.push(def_decl(d, LiveOrigin::Derived));
            }
        }
        // Aliases and holders of live types are live: repeat until nothing changes.
        loop {
            let mut changed = false;
            for id in 0..index.defs.len() {
                if index.live.contains_key(&id) {
                    continue;
                }
                let d = &index.defs[id];
                let origin = match d.kind {
                    DefKind::Alias(ty) => index
                        .mention(&d.module, ty, true)
                        .map(|m| LiveOrigin::Alias(m.desc)),
                    DefKind::Type(attrs) if !derives_class_or_state(&derives(attrs)) => {
                        d.fields.iter().enumerate().find_map(|(i, f)| {
                            let m = index.mention(&d.module, &f.ty, true)?;
                            let name = f
                                .ident
                                .as_ref()
                                .map_or_else(|| i.to_string(), |id| id.to_string());
                            Some(LiveOrigin::Holder(name, m.desc))
                        })
                    }
                    _ => None,
                };
                if let Some(o) = origin {
                    index.live.insert(id, o);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for (id, d) in index.defs.iter().enumerate() {
            if let (Some(LiveOrigin::Alias(_)), false) = (index.live.get(&id), index.is_holder(id))
            {
                index
                    .decls
                    .push(def_decl(d, LiveOrigin::Alias(index.describe(id, &d.name))));
            }
        }
        for (module, original, decl) in renames {
            let r = index.resolve(&module, &original.segs, original.leading, Ns::Type);
            let desc = match &r {
                Res::Def(id) if index.live.contains_key(id) && !index.is_holder(*id) => {
                    Some(index.describe(*id, &index.defs[*id].name))
                }
                Res::External(p) => known_live(p)
                    .map(|k| format!("`{}` ({k})", p.last().map_or("", |s| s.as_str()))),
                _ => None,
            };
            if let Some(desc) = desc {
                let mut d = decl;
                d.origin = LiveOrigin::Rename(desc);
                index.decls.push(d);
            }
        }
        // Methods whose return type holds live data.
        for d in &index.defs {
            if let DefKind::Fn(sig) = d.kind {
                if let syn::ReturnType::Type(_, ret) = &sig.output {
                    if let Some(m) = index.mention(&d.module, ret, true) {
                        index.live_methods.entry(d.name.clone()).or_insert(m.desc);
                    }
                }
            }
        }
        index
            .decls
            .sort_by_key(|d| (d.file, d.span.line, d.span.column));
        index
    }

    fn is_holder(&self, id: usize) -> bool {
        match self.live.get(&id) {
            Some(LiveOrigin::Holder(..)) => true,
            Some(LiveOrigin::Alias(desc)) => desc.contains("(holds "),
            _ => false,
        }
    }

    /// Why definition `id` is live, if it is.
    pub fn origin(&self, id: usize) -> Option<&LiveOrigin> {
        self.live.get(&id)
    }

    /// Definition `id` described for a message, as written `written`.
    pub fn describe(&self, id: usize, written: &str) -> String {
        let name = &self.defs[id].name;
        let base = match self.live.get(&id) {
            Some(LiveOrigin::Alias(of)) => format!("`{name}` (alias of {of})"),
            Some(LiveOrigin::Holder(_, of)) => format!("`{name}` (holds {of})"),
            _ => format!("`{name}`"),
        };
        if written != name {
            format!("`{written}` (renamed {base})")
        } else {
            base
        }
    }

    /// Resolves `segs` written in module `from`.
    pub fn resolve(&self, from: &ModKey, segs: &[String], leading: bool, ns: Ns) -> Res {
        let slot = usize::from(leading) * 2 + usize::from(ns == Ns::Type);
        if let Some(r) = self
            .cache
            .borrow()
            .get(from)
            .and_then(|m| m[slot].get(segs))
        {
            return r.clone();
        }
        let r = self.resolve_at(from, segs, leading, ns, 0, &mut Seen::new());
        let mut cache = self.cache.borrow_mut();
        let maps = match cache.get_mut(from) {
            Some(m) => m,
            None => cache.entry(from.clone()).or_default(),
        };
        maps[slot].insert(segs.to_vec(), r.clone());
        r
    }

    fn resolve_at(
        &self,
        from: &ModKey,
        segs: &[String],
        leading: bool,
        ns: Ns,
        depth: u32,
        seen: &mut Seen,
    ) -> Res {
        if depth > 12 || segs.is_empty() {
            return Res::Unknown;
        }
        if leading {
            return self.extern_path(segs, ns, depth, seen);
        }
        let mut i = 1;
        let mut cur = match segs[0].as_str() {
            "crate" => Res::Module((from.0, Vec::new())),
            "self" => Res::Module(from.clone()),
            "super" => {
                let mut p = from.1.clone();
                p.pop();
                while segs.get(i).is_some_and(|s| s == "super") {
                    p.pop();
                    i += 1;
                }
                Res::Module((from.0, p))
            }
            "Self" => return Res::Unknown,
            first => {
                let first_ns = if segs.len() == 1 { ns } else { Ns::Type };
                match self.lookup_in(from, first, first_ns, depth, seen) {
                    Res::Unknown => return self.extern_path(segs, ns, depth, seen),
                    r => r,
                }
            }
        };
        for (j, s) in segs.iter().enumerate().skip(i) {
            let here = if j + 1 == segs.len() { ns } else { Ns::Type };
            cur = match cur {
                Res::Module(k) => self.lookup_in(&k, s, here, depth + 1, seen),
                Res::External(mut p) => {
                    p.push(s.clone());
                    Res::External(p)
                }
                _ => Res::Unknown,
            };
        }
        cur
    }

    fn extern_path(&self, segs: &[String], ns: Ns, depth: u32, seen: &mut Seen) -> Res {
        if let Some(t) = self.crates.get(&segs[0]) {
            if segs.len() == 1 {
                return Res::Module((*t, Vec::new()));
            }
            let mut rest = vec!["crate".to_string()];
            rest.extend(segs[1..].iter().cloned());
            return self.resolve_at(&(*t, Vec::new()), &rest, false, ns, depth + 1, seen);
        }
        let mut p = segs.to_vec();
        if p[0] == "hft_cache_core" || self.hft_names.contains(&p[0]) {
            p[0] = "hft_cache".into();
        }
        Res::External(p)
    }

    fn lookup_in(&self, k: &ModKey, name: &str, ns: Ns, depth: u32, seen: &mut Seen) -> Res {
        // Modules that glob-import each other: each (module, name) is looked up once.
        if depth > 12 || !seen.insert((k.clone(), name.to_string(), ns == Ns::Type)) {
            return Res::Unknown;
        }
        let Some(m) = self.modules.get(k) else {
            return Res::Unknown;
        };
        if ns == Ns::Value {
            if let Some(id) = m.values.get(name) {
                return Res::Def(*id);
            }
        }
        if let Some(e) = m.types.get(name) {
            return match e {
                Entry::Def(id) => Res::Def(*id),
                Entry::Module(k) => Res::Module(k.clone()),
            };
        }
        if let Some(u) = m.uses.get(name) {
            return self.resolve_at(k, &u.segs, u.leading, ns, depth + 1, seen);
        }
        let mut externals = Vec::new();
        for g in &m.globs {
            match self.resolve_at(k, &g.segs, g.leading, Ns::Type, depth + 1, seen) {
                Res::Module(gk) if &gk != k => match self.lookup_in(&gk, name, ns, depth + 1, seen)
                {
                    Res::Unknown => {}
                    r => return r,
                },
                Res::External(mut p) => {
                    p.push(name.to_string());
                    externals.push(p);
                }
                _ => {}
            }
        }
        if let Some(p) = externals.iter().find(|p| known_live(p).is_some()) {
            return Res::External(p.clone());
        }
        if depth == 0 || k.1.is_empty() {
            if let Some(t) = self.crates.get(name) {
                return Res::Module((*t, Vec::new()));
            }
        }
        Res::Unknown
    }

    /// The `macro_rules!` definition a macro invocation's path names, if any: one of the same
    /// target first (`macro_rules!` are textually scoped; this is the common case).
    pub fn macro_def(&self, from: &ModKey, path: &Path) -> Option<&MacroDef<'a>> {
        let name = last_name(path)?;
        let mut named = self.macros.iter().filter(|m| m.name == name);
        named
            .clone()
            .find(|m| m.target == from.0)
            .or_else(|| named.next())
    }

    /// Whether path `p` written in `from` names a live type (or, with `holders`, a holder).
    pub fn path_mention(&self, from: &ModKey, p: &Path, holders: bool) -> Option<Mention> {
        let written = last_name(p)?;
        match self.resolve(from, &segs(p), p.leading_colon.is_some(), Ns::Type) {
            Res::Def(id) => {
                self.live.get(&id)?;
                let holder = self.is_holder(id);
                (holders || !holder).then(|| Mention {
                    desc: self.describe(id, &written),
                    holder,
                })
            }
            Res::External(ext) => known_live(&ext).map(|k| {
                let name = ext.last().cloned().unwrap_or_default();
                let desc = if name == FRESH && written == FRESH {
                    format!("`{}`", fresh_display(p))
                } else if written == name {
                    format!("`{written}` ({k})")
                } else {
                    format!("`{written}` (renamed {k})")
                };
                Mention {
                    desc,
                    holder: false,
                }
            }),
            _ => None,
        }
    }

    /// The first live type inside `ty` written in `from` (holders too, with `holders`).
    pub fn mention(&self, from: &ModKey, ty: &Type, holders: bool) -> Option<Mention> {
        walk_held(ty, &mut |p| self.path_mention(from, p, holders))
    }
}

/// `Fresh<Account>` for a path `hft_cache::Fresh<hft_cache::exchange::binance::Account>`.
fn fresh_display(p: &Path) -> String {
    let arg = p.segments.last().and_then(|s| match &s.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(Type::Path(tp)) => last_name(&tp.path),
            _ => None,
        }),
        _ => None,
    });
    match arg {
        Some(a) => format!("{FRESH}<{a}>"),
        None => FRESH.to_string(),
    }
}

/// Calls `f` on every path inside `ty` that can hold a value: like
/// [`crate::types::find_path`], but not inside `PhantomData<..>`, the `Fn(..) -> ..` sugar of
/// closure traits, `fn` pointers or type macros.
pub fn walk_held<'t, R>(ty: &'t Type, f: &mut dyn FnMut(&'t Path) -> Option<R>) -> Option<R> {
    match ty {
        Type::Path(tp) => {
            if let Some(q) = &tp.qself {
                if let Some(r) = walk_held(&q.ty, f) {
                    return Some(r);
                }
            }
            walk_held_path(&tp.path, f)
        }
        Type::Reference(r) => walk_held(&r.elem, f),
        Type::Ptr(p) => walk_held(&p.elem, f),
        Type::Slice(s) => walk_held(&s.elem, f),
        Type::Array(a) => walk_held(&a.elem, f),
        Type::Paren(p) => walk_held(&p.elem, f),
        Type::Group(g) => walk_held(&g.elem, f),
        Type::Tuple(t) => t.elems.iter().find_map(|e| walk_held(e, f)),
        Type::TraitObject(t) => held_bounds(t.bounds.iter(), f),
        Type::ImplTrait(t) => held_bounds(t.bounds.iter(), f),
        _ => None,
    }
}

fn held_bounds<'t, R>(
    bounds: impl Iterator<Item = &'t TypeParamBound>,
    f: &mut dyn FnMut(&'t Path) -> Option<R>,
) -> Option<R> {
    for b in bounds {
        if let TypeParamBound::Trait(t) = b {
            if let Some(r) = walk_held_path(&t.path, f) {
                return Some(r);
            }
        }
    }
    None
}

fn walk_held_path<'t, R>(path: &'t Path, f: &mut dyn FnMut(&'t Path) -> Option<R>) -> Option<R> {
    if last_name(path).is_some_and(|n| n == "PhantomData") {
        return None;
    }
    if let Some(r) = f(path) {
        return Some(r);
    }
    for seg in &path.segments {
        if let PathArguments::AngleBracketed(a) = &seg.arguments {
            for g in &a.args {
                let t = match g {
                    syn::GenericArgument::Type(t) => t,
                    syn::GenericArgument::AssocType(a) => &a.ty,
                    _ => continue,
                };
                if let Some(r) = walk_held(t, f) {
                    return Some(r);
                }
            }
        }
    }
    None
}

struct Collector<'i, 'a> {
    index: &'i mut Index<'a>,
    file: usize,
    module: ModKey,
    roots: Vec<usize>,
    hand_impls: Vec<(ModKey, &'a Path, LiveDecl)>,
    renames: Vec<(ModKey, UsePath, LiveDecl)>,
}

impl<'a> Collector<'_, 'a> {
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

    fn add_def(
        &mut self,
        ident: &syn::Ident,
        attrs: &'a [Attribute],
        vis: &syn::Visibility,
        kind: DefKind<'a>,
        fields: Vec<&'a Field>,
    ) -> usize {
        let id = self.index.defs.len();
        self.index.defs.push(Def {
            name: ident.to_string(),
            module: self.module.clone(),
            kind,
            fields,
            file: self.file,
            span: ident.span(),
            attrs,
            public: matches!(vis, syn::Visibility::Public(_)),
        });
        let m = self.index.modules.entry(self.module.clone()).or_default();
        let name = ident.to_string();
        match kind {
            DefKind::Fn(_) => {
                m.values.entry(name).or_insert(id);
            }
            _ => {
                m.types.entry(name).or_insert(Entry::Def(id));
            }
        }
        id
    }

    fn type_def(
        &mut self,
        ident: &syn::Ident,
        attrs: &'a [Attribute],
        vis: &syn::Visibility,
        fields: Vec<&'a Field>,
    ) {
        let id = self.add_def(ident, attrs, vis, DefKind::Type(attrs), fields);
        if derives(attrs).iter().any(|d| d == "Live") {
            self.roots.push(id);
        }
    }

    fn module(&mut self) -> &mut Module {
        self.index.modules.entry(self.module.clone()).or_default()
    }
}

fn use_paths(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Option<String>, Vec<String>, Option<proc_macro2::Span>)>,
) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
        UseTree::Name(n) => {
            let mut p = prefix.clone();
            if n.ident == "self" {
                let name = p.last().cloned();
                out.push((name, p, None));
            } else {
                p.push(n.ident.to_string());
                out.push((Some(n.ident.to_string()), p, None));
            }
        }
        UseTree::Rename(r) => {
            let mut p = prefix.clone();
            if r.ident != "self" {
                p.push(r.ident.to_string());
            }
            out.push((Some(r.rename.to_string()), p, Some(r.rename.span())));
        }
        UseTree::Glob(_) => out.push((None, prefix.clone(), None)),
    }
}

impl<'a> Visit<'a> for Collector<'_, 'a> {
    fn visit_item_mod(&mut self, i: &'a syn::ItemMod) {
        let name = i.ident.to_string();
        let mut child = self.module.clone();
        child.1.push(name.clone());
        self.module()
            .types
            .insert(name, Entry::Module(child.clone()));
        if let Some((_, items)) = &i.content {
            let saved = std::mem::replace(&mut self.module, child);
            self.index.modules.entry(self.module.clone()).or_default();
            for it in items {
                self.visit_item(it);
            }
            self.module = saved;
        }
    }

    fn visit_item_struct(&mut self, i: &'a syn::ItemStruct) {
        self.type_def(&i.ident, &i.attrs, &i.vis, i.fields.iter().collect());
        syn::visit::visit_item_struct(self, i);
    }

    fn visit_item_enum(&mut self, i: &'a syn::ItemEnum) {
        let fields = i.variants.iter().flat_map(|v| v.fields.iter()).collect();
        self.type_def(&i.ident, &i.attrs, &i.vis, fields);
        syn::visit::visit_item_enum(self, i);
    }

    fn visit_item_union(&mut self, i: &'a syn::ItemUnion) {
        self.type_def(&i.ident, &i.attrs, &i.vis, i.fields.named.iter().collect());
        syn::visit::visit_item_union(self, i);
    }

    fn visit_item_type(&mut self, i: &'a syn::ItemType) {
        self.add_def(
            &i.ident,
            &i.attrs,
            &i.vis,
            DefKind::Alias(&i.ty),
            Vec::new(),
        );
        syn::visit::visit_item_type(self, i);
    }

    fn visit_item_fn(&mut self, i: &'a syn::ItemFn) {
        self.add_def(
            &i.sig.ident,
            &i.attrs,
            &i.vis,
            DefKind::Fn(&i.sig),
            Vec::new(),
        );
        syn::visit::visit_item_fn(self, i);
    }

    fn visit_impl_item_fn(&mut self, i: &'a syn::ImplItemFn) {
        // Methods are not in the module's scope; they are kept for the live-method names.
        self.index.defs.push(Def {
            name: i.sig.ident.to_string(),
            module: self.module.clone(),
            kind: DefKind::Fn(&i.sig),
            fields: Vec::new(),
            file: self.file,
            span: i.sig.ident.span(),
            attrs: &i.attrs,
            public: matches!(i.vis, syn::Visibility::Public(_)),
        });
        syn::visit::visit_impl_item_fn(self, i);
    }

    fn visit_trait_item_fn(&mut self, i: &'a syn::TraitItemFn) {
        // Trait methods, like impl methods, count for the live-method names.
        self.index.defs.push(Def {
            name: i.sig.ident.to_string(),
            module: self.module.clone(),
            kind: DefKind::Fn(&i.sig),
            fields: Vec::new(),
            file: self.file,
            span: i.sig.ident.span(),
            attrs: &i.attrs,
            public: true,
        });
        syn::visit::visit_trait_item_fn(self, i);
    }

    fn visit_item_use(&mut self, i: &'a syn::ItemUse) {
        let mut out = Vec::new();
        use_paths(&i.tree, &mut Vec::new(), &mut out);
        let leading = i.leading_colon.is_some();
        for (name, segs, rename) in out {
            let up = UsePath { segs, leading };
            match name {
                None => self.module().globs.push(up),
                Some(n) if n == "_" => {}
                Some(n) => {
                    if let Some(span) = rename {
                        let ident = syn::Ident::new(&n, span);
                        let decl = self.decl(&ident, &i.attrs, LiveOrigin::Rename(String::new()));
                        self.renames.push((self.module.clone(), up.clone(), decl));
                    }
                    self.module().uses.entry(n).or_insert(up);
                }
            }
        }
    }

    fn visit_item_extern_crate(&mut self, i: &'a syn::ItemExternCrate) {
        // `extern crate hft_cache as hc;`
        if let Some((_, rename)) = &i.rename {
            let up = UsePath {
                segs: vec![i.ident.to_string()],
                leading: true,
            };
            self.module().uses.entry(rename.to_string()).or_insert(up);
        }
    }

    fn visit_item_macro(&mut self, i: &'a syn::ItemMacro) {
        if i.mac.path.is_ident("macro_rules") {
            if let Some(name) = &i.ident {
                let file = self.file;
                self.index.macros.push(MacroDef {
                    name: name.to_string(),
                    mac: &i.mac,
                    file,
                    target: self.module.0,
                });
            }
        }
        syn::visit::visit_item_macro(self, i);
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        if let Some(n) = last_name(&m.path) {
            self.index.invoked.insert(n);
        }
    }

    // Only items and the macros that can declare them matter here: statements are not walked
    // into (the scopes are built for every target, and a body's expressions are most of it).
    fn visit_block(&mut self, b: &'a syn::Block) {
        for st in &b.stmts {
            match st {
                syn::Stmt::Item(i) => self.visit_item(i),
                syn::Stmt::Macro(m) => self.visit_macro(&m.mac),
                syn::Stmt::Expr(syn::Expr::Macro(m), _) => self.visit_macro(&m.mac),
                _ => {}
            }
        }
    }

    fn visit_expr(&mut self, _: &'a syn::Expr) {}

    fn visit_type(&mut self, _: &'a Type) {}

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        let is_classified = i
            .trait_
            .as_ref()
            .and_then(|(_, p, _)| last_name(p))
            .is_some_and(|n| n == "Classified");
        if is_classified {
            let class_is_live = i.items.iter().any(|it| match it {
                syn::ImplItem::Type(t) if t.ident == "Class" => {
                    crate::types::find_path(&t.ty, &mut |p| last_name(p))
                        .is_some_and(|n| n == "Live")
                }
                _ => false,
            });
            if let (true, Type::Path(tp)) = (class_is_live, &*i.self_ty) {
                if let Some(seg) = tp.path.segments.last() {
                    let decl = self.decl(&seg.ident, &i.attrs, LiveOrigin::HandImpl);
                    self.hand_impls.push((self.module.clone(), &tp.path, decl));
                }
            }
        }
        syn::visit::visit_item_impl(self, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(src: &str) -> Vec<String> {
        let ty: Type = syn::parse_str(src).expect("test type parses");
        let mut out = Vec::new();
        let _: Option<()> = walk_held(&ty, &mut |p| {
            out.extend(last_name(p));
            None
        });
        out
    }

    #[test]
    fn only_what_can_hold_a_value_is_walked() {
        assert_eq!(held("PhantomData<fn() -> Balance>"), Vec::<String>::new());
        assert_eq!(
            held("Box<dyn Fn(Order) -> Fresh<Balance> + Send>"),
            ["Box", "Fn", "Send"]
        );
        assert_eq!(held("fn(&Balance) -> u64"), Vec::<String>::new());
        assert_eq!(
            held("Arc<Mutex<Vec<Balance>>>"),
            ["Arc", "Mutex", "Vec", "Balance"]
        );
    }

    #[test]
    fn hft_caches_types_are_known_by_path() {
        let p = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
        assert!(known_live(&p("hft_cache::exchange::binance::Order")).is_some());
        assert!(known_live(&p("hft_cache::Fresh")).is_some());
        assert!(known_live(&p("my_crate::exchange::binance::Order")).is_none());
        assert!(known_live(&p("hft_cache::exchange::binance::ExchangeInfo")).is_none());
    }
}
