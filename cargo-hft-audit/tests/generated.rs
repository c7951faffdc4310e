//! A generated 10,000-line workspace: every expected finding, in reasonable time.

mod common;

use std::time::Instant;

use cargo_hft_audit::workspace::{self, Selection};

#[test]
fn a_ten_thousand_line_workspace() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-test");
    let _ = std::fs::remove_dir_all(&dir);
    let (manifest, expected) = common::generate(&dir, 10_000);
    let start = Instant::now();
    let ws = workspace::load(Some(&manifest), &Selection::default()).expect("metadata");
    let report = cargo_hft_audit::audit(ws);
    let took = start.elapsed();
    assert!(report.lines >= 10_000, "{} lines", report.lines);
    assert_eq!(report.denied(), expected);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    // A debug build; the benchmark measures the release build.
    assert!(took.as_secs() < 10, "{took:?}");
}
