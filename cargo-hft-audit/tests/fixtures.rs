//! The audit on the fixture crates, checked with snapshots.

mod common;

use cargo_hft_audit::report::{human, json, sarif};
use cargo_hft_audit::workspace::{Selection, TargetKind};
use common::audit_fixture;

fn human_of(name: &str) -> String {
    human::render(&audit_fixture(name, &Selection::default()), false)
}

#[test]
fn live_types() {
    insta::assert_snapshot!(human_of("live_types"));
}

#[test]
fn globals() {
    insta::assert_snapshot!(human_of("globals"));
}

#[test]
fn caches() {
    insta::assert_snapshot!(human_of("caches"));
}

#[test]
fn memoised() {
    insta::assert_snapshot!(human_of("memoised"));
}

#[test]
fn long_lived() {
    insta::assert_snapshot!(human_of("long_lived"));
}

#[test]
fn escapes() {
    insta::assert_snapshot!(human_of("escapes"));
}

#[test]
fn allow_comments() {
    insta::assert_snapshot!(human_of("allow"));
}

#[test]
fn layout() {
    insta::assert_snapshot!(human_of("layout"));
}

#[test]
fn layout_examples_only() {
    let sel = Selection {
        kinds: vec![TargetKind::Example],
        packages: Vec::new(),
    };
    insta::assert_snapshot!(human::render(&audit_fixture("layout", &sel), true));
}

#[test]
fn layout_one_package() {
    let sel = Selection {
        kinds: Vec::new(),
        packages: vec!["fx-app".to_string()],
    };
    let report = audit_fixture("layout", &sel);
    assert!(report
        .findings
        .iter()
        .all(|f| f.file.starts_with("fx-app/")));
    assert_eq!(report.denied(), 3);
}

#[test]
fn allow_json() {
    let report = audit_fixture("allow", &Selection::default());
    let v: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("json parses");
    insta::assert_json_snapshot!(v);
}

#[test]
fn caches_sarif() {
    let report = audit_fixture("caches", &Selection::default());
    let v: serde_json::Value = serde_json::from_str(&sarif::render(&report)).expect("sarif parses");
    insta::assert_json_snapshot!(v);
}
