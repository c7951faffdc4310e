//! Parsing `#[hft(...)]` attributes on the type and on its fields.

use proc_macro2::Span;
use syn::parse::Parse;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr, Path};

/// `#[hft(...)]` on the type.
#[derive(Default)]
pub struct TypeAttrs {
    /// `max_age_ms = N`, with the span of the whole setting.
    pub max_age_ms: Option<(u64, Span)>,
    /// `crate = "path"`: where the facade is, for crates that re-export it.
    pub krate: Option<Path>,
    /// `class_of(T, U)`: a generic wrapper is as high a class as its parameters, with its span.
    pub class_of: Option<(Vec<syn::Ident>, Span)>,
}

/// `#[hft(...)]` on a field.
#[derive(Default)]
pub struct FieldAttrs {
    /// `opaque`, with its span.
    pub opaque: Option<Span>,
    /// `trusted_transform`, with its span: the user vouches that the field's serde
    /// `deserialize_with`/`with` function only converts what the response body holds.
    pub trusted_transform: Option<Span>,
}

/// Collects errors instead of stopping at the first, so one build shows them all.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

fn hft_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("hft"))
}

pub fn parse_type_attrs(attrs: &[Attribute], errors: &mut Errors) -> TypeAttrs {
    let mut out = TypeAttrs::default();
    for attr in hft_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("max_age_ms") {
                let lit: LitInt = meta.value()?.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`max_age_ms` takes a whole number of milliseconds, like `max_age_ms = 250`",
                    )
                })?;
                let ms = lit.base10_parse::<u64>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`max_age_ms` takes a whole number of milliseconds, like `max_age_ms = 250`",
                    )
                })?;
                if ms == 0 {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`max_age_ms` must be greater than zero: data with no age allowance could never be read",
                    ));
                }
                if out.max_age_ms.is_some() {
                    return Err(meta.error("`max_age_ms` is set twice"));
                }
                out.max_age_ms = Some((ms, meta.path.span().join(lit.span()).unwrap_or(lit.span())));
                Ok(())
            } else if meta.path.is_ident("crate") {
                const EXPECTED: &str = "`crate` takes the path of the hft-cache crate as a string, like `crate = \"::my_facade::hft_cache\"`";
                let lit: LitStr = meta
                    .value()?
                    .parse()
                    .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
                if out.krate.is_some() {
                    return Err(meta.error("`crate` is set twice"));
                }
                out.krate = Some(lit.parse().map_err(|_| syn::Error::new(lit.span(), EXPECTED))?);
                Ok(())
            } else if meta.path.is_ident("class_of") {
                const EXPECTED: &str = "`class_of` takes the type parameters the class follows, like `class_of(T)`";
                let content;
                syn::parenthesized!(content in meta.input);
                let params = content
                    .parse_terminated(syn::Ident::parse, syn::Token![,])
                    .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
                if params.is_empty() {
                    return Err(meta.error(EXPECTED));
                }
                if out.class_of.is_some() {
                    return Err(meta.error("`class_of` is set twice"));
                }
                out.class_of = Some((params.into_iter().collect(), meta.path.span()));
                Ok(())
            } else if meta.path.is_ident("opaque") {
                Err(meta.error("`opaque` marks a field, not a type: put `#[hft(opaque)]` on the field"))
            } else {
                Err(meta.error(format!(
                    "unknown `hft` setting `{}`: expected `max_age_ms = N`, `class_of(T)` or `crate = \"path\"`",
                    path_text(&meta.path)
                )))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

pub fn parse_field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in hft_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("opaque") {
                if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                    return Err(meta.error(
                        "`opaque` takes no value: write `#[hft(opaque)]` on a field of a foreign type with no data class",
                    ));
                }
                if out.opaque.is_some() {
                    return Err(meta.error("`opaque` is set twice"));
                }
                out.opaque = Some(meta.path.span());
                Ok(())
            } else if meta.path.is_ident("trusted_transform") {
                if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                    return Err(meta.error(
                        "`trusted_transform` takes no value: write `#[hft(trusted_transform)]` on a live field with a serde `deserialize_with` or `with` function",
                    ));
                }
                if out.trusted_transform.is_some() {
                    return Err(meta.error("`trusted_transform` is set twice"));
                }
                out.trusted_transform = Some(meta.path.span());
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown `hft` field setting `{}`: the field settings are `opaque` and `trusted_transform`",
                    path_text(&meta.path)
                )))
            }
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// `#[hft(...)]` on an enum variant has no meaning: say so rather than ignore it.
pub fn reject_variant_attrs(attrs: &[Attribute], errors: &mut Errors) {
    for attr in hft_attrs(attrs) {
        errors.push(syn::Error::new_spanned(
            attr,
            "`#[hft(...)]` has no effect on an enum variant: put `max_age_ms` or `crate` on the type, and `opaque` or `trusted_transform` on a field",
        ));
    }
}
