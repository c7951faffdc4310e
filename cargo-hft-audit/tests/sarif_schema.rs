//! The SARIF output validates against the official SARIF 2.1.0 schema (vendored in
//! `tests/schema`, from the OASIS sarif-spec repository).

mod common;

use cargo_hft_audit::report::sarif;
use cargo_hft_audit::workspace::Selection;
use common::audit_fixture;

const FIXTURES: &[&str] = &[
    "live_types",
    "globals",
    "caches",
    "memoised",
    "long_lived",
    "escapes",
    "allow",
    "layout",
    "bot",
    "renamed",
];

#[test]
fn sarif_output_validates_against_the_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schema/sarif-schema-2.1.0.json"))
            .expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for name in FIXTURES {
        let report = audit_fixture(name, &Selection::default());
        let log: serde_json::Value =
            serde_json::from_str(&sarif::render(&report)).expect("sarif is json");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert_eq!(log["version"], "2.1.0");
    }
}

#[test]
fn the_schema_rejects_a_broken_log() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schema/sarif-schema-2.1.0.json"))
            .expect("schema parses");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let report = audit_fixture("caches", &Selection::default());
    let mut log: serde_json::Value =
        serde_json::from_str(&sarif::render(&report)).expect("sarif is json");
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&log));
}
