//! Reading macro bodies: the globals macros, and any body that parses as Rust.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Item, Stmt, Token, Type, Visibility};

use crate::types::last_name;

/// A global declared inside a macro (`thread_local!`, `lazy_static!`, `task_local!`).
pub struct MacroStatic {
    /// How it was declared, e.g. `thread_local!`.
    pub kind: String,
    /// Its name.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its initialiser, when it parsed as an expression.
    pub init: Option<Expr>,
    /// Its first line (attributes included).
    pub anchor: usize,
}

/// What a macro body was read as.
pub enum MacroBody {
    /// Declarations of globals.
    Statics(Vec<MacroStatic>),
    /// Comma-separated expressions (`println!`, `assert_eq!`, `vec!`, ...).
    Exprs(Vec<Expr>),
    /// Statements.
    Stmts(Vec<Stmt>),
    /// Items.
    Items(Vec<Item>),
    /// Nothing the audit understands, and why.
    Unparsed(String),
}

/// Reads the body of `mac`.
pub fn parse(mac: &syn::Macro) -> MacroBody {
    let name = last_name(&mac.path).unwrap_or_default();
    let tokens = mac.tokens.clone();
    match name.as_str() {
        "macro_rules" => return MacroBody::Unparsed("a macro definition".into()),
        "thread_local" | "lazy_static" | "task_local" => {
            let kind = format!("{name}!");
            return match (|input: ParseStream| parse_statics(input, &kind)).parse2(tokens) {
                Ok(s) => MacroBody::Statics(s),
                Err(e) => MacroBody::Unparsed(e.to_string()),
            };
        }
        _ => {}
    }
    if tokens.is_empty() {
        return MacroBody::Exprs(Vec::new());
    }
    if let Ok(p) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone()) {
        return MacroBody::Exprs(p.into_iter().collect());
    }
    let repeat = |input: ParseStream| {
        let a: Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        let b: Expr = input.parse()?;
        Ok(vec![a, b])
    };
    if let Ok(v) = repeat.parse2(tokens.clone()) {
        return MacroBody::Exprs(v);
    }
    if let Ok(items) = syn::parse2::<syn::File>(tokens.clone()) {
        return MacroBody::Items(items.items);
    }
    match syn::Block::parse_within.parse2(tokens) {
        Ok(stmts) => MacroBody::Stmts(stmts),
        Err(_) => MacroBody::Unparsed("not expressions, statements or items".into()),
    }
}

/// `$(#[attr])* $vis static [ref] $name: $ty [= $init];` repeated.
fn parse_statics(input: ParseStream, kind: &str) -> syn::Result<Vec<MacroStatic>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let static_token: Token![static] = input.parse()?;
        let _ = input.parse::<Option<Token![ref]>>()?;
        let ident: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        let mut init_tokens = TokenStream::new();
        if input.parse::<Option<Token![=]>>()?.is_some() {
            while !input.is_empty() && !input.peek(Token![;]) {
                let tt: TokenTree = input.parse()?;
                init_tokens.extend([tt]);
            }
        }
        let _ = input.parse::<Option<Token![;]>>()?;
        let first = attrs
            .first()
            .map(|a| a.span())
            .or_else(|| match &vis {
                Visibility::Inherited => None,
                v => Some(v.span()),
            })
            .unwrap_or(static_token.span);
        out.push(MacroStatic {
            kind: kind.to_string(),
            ident,
            ty,
            init: syn::parse2(init_tokens).ok(),
            anchor: crate::source::span_range(first).line,
        });
    }
    Ok(out)
}

/// One rule of a `macro_rules!`: its matcher and its transcriber.
struct Arm {
    matcher: TokenStream,
    transcriber: TokenStream,
}

fn arms(def: &syn::Macro) -> Vec<Arm> {
    let tts: Vec<TokenTree> = def.tokens.clone().into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tts.len() {
        let (
            Some(TokenTree::Group(m)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Punct(gt)),
            Some(TokenTree::Group(t)),
        ) = (tts.get(i), tts.get(i + 1), tts.get(i + 2), tts.get(i + 3))
        else {
            break;
        };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            break;
        }
        out.push(Arm {
            matcher: m.stream(),
            transcriber: t.stream(),
        });
        i += 4;
        if matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    out
}

