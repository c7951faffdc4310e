//! `#[derive(Live)]` and serde: every field of a `Fresh<T>` comes from the response body, so
//! serde attributes that fill a field from anywhere else are refused.
//!
//! Refused: a field's `default = "path"`, `skip`, `skip_deserializing`; a container's `default`,
//! `from`, `try_from`, `remote`; and `deserialize_with` / `with` (on a field or a variant) unless
//! the function is one the derive knows to transform the body's own data (`rust_decimal::serde`,
//! `chrono::serde`, `time::serde`) or the field says `#[hft(trusted_transform)]`: a visible,
//! greppable vouch, like `unsafe`, that the function reads only what it is given.
//! A field's bare `#[serde(default)]` stays legal on a std type whose default is empty or zero
//! (`Option`, `Vec`, maps and sets, numbers, `bool`, `String`, `Decimal`), as do `rename`,
//! `alias`, `flatten` and the rest.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Type};

use crate::attr::Errors;

/// The module paths whose serde helpers only convert what the body holds.
const KNOWN_TRANSFORMS: &[&str] = &["rust_decimal::serde", "chrono::serde", "time::serde"];

/// Where an attribute sits: each place refuses different keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Container,
    Variant,
    Field,
}

/// Checks the serde attributes at one place. `field` is the field's type and whether it says
/// `#[hft(trusted_transform)]` (with its span).
pub fn check(
    attrs: &[Attribute],
    place: Place,
    field: Option<(&Type, Option<Span>)>,
    errors: &mut Errors,
) {
    let mut transform_seen = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Malformed serde attributes are serde's to report.
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value = if meta.input.peek(syn::Token![=]) {
                let lit: syn::Lit = meta.value()?.parse()?;
                match lit {
                    syn::Lit::Str(s) => Some(s.value()),
                    _ => None,
                }
            } else {
                skip_group(meta.input)?;
                None
            };
            let span = meta.path.span();
            match (place, key.as_str()) {
                (Place::Container, "default") => errors.push(syn::Error::new(
                    span,
                    "`#[serde(default)]` on a live type fills missing fields from its `Default`, not from the response: every field of live data must come from the response body",
                )),
                (Place::Container, "from" | "try_from") => errors.push(syn::Error::new(
                    span,
                    format!("`#[serde({key} = \"...\")]` builds live data from another type, which could come from anywhere: derive `Deserialize` on the live type itself, so that every field comes from the response body"),
                )),
                (Place::Container, "remote") => errors.push(syn::Error::new(
                    span,
                    "`#[serde(remote = \"...\")]` makes this type a deserializer for another one, which would hold live data without a class: derive `Live` on the type that holds the data",
                )),
                (Place::Field, "default") if value.is_some() => errors.push(syn::Error::new(
                    span,
                    "`#[serde(default = \"...\")]` fills a field of live data from a function, not from the response body: remove it (a bare `#[serde(default)]` is fine on `Option`, collections and numbers)",
                )),
                (Place::Field, "default") => {
                    if let Some((ty, _)) = field {
                        if !has_empty_default(ty) {
                            errors.push(syn::Error::new(
                                span,
                                "`#[serde(default)]` fills this field from its type's `Default`, which may be any value: on live data it is allowed only for std types whose default is empty or zero (`Option`, `Vec`, maps and sets, numbers, `bool`, `String`, `Decimal`)",
                            ));
                        }
                    }
                }
                (Place::Field, "skip" | "skip_deserializing") => errors.push(syn::Error::new(
                    span,
                    format!("`#[serde({key})]` leaves a field of live data to be filled from `Default`, not from the response body: every field of live data must come from the body"),
                )),
                (Place::Field | Place::Variant, "deserialize_with" | "with") => {
                    transform_seen = true;
                    let known = value.as_deref().is_some_and(is_known_transform);
                    let vouched = field.and_then(|(_, v)| v).is_some();
                    if !known && !vouched {
                        errors.push(syn::Error::new(
                            span,
                            format!("`#[serde({key} = \"...\")]` fills live data through a function the derive cannot see into: if it only converts what the response body holds, vouch for it with `#[hft(trusted_transform)]` on the field"),
                        ));
                    }
                }
                _ => {}
            }
            Ok(())
        });
    }
    if let Some((_, Some(span))) = field {
        if !transform_seen {
            errors.push(syn::Error::new(
                span,
                "`trusted_transform` vouches for a `#[serde(deserialize_with = \"...\")]` or `#[serde(with = \"...\")]` function, and this field has none",
            ));
        }
    }
}

/// Skips what follows a serde key that is not `= "..."`: nothing, or a parenthesised list.
fn skip_group(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

fn is_known_transform(path: &str) -> bool {
    let path = path.trim_start_matches("::");
    KNOWN_TRANSFORMS
        .iter()
        .any(|known| path.starts_with(known) && path[known.len()..].starts_with("::"))
}

/// Whether `ty`'s `Default` is empty or zero: std collections and options whatever they hold,
/// numbers, `bool`, `char`, strings and decimals, and tuples and arrays of those.
fn has_empty_default(ty: &Type) -> bool {
    match ty {
        Type::Tuple(t) => t.elems.iter().all(has_empty_default),
        Type::Array(a) => has_empty_default(&a.elem),
        Type::Paren(p) => has_empty_default(&p.elem),
        Type::Group(g) => has_empty_default(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "Option" | "Vec" | "VecDeque" | "BTreeMap" | "BTreeSet" | "HashMap" | "HashSet"
                | "String" | "bool" | "char" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
                | "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "f32" | "f64" | "Decimal" => {
                    true
                }
                "Box" => match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => {
                        args.args.iter().all(|arg| match arg {
                            syn::GenericArgument::Type(inner) => has_empty_default(inner),
                            _ => true,
                        })
                    }
                    _ => false,
                },
                _ => false,
            }
        }
        _ => false,
    }
}
