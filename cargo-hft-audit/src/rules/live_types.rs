//! HFT001: every live type, and every alias or rename that stands for one.

use crate::diagnostic::{Finding, Rule};
use crate::index::{Index, LiveOrigin};
use crate::source::ParsedFile;

/// The HFT001 findings of target `target`'s selected files.
pub fn findings(index: &Index, files: &[ParsedFile], target: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &index.decls {
        let Some(file) = files
            .get(d.file)
            .filter(|f| f.selected && f.target == target)
        else {
            continue;
        };
        let message = match &d.origin {
            LiveOrigin::Derived => format!("`{}` is live data (derives `Live`)", d.name),
            LiveOrigin::HandImpl => format!(
                "`{}` is live data by a hand-written `Classified` impl (listed for review)",
                d.name
            ),
            LiveOrigin::Alias(desc) => {
                let of = desc
                    .strip_prefix(&format!("`{}` (alias of ", d.name))
                    .and_then(|s| s.strip_suffix(')'))
                    .unwrap_or(desc);
                format!("`{}` is a type alias that holds live data: {of}", d.name)
            }
            LiveOrigin::Rename(of) => {
                format!("`{}` is a `use` rename of live {of}", d.name)
            }
            LiveOrigin::Holder(..) => continue,
        };
        out.push(Finding {
            rule: Rule::LiveType,
            file: file.display.clone(),
            line: d.span.line,
            column: d.span.column,
            end_line: d.span.end_line,
            end_column: d.span.end_column,
            message,
            note: None,
            anchor_line: d.anchor_line,
            snippet: file.line_text(d.span.line).unwrap_or_default().to_string(),
        });
    }
    out
}
