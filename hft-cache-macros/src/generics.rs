//! What a field type mentions: the type's own type parameters (such fields get where-bounds, as
//! thiserror does; the others are checked directly), the type itself (a recursive field, which
//! must not be a where-bound or the bound would need itself), and the type arguments inside it.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{GenericArgument, Generics, Ident, PathArguments, Type, TypePath};

pub struct TypeParams(HashSet<Ident>);

impl TypeParams {
    pub fn of(generics: &Generics) -> Self {
        TypeParams(generics.type_params().map(|p| p.ident.clone()).collect())
    }

    /// Whether `ty` is one of the parameters itself (`T`).
    pub fn is_param(&self, ty: &Type) -> bool {
        match ty {
            Type::Path(p) => {
                p.qself.is_none() && p.path.get_ident().is_some_and(|i| self.0.contains(i))
            }
            _ => false,
        }
    }

    pub fn mentioned_in(&self, ty: &Type) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let mut finder = Finder {
            names: &self.0,
            found: false,
        };
        finder.visit_type(ty);
        finder.found
    }
}

/// Whether `ty` names `Self` or the type being derived, anywhere inside.
pub fn mentions_self(ty: &Type, ident: &Ident) -> bool {
    let names: HashSet<Ident> = [ident.clone(), Ident::new("Self", ident.span())].into();
    let mut finder = Finder {
        names: &names,
        found: false,
    };
    finder.visit_type(ty);
    finder.found
}

struct Finder<'a> {
    names: &'a HashSet<Ident>,
    found: bool,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_type_path(&mut self, ty: &'ast TypePath) {
        if ty.qself.is_none() {
            if let Some(first) = ty.path.segments.first() {
                if self.names.contains(&first.ident) {
                    self.found = true;
                }
            }
        }
        visit::visit_type_path(self, ty);
    }

    // A macro in type position could expand to anything: treat it as a match, so it is bounded
    // rather than asserted in a context that lacks the parameters.
    fn visit_type_macro(&mut self, _: &'ast syn::TypeMacro) {
        self.found = true;
    }
}

/// Every type argument inside `ty`, at any depth, with the arguments it sits inside
/// (`Foreign<Vec<Balance>>` gives `Vec<Balance>` inside nothing, and `Balance` inside
/// `Vec<Balance>`): what an `opaque` field carries that may have a class of its own.
pub fn type_arguments(ty: &Type) -> Vec<(&Type, Vec<&Type>)> {
    let mut out = Vec::new();
    collect_arguments(ty, &mut Vec::new(), &mut out);
    out
}

fn collect_arguments<'a>(
    ty: &'a Type,
    outer: &mut Vec<&'a Type>,
    out: &mut Vec<(&'a Type, Vec<&'a Type>)>,
) {
    let visit = |inner: &'a Type, outer: &mut Vec<&'a Type>, out: &mut Vec<_>| {
        out.push((inner, outer.clone()));
        outer.push(inner);
        collect_arguments(inner, outer, out);
        outer.pop();
    };
    match ty {
        Type::Path(path) => {
            for segment in &path.path.segments {
                if let PathArguments::AngleBracketed(args) = &segment.arguments {
                    for arg in &args.args {
                        if let GenericArgument::Type(inner) = arg {
                            visit(inner, outer, out);
                        }
                    }
                }
            }
        }
        Type::Reference(r) => collect_arguments(&r.elem, outer, out),
        Type::Array(a) => collect_arguments(&a.elem, outer, out),
        Type::Slice(s) => collect_arguments(&s.elem, outer, out),
        Type::Paren(p) => collect_arguments(&p.elem, outer, out),
        Type::Group(g) => collect_arguments(&g.elem, outer, out),
        Type::Tuple(t) => t.elems.iter().for_each(|e| visit(e, outer, out)),
        _ => {}
    }
}
