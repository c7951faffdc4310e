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
