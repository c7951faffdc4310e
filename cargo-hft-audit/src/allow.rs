//! Allow comments: `// hft-audit: allow(HFT003) reason` on the line above a finding (or above
//! the attributes of its item, or at the end of its line) silences it, and is listed with its
//! reason. A comment without a reason silences nothing.

use std::collections::HashMap;

use crate::diagnostic::{Allowed, Finding, UnusedAllow};
use crate::source::ParsedFile;

/// The marker an allow comment starts with, after `//`.
pub const MARKER: &str = "hft-audit:";

/// One allow comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowComment {
    /// Its 1-based line.
    pub line: usize,
    /// The codes it names, upper-cased.
    pub codes: Vec<String>,
    /// The text after the closing parenthesis, trimmed.
    pub reason: String,
}

/// Parses `line` as an allow comment (`// hft-audit: allow(HFT002, HFT003) reason`).
pub fn parse_line(line: &str) -> Option<(Vec<String>, String)> {
    let comment = &line[line.find("//")? + 2..];
    let comment = comment.trim_start_matches(['/', '!']).trim_start();
    let rest = comment.strip_prefix(MARKER)?.trim_start();
    let rest = rest.strip_prefix("allow")?.trim_start();
    let rest = rest.strip_prefix('(')?;
    let close = rest.find(')')?;
    let codes = rest[..close]
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    Some((codes, rest[close + 1..].trim().to_string()))
}

/// Every allow comment of a text, by line.
pub fn comments(text: &str) -> HashMap<usize, AllowComment> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(MARKER))
        .filter_map(|(i, l)| {
            let (codes, reason) = parse_line(l)?;
            Some((
                i + 1,
                AllowComment {
                    line: i + 1,
                    codes,
                    reason,
                },
            ))
        })
        .collect()
}

fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

/// Splits `findings` into those that stand and those an allow comment silences; also returns
/// the allow comments that silenced nothing.
pub fn apply(
    findings: Vec<Finding>,
    files: &[ParsedFile],
) -> (Vec<Finding>, Vec<Allowed>, Vec<UnusedAllow>) {
    let by_name: HashMap<&str, &ParsedFile> = files
        .iter()
        .filter(|f| f.selected)
        .map(|f| (f.display.as_str(), f))
        .collect();
    let mut allows: HashMap<&str, HashMap<usize, AllowComment>> = by_name
        .iter()
        .map(|(n, f)| (*n, comments(&f.text)))
        .collect();
    let mut used: HashMap<(String, usize), bool> = HashMap::new();
    let (mut kept, mut allowed) = (Vec::new(), Vec::new());
    for mut f in findings {
        let (Some(file), Some(comments)) =
            (by_name.get(f.file.as_str()), allows.get(f.file.as_str()))
        else {
            kept.push(f);
            continue;
        };
        // The finding's own line, every line from it up to the line above its item, then
        // the comment lines right above that.
        let mut candidates: Vec<usize> = (f.anchor_line.saturating_sub(1)..=f.line).rev().collect();
        let mut l = f.anchor_line.saturating_sub(1);
        while l > 1
            && file.line_text(l - 1).is_some_and(is_comment_line)
            && file.line_text(l).is_some_and(is_comment_line)
        {
            l -= 1;
            candidates.push(l);
        }
        let hit = candidates
            .into_iter()
            .filter_map(|l| comments.get(&l))
            .find(|c| c.codes.iter().any(|c| c == f.rule.code()));
        match hit {
            Some(c) if !c.reason.is_empty() => {
                used.insert((f.file.clone(), c.line), true);
                allowed.push(Allowed {
                    allow_line: c.line,
                    reason: c.reason.clone(),
                    finding: f,
                });
            }
            Some(c) => {
                used.insert((f.file.clone(), c.line), true);
                f.note = Some(format!(
                    "the allow comment on line {} gives no reason, so it does not count",
                    c.line
                ));
                kept.push(f);
            }
            None => kept.push(f),
        }
    }
    let mut unused = Vec::new();
    for (name, comments) in allows.iter_mut() {
        for c in comments.values() {
            if !used.contains_key(&(name.to_string(), c.line)) {
                unused.push(UnusedAllow {
                    file: name.to_string(),
                    line: c.line,
                    codes: c.codes.clone(),
                });
            }
        }
    }
    unused.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    (kept, allowed, unused)
}

#[cfg(test)]
mod tests {
    use super::parse_line;

    #[test]
    fn parses_allow_comments() {
        assert_eq!(
            parse_line("    // hft-audit: allow(HFT003, hft002) replay buffer for back-tests"),
            Some((
                vec!["HFT003".to_string(), "HFT002".to_string()],
                "replay buffer for back-tests".to_string()
            ))
        );
        assert_eq!(
            parse_line("// hft-audit: allow(HFT004)"),
            Some((vec!["HFT004".to_string()], String::new()))
        );
        assert_eq!(parse_line("// hft-audit allow(HFT004) x"), None);
        assert_eq!(parse_line("let x = 1;"), None);
    }
}
