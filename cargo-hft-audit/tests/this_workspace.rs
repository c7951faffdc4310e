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

/// `HFT_CACHE_LIVE`, the audit's list of hft-cache's own live types, is what hft-cache-core's
/// source declares: every entry resolves, from the crate's root, to a type that derives `Live`
/// or implements `Classified` as Live by hand; and every public such type is listed.
#[test]
fn the_list_of_hft_caches_live_types_matches_the_core_crate() {
    use cargo_hft_audit::index::{Index, Inputs, LiveOrigin, Ns, Res, HFT_CACHE_LIVE};

    let sel = Selection {
        kinds: vec![TargetKind::Lib],
        packages: vec!["hft-cache-core".to_string()],
    };
    let ws = workspace::load(Some(&manifest()), &sel).expect("metadata");
    let core = ws
        .targets
        .iter()
        .position(|t| t.lib && t.crate_name == "hft_cache_core")
        .expect("hft-cache-core's library");
    let index = Index::build(Inputs {
        files: ws
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.target == core)
            .collect(),
        crates: [("hft_cache_core".to_string(), core)].into_iter().collect(),
        hft_names: Vec::new(),
    });
    let root = (core, Vec::new());
    let mut listed = std::collections::HashSet::new();
    for entry in HFT_CACHE_LIVE {
        let mut segs = vec!["crate".to_string()];
        segs.extend(entry.split("::").map(str::to_string));
        let Res::Def(id) = index.resolve(&root, &segs, false, Ns::Type) else {
            panic!("`hft_cache::{entry}` is not a type of hft-cache-core");
        };
        assert!(
            matches!(
                index.origin(id),
                Some(LiveOrigin::Derived | LiveOrigin::HandImpl)
            ),
            "`hft_cache::{entry}` is not live in hft-cache-core"
        );
        listed.insert(id);
    }
    let unlisted: Vec<String> = index
        .defs
        .iter()
        .enumerate()
        .filter(|(id, d)| {
            d.public
                && matches!(
                    index.origin(*id),
                    Some(LiveOrigin::Derived | LiveOrigin::HandImpl)
                )
                && !listed.contains(id)
        })
        .map(|(_, d)| format!("{}::{}", d.module.1.join("::"), d.name))
        .collect();
    assert!(
        unlisted.is_empty(),
        "public live types of hft-cache-core missing from HFT_CACHE_LIVE: {unlisted:?}"
    );
    assert!(listed.len() >= 10);
}