/// Whether a matcher or transcriber has a `$( ... )` repetition, which [`expand`] does not do.
fn has_repetition(ts: &TokenStream) -> bool {
    let tts: Vec<TokenTree> = ts.clone().into_iter().collect();
    tts.iter().enumerate().any(|(i, t)| match t {
        TokenTree::Punct(p) if p.as_char() == '$' => {
            matches!(tts.get(i + 1), Some(TokenTree::Group(_)))
        }
        TokenTree::Group(g) => has_repetition(&g.stream()),
        _ => false,
    })
}

type Binds = std::collections::HashMap<String, TokenStream>;

fn fragment(input: ParseStream, kind: &str) -> syn::Result<TokenStream> {
    use quote::ToTokens;
    use syn::ext::IdentExt;
    let grouped = |ts: TokenStream| {
        let g = proc_macro2::Group::new(proc_macro2::Delimiter::None, ts);
        TokenStream::from(TokenTree::Group(g))
    };
    Ok(match kind {
        "ident" => input.call(Ident::parse_any)?.into_token_stream(),
        "ty" => grouped(input.parse::<Type>()?.into_token_stream()),
        "expr" => grouped(input.parse::<Expr>()?.into_token_stream()),
        "path" => grouped(input.parse::<syn::Path>()?.into_token_stream()),
        "tt" => input.parse::<TokenTree>()?.into_token_stream(),
        "literal" => input.parse::<syn::Lit>()?.into_token_stream(),
        "lifetime" => input.parse::<syn::Lifetime>()?.into_token_stream(),
        "vis" => input.parse::<Visibility>()?.into_token_stream(),
        "block" => input.parse::<syn::Block>()?.into_token_stream(),
        "item" => input.parse::<Item>()?.into_token_stream(),
        "stmt" => input.parse::<Stmt>()?.into_token_stream(),
        "pat" => grouped(syn::Pat::parse_single(input)?.into_token_stream()),
        "meta" => input.parse::<syn::Meta>()?.into_token_stream(),
        other => return Err(input.error(format!("fragment `{other}` not supported"))),
    })
}

fn match_tokens(matcher: &TokenStream, input: ParseStream, binds: &mut Binds) -> syn::Result<()> {
    let tts: Vec<TokenTree> = matcher.clone().into_iter().collect();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(kind)),
                ) = (tts.get(i + 1), tts.get(i + 2), tts.get(i + 3))
                else {
                    return Err(input.error("unsupported matcher"));
                };
                if colon.as_char() != ':' {
                    return Err(input.error("unsupported matcher"));
                }
                let ts = fragment(input, &kind.to_string())?;
                binds.insert(name.to_string(), ts);
                i += 4;
            }
            TokenTree::Group(g) => {
                let got: TokenTree = input.parse()?;
                let TokenTree::Group(h) = got else {
                    return Err(input.error("expected a group"));
                };
                if h.delimiter() != g.delimiter() {
                    return Err(input.error("wrong delimiter"));
                }
                let inner = g.stream();
                (|s: ParseStream| match_tokens(&inner, s, binds)).parse2(h.stream())?;
                i += 1;
            }
            t => {
                let got: TokenTree = input.parse()?;
                if got.to_string() != t.to_string() {
                    return Err(input.error("token does not match"));
                }
                i += 1;
            }
        }
    }
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error("tokens left over"))
    }
}

