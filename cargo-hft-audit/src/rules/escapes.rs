//! HFT006: the escapes a reviewer must look at: `#[hft(opaque)]` fields, hand-written impls of
//! the policy's traits, and every use of the custom-transport stream writer.

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::{Field, Ident, ItemImpl, Meta, Type};

use super::{anchor, Walker};
use crate::diagnostic::Rule;
use crate::types::{last_name, path_display};

/// The name of the custom-transport stream escape.
pub const CUSTOM_TRANSPORT: &str = "custom_transport_writer";

/// The policy's traits: a hand-written impl of one is an escape from its derive's checks.
pub const POLICY_TRAITS: &[&str] = &[
    "Classified",
    "NoLiveState",
    "ClassMarker",
    "StaticValue",
    "StreamValue",
    "CacheKey",
    "StaticField",
    "StreamedField",
    "StateField",
    "Static",
    "Streamed",
    "Live",
    "NeverCached",
    "NotStreamedInStaticCache",
    "NotStaticInStreamCache",
    "DeclaredValue",
    "KeyNotStreamed",
    "StaticFieldNotLive",
    "StaticFieldNotStreamed",
    "StreamedFieldNotLive",
    "StateNotLive",
    "IsStatic",
    "IsStreamed",
    "IsLive",
    "PublicData",
];

/// `#[hft(opaque)]` on a field.
pub fn check_opaque(w: &mut Walker, f: &Field, anchor_line: usize) {
    for a in f.attrs.iter().filter(|a| a.path().is_ident("hft")) {
        let Meta::List(list) = &a.meta else { continue };
        let opaque = list
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(&t, TokenTree::Ident(i) if i == "opaque"));
        if opaque {
            let field = f
                .ident
                .as_ref()
                .map_or_else(|| "(unnamed)".to_string(), |i| format!("`{i}`"));
            let message =
                format!("`#[hft(opaque)]` on field {field}: its type is not checked for live data");
            w.report(Rule::Escape, a.span(), anchor_line, message);
            // The compiler no longer looks inside: a live type behind an alias goes through.
            if let Some(live) = w.mention_held(&f.ty) {
                let message = format!(
                    "field {field} is `#[hft(opaque)]` but its type holds live data {live}: the compiler does not check it"
                );
                w.report(Rule::LongLived, f.ty.span(), anchor_line, message);
            }
        }
    }
}

/// A hand-written impl of a policy trait.
pub fn check_impl(w: &mut Walker, i: &ItemImpl) {
    let Some((_, path, _)) = &i.trait_ else {
        return;
    };
    let Some(name) = last_name(path) else { return };
    if !POLICY_TRAITS.contains(&name.as_str()) {
        return;
    }
    let unsafety = if i.unsafety.is_some() { "unsafe " } else { "" };
    let self_ty = match &*i.self_ty {
        Type::Path(p) => path_display(&p.path),
        _ => "a type".to_string(),
    };
    let message = format!(
        "hand-written `{unsafety}impl {} for {self_ty}`: an escape from the derive's checks",
        path_display(path)
    );
    let span = i.unsafety.map_or(i.impl_token.span, |u| u.span);
    w.report(Rule::Escape, span, anchor(&i.attrs, span), message);
}

/// Any identifier named like the custom-transport escape (`how`: called, named, imported).
pub fn check_ident(w: &mut Walker, ident: &Ident, how: &str) {
    if ident == CUSTOM_TRANSPORT {
        let line = crate::source::span_range(ident.span()).line;
        let message = format!(
            "custom-transport stream writer `{CUSTOM_TRANSPORT}` {how}: a stream cache written by the user's own transport"
        );
        w.report(Rule::Escape, ident.span(), line, message);
    }
}

/// The tokens of a macro body the audit could not parse, searched for the escape's name.
pub fn scan_tokens(w: &mut Walker, tokens: TokenStream, macro_name: &str) {
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => scan_tokens(w, g.stream(), macro_name),
            TokenTree::Ident(i) if i == CUSTOM_TRANSPORT => {
                check_ident(w, &i, &format!("used inside `{macro_name}!`"));
            }
            _ => {}
        }
    }
}
