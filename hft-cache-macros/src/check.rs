//! Checking the input before generating: which shapes and settings each derive accepts.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Type};

use crate::attr::{parse_field_attrs, reject_variant_attrs, Errors, FieldAttrs, TypeAttrs};
use crate::serde_attrs::{self, Place};
use crate::Derive;

/// The longest a live value may be used: the policy says even a second is too old for a cache of
/// order status, so no live type may declare more.
pub const LIVE_MAX_AGE_CEILING_MS: u64 = 1000;

/// A field of the input (of any variant), with its settings.
pub struct Field<'a> {
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
}

/// Every field of a struct, or of every variant of an enum; an error for a union.
pub fn fields<'a>(
    input: &'a DeriveInput,
    derive: Derive,
    type_attrs: &TypeAttrs,
    errors: &mut Errors,
) -> Vec<Field<'a>> {
    check_max_age(derive, type_attrs, errors);
    check_class_of(input, derive, type_attrs, errors);

    let live = derive == Derive::Live;
    if live {
        serde_attrs::check(&input.attrs, Place::Container, None, errors);
    }
    let all: Vec<&Fields> = match &input.data {
        Data::Struct(s) => vec![&s.fields],
        Data::Enum(e) => e
            .variants
            .iter()
            .map(|v| {
                reject_variant_attrs(&v.attrs, errors);
                if live {
                    serde_attrs::check(&v.attrs, Place::Variant, None, errors);
                }
                &v.fields
            })
            .collect(),
        Data::Union(u) => {
            errors.push(syn::Error::new(
                u.union_token.span(),
                format!(
                    "`#[derive({})]` cannot be used on a union: which field is live cannot be known, so its class cannot be checked",
                    derive.name()
                ),
            ));
            return Vec::new();
        }
    };

    let mut out = Vec::new();
    for field in all.into_iter().flat_map(|f| f.iter()) {
        let attrs = parse_field_attrs(&field.attrs, errors);
        if live {
            serde_attrs::check(
                &field.attrs,
                Place::Field,
                Some((&field.ty, attrs.trusted_transform)),
                errors,
            );
        } else if let Some(span) = attrs.trusted_transform {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`trusted_transform` vouches for how a field of live data is deserialized; a `{}` type's fields need no vouching",
                    derive.name()
                ),
            ));
        }
        if let Some(span) = attrs.opaque {
            let params = crate::generics::TypeParams::of(&input.generics);
            if params.is_param_behind_pointers(&field.ty) {
                errors.push(syn::Error::new(
                    field.ty.span(),
                    "`#[hft(opaque)]` cannot vouch for a type parameter: it may be live data; remove `opaque` and the parameter gets the field rule as a bound",
                ));
            } else {
                let scan = crate::generics::OpaqueScan::of(&field.ty, &params, &input.ident);
                for mac in scan.macros {
                    errors.push(syn::Error::new(
                        mac.span(),
                        "`#[hft(opaque)]` cannot see inside a type macro, which may expand to live data: write the type out",
                    ));
                }
            }
            if derive != Derive::NoLiveState {
                errors.push(syn::Error::new(
                    span,
                    format!(
                        "`#[hft(opaque)]` is only for fields of a `NoLiveState` struct; every field of a `{}` type must have a data class",
                        derive.name()
                    ),
                ));
            }
        }
        out.push(Field {
            ty: &field.ty,
            attrs,
        });
    }
    out
}

fn check_max_age(derive: Derive, attrs: &TypeAttrs, errors: &mut Errors) {
    let Some((ms, span)) = attrs.max_age_ms else {
        return;
    };
    match derive {
        Derive::NoLiveState => errors.push(syn::Error::new(
            span,
            "`max_age_ms` sets the max age of `Static`, `Streamed` and `Live` data; a `NoLiveState` struct is not cached and has none",
        )),
        Derive::Live if ms > LIVE_MAX_AGE_CEILING_MS => errors.push(syn::Error::new(
            span,
            format!(
                "live data may be used for at most {LIVE_MAX_AGE_CEILING_MS} ms (`max_age_ms = {ms}`): even a second is too old for balances, orders and positions"
            ),
        )),
        _ => {}
    }
}

fn check_class_of(input: &DeriveInput, derive: Derive, attrs: &TypeAttrs, errors: &mut Errors) {
    let Some((params, span)) = &attrs.class_of else {
        return;
    };
    if !matches!(derive, Derive::Static | Derive::Streamed) {
        errors.push(syn::Error::new(
            *span,
            format!(
                "`class_of` lifts a `Static` or `Streamed` wrapper to its parameters' class; a `{}` type's class is fixed",
                derive.name()
            ),
        ));
        return;
    }
    for param in params {
        if !input.generics.type_params().any(|p| p.ident == *param) {
            errors.push(syn::Error::new(
                param.span(),
                format!("`{param}` is not a type parameter of `{}`", input.ident),
            ));
        }
    }
}

/// A field is checked unless it is an `opaque` field of a `NoLiveState` struct.
pub fn is_checked(field: &Field<'_>) -> bool {
    field.attrs.opaque.is_none()
}