fn transcribe(ts: &TokenStream, binds: &Binds) -> Option<TokenStream> {
    let tts: Vec<TokenTree> = ts.clone().into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tts.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.extend([TokenTree::Ident(Ident::new("crate", name.span()))]);
                    i += 2;
                }
                Some(TokenTree::Ident(name)) => {
                    out.extend(binds.get(&name.to_string())?.clone());
                    i += 2;
                }
                _ => return None,
            },
            TokenTree::Group(g) => {
                let mut ng =
                    proc_macro2::Group::new(g.delimiter(), transcribe(&g.stream(), binds)?);
                ng.set_span(g.span());
                out.extend([TokenTree::Group(ng)]);
                i += 1;
            }
            t => {
                out.extend([t.clone()]);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Expands invocation `call` of the `macro_rules!` definition `def` into items, when one of its
/// arms matches without repetitions and the expansion parses as items.
pub fn expand(def: &syn::Macro, call: &syn::Macro) -> Option<Vec<Item>> {
    for arm in arms(def) {
        if has_repetition(&arm.matcher) || has_repetition(&arm.transcriber) {
            continue;
        }
        let mut binds = Binds::new();
        let matched = (|s: ParseStream| match_tokens(&arm.matcher, s, &mut binds))
            .parse2(call.tokens.clone());
        if matched.is_err() {
            continue;
        }
        let out = transcribe(&arm.transcriber, &binds)?;
        return syn::parse2::<syn::File>(out).ok().map(|f| f.items);
    }
    None
}

/// A `static` written in a `macro_rules!` body with a type that names no macro variable.
pub struct BodyStatic {
    /// Its name.
    pub ident: Ident,
    /// Whether the name is a macro variable (`$name`).
    pub variable: bool,
    /// Its type.
    pub ty: Type,
    /// Whether some arm of the macro has repetitions (then [`expand`] may not see it).
    pub unexpandable: bool,
}

/// The statics of a `macro_rules!` body whose types are written out (no `$`), repetitions
/// and nested groups included.
pub fn body_statics(def: &syn::Macro) -> Vec<BodyStatic> {
    let mut out = Vec::new();
    for arm in arms(def) {
        let unexpandable = has_repetition(&arm.matcher) || has_repetition(&arm.transcriber);
        statics_in(arm.transcriber, unexpandable, &mut out);
    }
    out
}

fn statics_in(ts: TokenStream, unexpandable: bool, out: &mut Vec<BodyStatic>) {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    let mut i = 0;
    while i < tts.len() {
        if let TokenTree::Group(g) = &tts[i] {
            statics_in(g.stream(), unexpandable, out);
            i += 1;
            continue;
        }
        if !matches!(&tts[i], TokenTree::Ident(s) if s == "static") {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while matches!(tts.get(j), Some(TokenTree::Ident(s)) if s == "mut" || s == "ref") {
            j += 1;
        }
        let variable = matches!(tts.get(j), Some(TokenTree::Punct(p)) if p.as_char() == '$');
        if variable {
            j += 1;
        }
        let (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(colon))) =
            (tts.get(j), tts.get(j + 1))
        else {
            i += 1;
            continue;
        };
        if colon.as_char() != ':' {
            i += 1;
            continue;
        }
        let mut k = j + 2;
        let mut ty = TokenStream::new();
        while let Some(t) = tts.get(k) {
            if matches!(t, TokenTree::Punct(p) if p.as_char() == '=' || p.as_char() == ';') {
                break;
            }
            ty.extend([t.clone()]);
            k += 1;
        }
        if !contains_dollar(&ty) {
            if let Ok(ty) = syn::parse2::<Type>(ty) {
                out.push(BodyStatic {
                    ident: name.clone(),
                    variable,
                    ty,
                    unexpandable,
                });
            }
        }
        i = k;
    }
}

fn contains_dollar(ts: &TokenStream) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Punct(p) => p.as_char() == '$',
        TokenTree::Group(g) => contains_dollar(&g.stream()),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item_macro(src: &str) -> syn::Macro {
        let item: syn::ItemMacro = syn::parse_str(src).expect("test macro parses");
        item.mac
    }

    fn call(src: &str) -> syn::Macro {
        syn::parse_str(src).expect("test invocation parses")
    }

    #[test]
    fn expands_a_simple_macro_rules() {
        let def = item_macro(
            "macro_rules! slot { ($n:ident, $t:ty) => { static $n: Mutex<Option<$t>> = Mutex::new(None); }; (x) => {} }",
        );
        let items = expand(&def, &call("slot!(LAST, Vec<Balance>)")).expect("expands");
        let [Item::Static(s)] = items.as_slice() else {
            panic!("one static expected");
        };
        assert_eq!(s.ident, "LAST");
        let ty = &s.ty;
        assert_eq!(
            quote::quote!(#ty).to_string().replace(' ', ""),
            "Mutex<Option<Vec<Balance>>>"
        );
        // The second arm matches its literal token; nothing matches a stranger.
        assert_eq!(expand(&def, &call("slot!(x)")).map(|i| i.len()), Some(0));
        assert!(expand(&def, &call("slot!(1, 2, 3)")).is_none());
    }

    #[test]
    fn repetitions_are_not_expanded_but_their_statics_are_read() {
        let def = item_macro(
            "macro_rules! slots { ($($n:ident),*) => { $(static $n: Vec<Balance> = Vec::new();)* }; }",
        );
        assert!(expand(&def, &call("slots!(A, B)")).is_none());
        let statics = body_statics(&def);
        assert_eq!(statics.len(), 1);
        assert!(statics[0].variable && statics[0].unexpandable);
        assert_eq!(statics[0].ident, "n");
    }
}
