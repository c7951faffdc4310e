//! Which field types mention the type's own type parameters (those fields get where-bounds,
//! as thiserror does; the others are checked directly).

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{Generics, Ident, Type, TypePath};

pub struct TypeParams(HashSet<Ident>);

impl TypeParams {
    pub fn of(generics: &Generics) -> Self {
        TypeParams(generics.type_params().map(|p| p.ident.clone()).collect())
    }

    pub fn mentioned_in(&self, ty: &Type) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let mut finder = Finder {
            params: &self.0,
            found: false,
        };
        finder.visit_type(ty);
        finder.found
    }
}

struct Finder<'a> {
    params: &'a HashSet<Ident>,
    found: bool,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_type_path(&mut self, ty: &'ast TypePath) {
        if ty.qself.is_none() {
            if let Some(first) = ty.path.segments.first() {
                if self.params.contains(&first.ident) {
                    self.found = true;
                }
            }
        }
        visit::visit_type_path(self, ty);
    }

    // A macro in type position could expand to anything: treat it as generic, so it is bounded
    // rather than asserted in a context that lacks the parameters.
    fn visit_type_macro(&mut self, _: &'ast syn::TypeMacro) {
        self.found = true;
    }
}
