//! SARIF 2.1.0, for code-scanning tools: one run, the six rules, a result per finding (allowed
//! findings carry an in-source suppression with the comment's reason), and the skipped code as
//! tool execution notifications.

use serde_json::{json, Value};

use crate::diagnostic::{Finding, Rule, Severity};
use crate::Report;

/// The schema the output follows.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(rule: Rule) -> &'static str {
    match rule.severity() {
        Severity::Note => "note",
        Severity::Warning => "warning",
    }
}

fn result(f: &Finding) -> Value {
    let rule_index = Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0);
    json!({
        "ruleId": f.rule.code(),
        "ruleIndex": rule_index,
        "level": level(f.rule),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": f.file, "uriBaseId": "%SRCROOT%" },
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": f.end_column,
                }
            }
        }],
    })
}

/// The report as a SARIF 2.1.0 log.
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": { "text": r.summary() },
                "help": { "text": r.help() },
                "defaultConfiguration": { "level": level(*r) },
            })
        })
        .collect();
    let mut results: Vec<Value> = report.findings.iter().map(result).collect();
    for a in &report.allowed {
        let mut r = result(&a.finding);
        r["suppressions"] = json!([{
            "kind": "inSource",
            "justification": a.reason,
        }]);
        results.push(r);
    }
    let notifications: Vec<Value> = report
        .skipped
        .iter()
        .map(|s| {
            let mut region = json!({});
            if s.line > 0 {
                region = json!({ "startLine": s.line });
            }
            json!({
                "level": "note",
                "message": { "text": format!("skipped: {}", s.what) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": s.file, "uriBaseId": "%SRCROOT%" },
                        "region": region,
                    }
                }],
            })
        })
        .map(|mut n| {
            if n["locations"][0]["physicalLocation"]["region"] == json!({}) {
                if let Some(pl) = n["locations"][0]["physicalLocation"].as_object_mut() {
                    pl.remove("region");
                }
            }
            n
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-hft-audit",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/hft-cache",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
