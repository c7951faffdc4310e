//! Generating the class impl, the field assertions and, for `Live`, the no-`Clone` check.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_quote, DeriveInput, Path, WhereClause};

use crate::attr::{parse_type_attrs, Errors, TypeAttrs};
use crate::check::{self, Field};
use crate::generics::TypeParams;
use crate::Derive;

pub fn derive(input: &DeriveInput, derive: Derive) -> TokenStream {
    let mut errors = Errors::default();
    let attrs = parse_type_attrs(&input.attrs, &mut errors);
    let fields = check::fields(input, derive, &attrs, &mut errors);
    let krate = attrs
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::hft_cache));
    match errors.into_result() {
        Ok(()) => generate(input, derive, &attrs, &fields, &krate),
        Err(error) => {
            // The stub keeps the type usable, so the user sees this error and not a cascade.
            let stub = class_impls(input, derive, &krate, None, &TypeAttrs::default());
            let error = error.to_compile_error();
            quote!(#stub #error)
        }
    }
}

fn generate(
    input: &DeriveInput,
    derive: Derive,
    attrs: &TypeAttrs,
    fields: &[Field<'_>],
    krate: &Path,
) -> TokenStream {
    let params = TypeParams::of(&input.generics);
    let checked: Vec<&Field<'_>> = fields
        .iter()
        .filter(|f| check::is_checked(f, derive))
        .collect();

    let bound = field_bound(derive, krate);
    let bounds: Vec<TokenStream> = checked
        .iter()
        .filter(|f| params.mentioned_in(f.ty))
        .map(|f| {
            let ty = f.ty;
            quote_spanned!(ty.span()=> #ty: #bound)
        })
        .collect();
    let where_clause = extend_where(input.generics.where_clause.as_ref(), &bounds);

    let impls = class_impls(input, derive, krate, Some(&where_clause), attrs);
    let field_checks = field_checks(input, derive, &checked, krate, &where_clause);
    let clone_check = if derive == Derive::Live {
        live_clone_check(input, krate)
    } else {
        TokenStream::new()
    };
    quote! {
        #impls
        #field_checks
        #clone_check
    }
}

/// The trait a checked field must implement, for the where-bounds of generic fields.
fn field_bound(derive: Derive, krate: &Path) -> TokenStream {
    match derive {
        Derive::Static => quote!(#krate::policy::StaticField),
        Derive::Streamed => quote!(#krate::policy::StreamedField),
        Derive::NoLiveState => quote!(#krate::policy::StateField),
        Derive::Live => TokenStream::new(),
    }
}

fn extend_where(base: Option<&WhereClause>, bounds: &[TokenStream]) -> TokenStream {
    let existing = base.map(|w| {
        let preds = w.predicates.iter();
        quote!(#(#preds,)*)
    });
    if existing.is_none() && bounds.is_empty() {
        return TokenStream::new();
    }
    quote!(where #existing #(#bounds,)*)
}

fn class_impls(
    input: &DeriveInput,
    derive: Derive,
    krate: &Path,
    where_clause: Option<&TokenStream>,
    attrs: &TypeAttrs,
) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, original_where) = input.generics.split_for_impl();
    let where_clause = match where_clause {
        Some(w) => w.clone(),
        None => quote!(#original_where),
    };
    let class = match derive {
        Derive::Static => quote!(#krate::class::Static),
        Derive::Streamed => quote!(#krate::class::Streamed),
        Derive::Live => quote!(#krate::class::Live),
        Derive::NoLiveState => quote!(#krate::class::Plain),
    };
    let max_age = attrs.max_age_ms.map(|(ms, _)| {
        quote! {
            const MAX_AGE: #krate::__private::Option<#krate::__private::Duration> =
                #krate::__private::Some(#krate::__private::Duration::from_millis(#ms));
        }
    });
    let marker = (derive == Derive::NoLiveState).then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::NoLiveState for #ident #ty_generics #where_clause {}
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Classified for #ident #ty_generics #where_clause {
            type Class = #class;
            #max_age
        }
        #marker
    }
}

/// One assertion per checked field, spanned at the field's type so the error points there.
fn field_checks(
    input: &DeriveInput,
    derive: Derive,
    checked: &[&Field<'_>],
    krate: &Path,
    where_clause: &TokenStream,
) -> TokenStream {
    let assert_fn = match derive {
        Derive::Static => quote!(assert_static_field),
        Derive::Streamed => quote!(assert_streamed_field),
        Derive::NoLiveState => quote!(assert_state_field),
        Derive::Live => return TokenStream::new(),
    };
    if checked.is_empty() {
        return TokenStream::new();
    }
    let asserts = checked.iter().map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> #krate::__private::#assert_fn::<#ty>();)
    });
    let (impl_generics, _, _) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            #[allow(dead_code, clippy::extra_unused_type_parameters, clippy::extra_unused_lifetimes)]
            fn __hft_check_fields #impl_generics () #where_clause {
                #(#asserts)*
            }
        };
    }
}

/// A compile-time refusal of `Clone` (and so `Copy`) on a live type. Checked for types without
/// type or const parameters, whose `Clone` impl, if any, is unconditional.
fn live_clone_check(input: &DeriveInput, krate: &Path) -> TokenStream {
    let generics = &input.generics;
    if generics.type_params().next().is_some() || generics.const_params().next().is_some() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let lifetimes: Vec<TokenStream> = generics.lifetimes().map(|_| quote!('static)).collect();
    let ty = if lifetimes.is_empty() {
        quote!(#ident)
    } else {
        quote!(#ident<#(#lifetimes),*>)
    };
    let message = format!(
        "`{ident}` is live trading data and must not be `Clone` or `Copy`: a copy outlives its freshness"
    );
    quote_spanned! {ident.span()=>
        const _: () = {
            use #krate::__private::NotCloneFallback as _;
            if #krate::__private::CloneProbe::<#ty>::IS_CLONE {
                ::core::panic!(#message);
            }
        };
    }
}
