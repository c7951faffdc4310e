//! The audit on the hft-cache workspace itself: it reads every file without trouble, and the
//! examples and tests keep no live data where the compiler cannot see it.

use std::path::Path;

use cargo_hft_audit::workspace::{self, Selection, TargetKind};

fn manifest() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml")
}

#[test]
fn examples_and_tests_have_no_finding_of_rules_2_to_5() {
    let sel = Selection {
        kinds: vec![TargetKind::Example, TargetKind::Test],
        packages: Vec::new(),
    };
    let report =
        cargo_hft_audit::audit(workspace::load(Some(&manifest()), &sel).expect("metadata"));
    let denied: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule.denies())
        .map(|f| format!("{}:{}: {} {}", f.file, f.line, f.rule.code(), f.message))
        .collect();
    assert!(denied.is_empty(), "{denied:#?}");
    assert!(report.files > 0);
}

#[test]
fn the_whole_workspace_is_read() {
    let report = cargo_hft_audit::audit(
        workspace::load(Some(&manifest()), &Selection::default()).expect("metadata"),
    );
    assert!(report.lines > 1_000);
    assert!(
        !report
            .skipped
            .iter()
            .any(|s| s.what.contains("internal error")),
        "{:#?}",
        report.skipped
    );
}
