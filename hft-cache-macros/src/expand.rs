//! Generating the class impl with its proof, and the compile-time probes.
//!
//! The impl is `unsafe impl Classified` (a macro may emit it where the user crate forbids unsafe
//! code; a hand-written one there is refused). It builds `PROOF` from one check per field,
//! spanned at the field's type so that an error points there. The real trait fixes `PROOF`'s type,
//! so a `#[hft(crate = "...")]` path that leads to look-alike helpers does not type-check.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    parse_quote, DeriveInput, GenericParam, Generics, Lifetime, Path, Type, WhereClause,
    WherePredicate,
};

use crate::attr::{parse_type_attrs, Errors, TypeAttrs};
use crate::check::{self, Field};
use crate::generics::{erase_lifetimes, mentions_self, OpaqueScan, TypeParams};
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
            let stub = stub_impl(input, derive, &krate);
            let error = error.to_compile_error();
            quote!(#stub #error)
        }
    }
}

/// How each derive checks and classifies.
struct Plan {
    class: TokenStream,
    check_fn: TokenStream,
    field_bound: TokenStream,
}

fn plan(derive: Derive, krate: &Path, generics: &Generics) -> Plan {
    let (class, check_fn, bound) = match derive {
        Derive::Live if is_view(generics) => {
            (quote!(Live), quote!(live_view_field), quote!(LiveViewField))
        }
        Derive::Static => (quote!(Static), quote!(static_field), quote!(StaticField)),
        Derive::Streamed => (
            quote!(Streamed),
            quote!(streamed_field),
            quote!(StreamedField),
        ),
        Derive::Live => (quote!(Live), quote!(live_field), quote!(LiveField)),
        Derive::NoLiveState => (quote!(Plain), quote!(state_field), quote!(StateField)),
    };
    Plan {
        class: quote!(#krate::policy::class::#class),
        check_fn: quote!(#krate::__private::#check_fn),
        field_bound: quote!(#krate::policy::#bound),
    }
}

fn generate(
    input: &DeriveInput,
    derive: Derive,
    attrs: &TypeAttrs,
    fields: &[Field<'_>],
    krate: &Path,
) -> TokenStream {
    let ident = &input.ident;
    let mut plan = plan(derive, krate, &input.generics);
    let params = TypeParams::of(&input.generics);
    let checked: Vec<&Type> = fields
        .iter()
        .filter(|f| check::is_checked(f))
        .map(|f| f.ty)
        .collect();
    // A recursive field is checked in the impl's body only: as a where-bound it would need the
    // impl it bounds (E0275), and in the max age or ownership it would need itself.
    let direct: Vec<&Type> = checked
        .iter()
        .copied()
        .filter(|ty| !mentions_self(ty, ident))
        .collect();

    let bound = &plan.field_bound;
    let mut bounds: Vec<TokenStream> = direct
        .iter()
        .filter(|ty| params.mentioned_in(ty))
        .map(|ty| quote_spanned!(ty.span()=> #ty: #bound))
        .chain(opaque_argument_bounds(input, fields, &params, krate))
        .collect();
    if let Some((class_params, _)) = &attrs.class_of {
        // The class follows the parameters, so every field is checked under that class's rule,
        // known only once the parameters are.
        let base = &plan.class;
        let class = class_params.iter().fold(quote!(#base), |acc, p| {
            quote!(<#acc as #krate::policy::ClassMarker>::Join<<#p as #krate::Classified>::Class>)
        });
        let rule = quote!(<#class as #krate::policy::ClassMarker>::FieldRule);
        bounds = class_params
            .iter()
            .map(|p| quote!(#p: #krate::Classified))
            .chain(
                direct
                    .iter()
                    .map(|ty| quote_spanned!(ty.span()=> #rule: #krate::__private::RuleFor<#ty>)),
            )
            .chain(opaque_argument_bounds(input, fields, &params, krate))
            .collect();
        plan.check_fn = quote!(#krate::__private::field_under);
        plan.class = class;
    }
    let where_clause = extend_where(input.generics.where_clause.as_ref(), &bounds);
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();

    let class = &plan.class;
    let check_fn = &plan.check_fn;
    let mut proofs: Vec<TokenStream> = checked
        .iter()
        .map(|ty| {
            if attrs.class_of.is_some() {
                quote_spanned!(ty.span()=> #check_fn::<#ty, _>())
            } else {
                quote_spanned!(ty.span()=> #check_fn::<#ty>())
            }
        })
        .collect();
    if derive == Derive::Live {
        proofs.insert(
            0,
            quote!({
                #[allow(unused_imports)]
                use #krate::__private::NotCloneFallback as _;
                #krate::__private::CloneCheck::<Self>::CHECKED
            }),
        );
    }
    let checks = proofs.iter().rev().fold(
        quote!(#krate::__private::nil()),
        |tail, head| quote!(#krate::__private::cons(#head, #tail)),
    );
    let proof = quote!(#krate::__private::seal(#checks));
    let ownership = ownership(derive, &input.generics, krate);
    let max_age = max_age(derive, attrs, &checked, krate);

    let marker = (derive == Derive::NoLiveState).then(|| {
        quote! {
            // SAFETY: every field was checked by the derive (see `PROOF` above).
            #[automatically_derived]
            unsafe impl #impl_generics #krate::NoLiveState for #ident #ty_generics #where_clause {}
        }
    });
    let probes = probes(input, derive, attrs, fields, &params, krate);
    // An impl without bounds is never why a bound fails: keep it out of rustc's lists of "other
    // types that implement `Classified`". One with bounds stays, so that a failing bound is
    // reported as the field's own rule.
    let quiet = if has_generics(&input.generics) {
        TokenStream::new()
    } else {
        quote!(#[diagnostic::do_not_recommend])
    };
    quote! {
        // SAFETY: `PROOF` shows that every field passed the class's rule.
        #[automatically_derived]
        #quiet
        unsafe impl #impl_generics #krate::Classified for #ident #ty_generics #where_clause {
            type Class = #class;
            type Ownership = #ownership;
            #max_age
            const PROOF: #krate::__private::Proof<
                Self,
                <<Self as #krate::Classified>::Class as #krate::policy::ClassMarker>::FieldRule,
            > = #proof;
        }
        #marker
        #probes
    }
}

/// A derived type's ownership is fixed by its class, and every field is checked against it (so
/// no fold over the fields can run into a cycle through recursive types): static, streamed and
/// live data are exclusive (their field rules refuse interior mutability and shared live data),
/// a live view with lifetime parameters may borrow live data and so is only shared, and a
/// `NoLiveState` struct is a handle, which no data may hold.
fn ownership(derive: Derive, generics: &Generics, krate: &Path) -> TokenStream {
    match derive {
        Derive::Live if is_view(generics) => quote!(#krate::policy::class::Shared),
        Derive::Static | Derive::Streamed | Derive::Live => {
            quote!(#krate::policy::class::Exclusive)
        }
        Derive::NoLiveState => quote!(#krate::policy::class::Handle),
    }
}

/// A live type with lifetime parameters is a transient view: it may borrow live data.
fn is_view(generics: &Generics) -> bool {
    generics.lifetimes().next().is_some()
}

/// The type's own max age (`MAX_AGE`, from `max_age_ms`), and the walk that lowers it to the
/// shortest of its fields' (a value is as old as its most perishable part). Every checked field
/// takes part, also one that mentions `Self`, is a macro or a projection: the walk counts each
/// type once, so recursion ends. Written with `core` paths and the real trait only, so no crate
/// path can change it.
fn max_age(derive: Derive, attrs: &TypeAttrs, checked: &[&Type], krate: &Path) -> TokenStream {
    if derive == Derive::NoLiveState {
        return TokenStream::new();
    }
    let own = attrs.max_age_ms.map(|(ms, _)| {
        quote! {
            const MAX_AGE: ::core::option::Option<::core::time::Duration> =
                ::core::option::Option::Some(::core::time::Duration::from_millis(#ms));
        }
    });
    let params = attrs
        .class_of
        .iter()
        .flat_map(|(params, _)| params.iter())
        .map(|p| quote!(#p));
    let lowers = checked
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> #ty))
        .chain(params)
        .map(|ty| {
            quote! {
                age = #krate::__private::min_age(age, <#ty as #krate::Classified>::__max_age(walk));
            }
        });
    quote! {
        #own
        fn __max_age(
            walk: &mut #krate::__private::AgeWalk,
        ) -> ::core::option::Option<::core::time::Duration> {
            if !walk.enter::<Self>() {
                return ::core::option::Option::None;
            }
            #[allow(unused_mut)]
            let mut age = #krate::__private::effective_max_age::<Self>();
            #(#lowers)*
            age
        }
    }
}

/// What an `opaque` field holds that only the parameters decide (a parameter, a projection of
/// one, wherever it sits inside) must be free of live data like any field: it gets the state
/// rule as a bound, since it cannot be probed until the parameters are known.
fn opaque_argument_bounds<'a>(
    input: &'a DeriveInput,
    fields: &'a [Field<'a>],
    params: &'a TypeParams,
    krate: &'a Path,
) -> impl Iterator<Item = TokenStream> + 'a {
    fields
        .iter()
        .filter(|f| f.attrs.opaque.is_some())
        .flat_map(move |f| OpaqueScan::of(f.ty, params, &input.ident).bounded)
        .map(move |ty| quote_spanned!(ty.span()=> #ty: #krate::policy::StateField))
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

/// On an error elsewhere: a class impl with no fields, so the type stays usable and the user sees
/// that error alone.
fn stub_impl(input: &DeriveInput, derive: Derive, krate: &Path) -> TokenStream {
    let ident = &input.ident;
    let class = plan(derive, krate, &input.generics).class;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        unsafe impl #impl_generics #krate::Classified for #ident #ty_generics #where_clause {
            type Class = #class;
            type Ownership = #krate::policy::class::NotExclusive;
            // SAFETY: a stub beside a compile error; it never reaches a build that runs.
            const PROOF: #krate::__private::Proof<Self, <#class as #krate::policy::ClassMarker>::FieldRule> =
                unsafe { #krate::__private::Proof::vouched() };
        }
    }
}

/// Checks that run on concrete types at compile time: the `Clone` refusal of a live type (its
/// proof, evaluated here), and what an `opaque` field may hold.
/// A type that mentions the type's parameters cannot be probed before they are known.
fn probes(
    input: &DeriveInput,
    derive: Derive,
    attrs: &TypeAttrs,
    fields: &[Field<'_>],
    params: &TypeParams,
    krate: &Path,
) -> TokenStream {
    let mut out = TokenStream::new();
    if derive == Derive::Live {
        out.extend(clone_probe(input, None, krate));
    } else if let Some((params, _)) = &attrs.class_of {
        out.extend(clone_probe(input, Some(params), krate));
    }
    for field in fields.iter().filter(|f| f.attrs.opaque.is_some()) {
        if !params.mentioned_in(field.ty) && !mentions_self(field.ty, &input.ident) {
            out.extend(opaque_probe(field.ty, krate));
        }
        for (inner, outer) in OpaqueScan::of(field.ty, params, &input.ident).probed {
            if !std::ptr::eq(inner, field.ty) {
                // What sits around it can be probed only if it mentions no parameter.
                let outer: Vec<&Type> = outer
                    .into_iter()
                    .filter(|t| !params.mentioned_in(t) && !mentions_self(t, &input.ident))
                    .collect();
                out.extend(opaque_argument_probe(field.ty, inner, &outer, krate));
            }
        }
    }
    out
}

fn has_generics(generics: &Generics) -> bool {
    generics.type_params().next().is_some() || generics.const_params().next().is_some()
}

/// Evaluates the live type's proof, whose `Clone` check fails when the type is `Clone`. A
/// generic type is probed at `u8` for every type parameter without bounds (so that a conditional
/// `impl<T: Clone> Clone` holds there; defaults are not used, since a default that is not `Clone`
/// would hide it) and at zero for every const parameter, whatever its type is called. One with
/// bounded parameters is probed at their defaults, or, without defaults, not before it is used.
///
/// A `class_of` wrapper is probed with its class parameters set to a live type of the crate that
/// is not `Clone`: the wrapper turns out live there, and only an impl that makes it `Clone`
/// anyway (a hand-written `impl<T> Clone`) is refused.
fn clone_probe(input: &DeriveInput, class_of: Option<&[syn::Ident]>, krate: &Path) -> TokenStream {
    let ident = &input.ident;
    let Some(args) = concrete_arguments(&input.generics, class_of, krate) else {
        return TokenStream::new();
    };
    let ty = if args.is_empty() {
        quote!(#ident)
    } else {
        quote!(#ident<#(#args),*>)
    };
    quote_spanned! {ident.span()=>
        const _: () = {
            #[allow(unused_imports)]
            use #krate::__private::NotCloneFallback as _;
            let _ = #krate::__private::CloneCheck::<#ty>::CHECKED;
        };
    }
}

/// Arguments that instantiate the type's parameters concretely, if every parameter can be.
fn concrete_arguments(
    generics: &Generics,
    class_of: Option<&[syn::Ident]>,
    krate: &Path,
) -> Option<Vec<TokenStream>> {
    generics
        .params
        .iter()
        .map(|param| match param {
            GenericParam::Lifetime(_) => {
                let lt = Lifetime::new("'static", Span::call_site());
                Some(quote!(#lt))
            }
            GenericParam::Type(t) => {
                let probe_fits = bounds_met_by_probe(generics, t);
                if class_of.is_some_and(|params| params.contains(&t.ident)) {
                    return probe_fits.then(|| quote!(#krate::__private::LiveProbe));
                }
                if probe_fits {
                    Some(quote!(u8))
                } else {
                    t.default.as_ref().map(|default| quote!(#default))
                }
            }
            GenericParam::Const(c) => {
                let ty = &c.ty;
                Some(quote!({ <#ty as #krate::__private::ConstZero>::ZERO }))
            }
        })
        .collect()
}

/// The traits both probe types (`u8` and the crate's `LiveProbe`) implement: a parameter bound
/// only by these (inline or in the `where` clause) is probed like an unbounded one.
const PROBE_TRAITS: &[&str] = &[
    "Sized",
    "Send",
    "Sync",
    "Unpin",
    "Debug",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Classified",
    "LiveField",
];

/// Whether the probe types meet every bound on `param`: bounds from `PROBE_TRAITS`, `?Sized` and
/// lifetimes, and no `where` predicate that names the parameter inside another type.
fn bounds_met_by_probe(generics: &Generics, param: &syn::TypeParam) -> bool {
    let fits = |bound: &syn::TypeParamBound| match bound {
        syn::TypeParamBound::Trait(t) => {
            matches!(t.modifier, syn::TraitBoundModifier::Maybe(_))
                || t.path.segments.last().is_some_and(|s| {
                    s.arguments.is_empty() && PROBE_TRAITS.iter().any(|known| s.ident == known)
                })
        }
        syn::TypeParamBound::Lifetime(_) => true,
        _ => false,
    };
    let params = TypeParams::of(&Generics {
        params: std::iter::once(GenericParam::Type(param.clone())).collect(),
        ..Generics::default()
    });
    param.bounds.iter().all(fits)
        && generics
            .where_clause
            .iter()
            .flat_map(|w| w.predicates.iter())
            .all(|p| match p {
                WherePredicate::Type(t) if params.is_opaque_to_the_macro(&t.bounded_ty) => {
                    matches!(&t.bounded_ty, Type::Path(path) if path.path.is_ident(&param.ident))
                        && t.bounds.iter().all(fits)
                }
                WherePredicate::Type(t) => !params.mentioned_in(&t.bounded_ty),
                _ => true,
            })
}

/// `opaque` vouches only for a type with no class: on a classified type it is an error, and the
/// field is checked as usual once the attribute goes.
fn opaque_probe(ty: &Type, krate: &Path) -> TokenStream {
    let message = format!(
        "`{}` has a data class, and `#[hft(opaque)]` vouches only for types with none: remove it, and the field is checked as usual",
        type_text(ty)
    );
    let ty = &erase_lifetimes(ty);
    quote_spanned! {ty.span()=>
        const _: () = {
            #[allow(unused_imports)]
            use #krate::__private::ProbeFallback as _;
            if #krate::__private::Probe::<#ty>::IS_CLASSIFIED {
                ::core::panic!(#message);
            }
        };
    }
}

/// A classified type inside an `opaque` field is checked as usual: it must not be live. It is
/// reported only where nothing around it (that can be probed) is classified: else that is the
/// error.
fn opaque_argument_probe(field: &Type, arg: &Type, outer: &[&Type], krate: &Path) -> TokenStream {
    let message = format!(
        "`{}` is live trading data and cannot be kept in a long-lived struct, not even inside the `#[hft(opaque)]` field `{}`",
        type_text(arg),
        type_text(field)
    );
    let span = arg.span();
    let arg = &erase_lifetimes(arg);
    let outer: Vec<Type> = outer.iter().map(|t| erase_lifetimes(t)).collect();
    quote_spanned! {span=>
        const _: () = {
            #[allow(unused_imports)]
            use #krate::__private::ProbeFallback as _;
            if #krate::__private::Probe::<#arg>::IS_LIVE
                #(&& !#krate::__private::Probe::<#outer>::IS_CLASSIFIED)*
            {
                ::core::panic!(#message);
            }
        };
    }
}

/// A type as a user wrote it, for messages.
fn type_text(ty: &Type) -> String {
    quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
        .replace("* const ", "*const ")
        .replace("* mut ", "*mut ")
}
