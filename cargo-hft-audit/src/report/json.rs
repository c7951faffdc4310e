//! The report as JSON: `findings`, `allowed`, `unused_allows`, `skipped`, and counts.

use crate::Report;

/// The report as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("denied".into(), report.denied().into());
        o.insert("tool".into(), env!("CARGO_PKG_NAME").into());
        o.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
