//! HFT005: a struct or enum that holds live data in a field but derives neither `NoLiveState`
//! (then the compiler would refuse the field) nor `Live` (then it would be live data itself,
//! never cloned and never cached).

use syn::{Attribute, Field, Ident};

use super::Walker;
use crate::diagnostic::Rule;
use crate::index::{derives, derives_class_or_state};

/// Checks one struct, enum or union.
pub fn check_type<'f>(
    w: &mut Walker,
    kind: &str,
    ident: &Ident,
    attrs: &[Attribute],
    anchor: usize,
    fields: impl Iterator<Item = &'f Field>,
) {
    if derives_class_or_state(&derives(attrs)) {
        return;
    }
    let mut live_fields = Vec::new();
    for (i, f) in fields.enumerate() {
        if let Some(m) = w.mention(&f.ty) {
            let name = f
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), |id| id.to_string());
            live_fields.push((name, m));
        }
    }
    let Some((first, live)) = live_fields.first() else {
        return;
    };
    let more = match live_fields.len() {
        1 => String::new(),
        n => format!(
            " (and {} more field{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    let message = format!(
        "{kind} `{ident}` holds live data {live} in field `{first}`{more} and does not derive `NoLiveState`: if it is long-lived, derive `NoLiveState`; if it is a transient bundle of live data, derive `Live`"
    );
    w.report(Rule::LongLived, ident.span(), anchor, message);
}
