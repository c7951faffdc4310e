//! rustc-style diagnostics.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::diagnostic::{Finding, Severity};
use crate::Report;

/// The report as rustc-style text; with `deny`, warnings are shown as errors.
pub fn render(report: &Report, deny: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let level = match (f.rule.severity(), deny) {
            (Severity::Note, _) => "note",
            (Severity::Warning, false) => "warning",
            (Severity::Warning, true) => "error",
        };
        finding(&mut out, level, f);
        if let Some(n) = &f.note {
            let _ = writeln!(out, "   = note: {n}");
        }
        let _ = writeln!(out, "   = help: {}", f.rule.help());
        out.push('\n');
    }
    if !report.allowed.is_empty() {
        let _ = writeln!(out, "allowed by comment:");
        for a in &report.allowed {
            let f = &a.finding;
            let _ = writeln!(
                out,
                "  {}:{}:{}: {} {} (allowed on line {}: {})",
                f.file,
                f.line,
                f.column,
                f.rule.code(),
                f.message,
                a.allow_line,
                a.reason
            );
        }
        out.push('\n');
    }
    if !report.unused_allows.is_empty() {
        let _ = writeln!(out, "allow comments that silence nothing:");
        for u in &report.unused_allows {
            let _ = writeln!(
                out,
                "  {}:{}: allow({})",
                u.file,
                u.line,
                u.codes.join(", ")
            );
        }
        out.push('\n');
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "skipped (not audited):");
        // One line per file and kind of skip, with the first line and a count.
        let mut groups: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
        for s in &report.skipped {
            let e = groups.entry((&s.file, &s.what)).or_insert((s.line, 0));
            e.0 = e.0.min(s.line);
            e.1 += 1;
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by_key(|((file, _), (line, _))| (*file, *line));
        for ((file, what), (line, n)) in groups {
            let more = if n > 1 {
                format!(" (x{n})")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {file}:{line}: {what}{more}");
        }
        out.push('\n');
    }
    let count = |sev| {
        report
            .findings
            .iter()
            .filter(|f| f.rule.severity() == sev)
            .count()
    };
    let _ = writeln!(
        out,
        "hft-audit: {} files, {} lines: {} finding{} of rules HFT002-HFT005 and HFT007-HFT008, {} note{}, {} allowed, {} skipped",
        report.files,
        report.lines,
        count(Severity::Warning),
        plural(count(Severity::Warning)),
        count(Severity::Note),
        plural(count(Severity::Note)),
        report.allowed.len(),
        report.skipped.len()
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn finding(out: &mut String, level: &str, f: &Finding) {
    let width = f.line.to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{level}[{}]: {}", f.rule.code(), f.message);
    let _ = writeln!(out, "{pad}--> {}:{}:{}", f.file, f.line, f.column);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {}", f.line, f.snippet);
    let line_len = f.snippet.chars().count() + 1;
    let end = if f.end_line == f.line {
        f.end_column.min(line_len)
    } else {
        line_len
    };
    let carets = end.saturating_sub(f.column).max(1);
    let _ = writeln!(
        out,
        "{pad} | {}{}",
        " ".repeat(f.column.saturating_sub(1)),
        "^".repeat(carets)
    );
}
