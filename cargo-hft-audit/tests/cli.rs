//! The binary: `cargo hft-audit` argument handling, formats and exit codes.

mod common;

use std::process::Command;

use common::fixture;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-hft-audit"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn deny_fails_on_findings_of_rules_2_to_5() {
    let m = fixture("globals");
    let m = m.to_str().expect("utf-8 path");
    let (code, out) = run(&["hft-audit", "--deny", "--manifest-path", m]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[HFT002]"), "{out}");
    let (code, out) = run(&["hft-audit", "--manifest-path", m]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[HFT002]"), "{out}");
}

#[test]
fn deny_passes_on_notes_only() {
    let m = fixture("escapes");
    let (code, out) = run(&["--deny", "--manifest-path", m.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("note[HFT006]"), "{out}");
}

#[test]
fn examples_only_and_formats() {
    let m = fixture("layout");
    let m = m.to_str().expect("utf-8 path");
    let (code, out) = run(&[
        "hft-audit",
        "--examples",
        "--format",
        "json",
        "--manifest-path",
        m,
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    let files: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files, ["fx-app/examples/ex.rs"]);
    let (code, out) = run(&[
        "--format",
        "sarif",
        "--target-kind",
        "test",
        "--manifest-path",
        m,
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("sarif output");
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn a_bad_manifest_is_an_error_not_a_panic() {
    let (code, _) = run(&["hft-audit", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_eq!(code, 2);
}
