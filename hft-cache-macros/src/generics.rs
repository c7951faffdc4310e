//! What a field type mentions: the type's own type and const parameters (such fields get
//! where-bounds, as thiserror does; the others are checked directly), the type itself (a
//! recursive field, which must not be a where-bound or the bound would need itself), and every
//! type inside an `opaque` field.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Generics, Ident, Type};

pub struct TypeParams(HashSet<Ident>);

impl TypeParams {
    /// The type and const parameters: a type that mentions one cannot be probed before it is
    /// known.
    pub fn of(generics: &Generics) -> Self {
        TypeParams(
            generics
                .type_params()
                .map(|p| p.ident.clone())
                .chain(generics.const_params().map(|p| p.ident.clone()))
                .collect(),
        )
    }

    /// Whether `ty` stands for a type that only the parameters decide and that cannot be seen
    /// into: a parameter (`T`, `(T)`) or a projection that mentions one (`T::Assoc`,
    /// `<T as Trait>::Assoc`, `<Vec<T> as Trait>::Assoc`).
    pub fn is_opaque_to_the_macro(&self, ty: &Type) -> bool {
        match ty {
            Type::Path(p) if p.qself.is_some() => self.mentioned_in(ty),
            Type::Path(p) => p
                .path
                .segments
                .first()
                .is_some_and(|first| self.0.contains(&first.ident)),
            Type::Paren(p) => self.is_opaque_to_the_macro(&p.elem),
            Type::Group(g) => self.is_opaque_to_the_macro(&g.elem),
            _ => false,
        }
    }

    /// Whether `ty` is a parameter or a projection of one once references, pointers, arrays,
    /// slices and parentheses around it are taken off (`[T; 2]`, `&'a T`, `*const (T)`).
    pub fn is_param_behind_pointers(&self, ty: &Type) -> bool {
        match ty {
            Type::Reference(r) => self.is_param_behind_pointers(&r.elem),
            Type::Ptr(p) => self.is_param_behind_pointers(&p.elem),
            Type::Array(a) => self.is_param_behind_pointers(&a.elem),
            Type::Slice(s) => self.is_param_behind_pointers(&s.elem),
            Type::Paren(p) => self.is_param_behind_pointers(&p.elem),
            Type::Group(g) => self.is_param_behind_pointers(&g.elem),
            _ => self.is_opaque_to_the_macro(ty),
        }
    }

    pub fn mentioned_in(&self, ty: &Type) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let mut finder = Finder {
            names: &self.0,
            found: false,
            macros_match: true,
            last_segment: false,
        };
        finder.visit_type(ty);
        finder.found
    }
}

/// Whether `ty` names `Self` or the type being derived, anywhere inside. A type macro does not
/// count: it is bounded like a field that mentions a parameter (one that expands to `Self` would
/// need a manual bound).
pub fn mentions_self(ty: &Type, ident: &Ident) -> bool {
    let names: HashSet<Ident> = [ident.clone(), Ident::new("Self", ident.span())].into();
    let mut finder = Finder {
        names: &names,
        found: false,
        macros_match: false,
        last_segment: false,
    };
    finder.visit_type(ty);
    finder.found
}

/// Whether `ty` names the crate's `Fresh`, anywhere inside.
fn mentions_fresh(ty: &Type) -> bool {
    let names: HashSet<Ident> = [Ident::new("Fresh", proc_macro2::Span::call_site())].into();
    let mut finder = Finder {
        names: &names,
        found: false,
        macros_match: false,
        last_segment: true,
    };
    finder.visit_type(ty);
    finder.found
}

struct Finder<'a> {
    names: &'a HashSet<Ident>,
    found: bool,
    /// Whether a type macro counts as a match.
    macros_match: bool,
    /// Match a path's last segment rather than its first.
    last_segment: bool,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    // Type paths and the paths in const arguments (`[u8; N]`) alike.
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segment = if self.last_segment {
            path.segments.last()
        } else {
            path.segments.first()
        };
        if segment.is_some_and(|s| self.names.contains(&s.ident)) {
            self.found = true;
        }
        visit::visit_path(self, path);
    }

    // A macro in type position could expand to anything: treat it as a match, so it is bounded
    // rather than asserted in a context that lacks the parameters.
    fn visit_type_macro(&mut self, _: &'ast syn::TypeMacro) {
        if self.macros_match {
            self.found = true;
        }
    }
}

/// What an `opaque` field's type holds, at any depth and whatever its syntax: type arguments,
/// trait objects' bounds and associated-type bindings (`dyn Iterator<Item = X>`), the output of
/// `Fn(A) -> B` sugar and of function pointers (unless it is a `Fresh`), qualified paths (`<X as Trait>::Assoc`: `X` too), arrays, slices,
/// references, pointers, tuples and parentheses.
#[derive(Default)]
pub struct OpaqueScan<'a> {
    /// Parameters and projections of them, which get the state rule as a bound.
    pub bounded: Vec<&'a Type>,
    /// Types that mention no parameter, each with the types it sits inside (outermost first, the
    /// field's type included): probed for live data.
    pub probed: Vec<(&'a Type, Vec<&'a Type>)>,
    /// Type macros, which the derive cannot see into.
    pub macros: Vec<&'a syn::TypeMacro>,
}

impl<'a> OpaqueScan<'a> {
    pub fn of(field: &'a Type, params: &TypeParams, ident: &Ident) -> Self {
        let mut scanner = Scanner {
            params,
            ident,
            stack: vec![field],
            out: OpaqueScan::default(),
        };
        if let Type::Macro(m) = field {
            scanner.out.macros.push(m);
        } else {
            visit::visit_type(&mut scanner, field);
        }
        scanner.out
    }
}

struct Scanner<'a, 'p> {
    params: &'p TypeParams,
    ident: &'p Ident,
    stack: Vec<&'a Type>,
    out: OpaqueScan<'a>,
}

impl<'a> Visit<'a> for Scanner<'a, '_> {
    // A function signature's inputs are not held by the type; its output is what a closure can
    // produce from what it captured, except a `Fresh`, which only the crate's fetch builds.
    fn visit_parenthesized_generic_arguments(
        &mut self,
        args: &'a syn::ParenthesizedGenericArguments,
    ) {
        self.visit_return_type(&args.output);
    }

    fn visit_type_bare_fn(&mut self, f: &'a syn::TypeBareFn) {
        self.visit_return_type(&f.output);
    }

    fn visit_return_type(&mut self, output: &'a syn::ReturnType) {
        if let syn::ReturnType::Type(_, ty) = output {
            if !mentions_fresh(ty) {
                self.visit_type(ty);
            }
        }
    }

    fn visit_type(&mut self, ty: &'a Type) {
        if let Type::Macro(m) = ty {
            self.out.macros.push(m);
            return;
        }
        if self.params.is_opaque_to_the_macro(ty) {
            self.out.bounded.push(ty);
        } else if !self.params.mentioned_in(ty) && !mentions_self(ty, self.ident) {
            self.out.probed.push((ty, self.stack.clone()));
        }
        self.stack.push(ty);
        visit::visit_type(self, ty);
        self.stack.pop();
    }
}

/// `ty` with every named lifetime replaced by `'_`, so that it can be named in a probe outside
/// the type's generics.
pub fn erase_lifetimes(ty: &Type) -> Type {
    struct Eraser;
    impl syn::visit_mut::VisitMut for Eraser {
        fn visit_lifetime_mut(&mut self, lt: &mut syn::Lifetime) {
            if lt.ident != "static" {
                *lt = syn::Lifetime::new("'_", lt.span());
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Eraser, &mut ty);
    ty
}
