//! A source file as the audit holds it: its text, its syntax tree, and positions in it.

use std::path::PathBuf;

use proc_macro2::Span;

/// One file of the workspace, parsed once.
pub struct ParsedFile {
    /// The file on disk.
    pub path: PathBuf,
    /// The file relative to the workspace root, with `/` separators: the name in every report.
    pub display: String,
    /// Its text.
    pub text: String,
    /// Its syntax tree; `None` when it does not parse (then it is listed as skipped).
    pub ast: Option<syn::File>,
    /// Whether rules run on it (it belongs to a selected target). Every file feeds the index.
    pub selected: bool,
    /// The index of its target in [`crate::workspace::Workspace::targets`] (the first target
    /// that reached it).
    pub target: usize,
    /// Its module path inside its crate (empty for the crate root).
    pub module: Vec<String>,
}

impl std::fmt::Debug for ParsedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedFile")
            .field("display", &self.display)
            .field("parsed", &self.ast.is_some())
            .field("selected", &self.selected)
            .finish()
    }
}

impl ParsedFile {
    /// The 1-based line `line` of the text, without its line break.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        line.checked_sub(1).and_then(|i| self.text.lines().nth(i))
    }
}

/// A span as 1-based lines and columns (columns in characters; the end is exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanRange {
    /// Start line.
    pub line: usize,
    /// Start column.
    pub column: usize,
    /// End line.
    pub end_line: usize,
    /// End column.
    pub end_column: usize,
}

/// The position of `span` in its file.
pub fn span_range(span: Span) -> SpanRange {
    let (s, e) = (span.start(), span.end());
    SpanRange {
        line: s.line.max(1),
        column: s.column + 1,
        end_line: e.line.max(s.line).max(1),
        end_column: e.column + 1,
    }
}
