//! The audit's second round on a realistic bot crate (`tests/fixtures/bot`): it reports exactly
//! the planted findings, by code, file and line, and nothing else.
//!
//! Each planted finding is written twice: as a `FIND: CODE` marker at the end of its line in
//! the fixture, and in [`PLANTED`] below; the test checks that the two agree, then that the
//! audit's findings are exactly them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use cargo_hft_audit::workspace::Selection;
use common::audit_fixture;

/// Every planted finding: file, line, code.
const PLANTED: &[(&str, usize, &str)] = &[
    // hft-cache's `test-util` in `[dependencies]`, `ManualClock` and `.clock(..)` outside tests.
    ("Cargo.toml", 14, "HFT007"),
    ("src/clock.rs", 2, "HFT007"),
    ("src/clock.rs", 9, "HFT007"),
    ("src/clock.rs", 11, "HFT007"),
    // A binary crate named like the library sees the library's live types.
    ("src/main.rs", 6, "HFT002"),
    // Every attribute of `cached`, a renamed one, bodies that read live data.
    ("src/memo.rs", 12, "HFT004"),
    ("src/memo.rs", 18, "HFT004"),
    ("src/memo.rs", 23, "HFT004"),
    ("src/memo.rs", 30, "HFT004"),
    ("src/memo.rs", 36, "HFT004"),
    ("src/memo.rs", 43, "HFT004"),
    ("src/memo.rs", 51, "HFT004"),
    // Names resolved through `use`, modules, globs, `crate::` and `super::`.
    ("src/names.rs", 8, "HFT001"),
    ("src/names.rs", 26, "HFT001"),
    ("src/names.rs", 43, "HFT002"),
    ("src/names.rs", 68, "HFT005"),
    ("src/names.rs", 89, "HFT005"),
    // hft-cache's own live types, holders of live data in globals and caches, macro_rules.
    ("src/state.rs", 5, "HFT001"),
    ("src/state.rs", 10, "HFT005"),
    ("src/state.rs", 27, "HFT002"),
    ("src/state.rs", 28, "HFT002"),
    ("src/state.rs", 29, "HFT002"),
    ("src/state.rs", 30, "HFT002"),
    ("src/state.rs", 36, "HFT002"),
    ("src/state.rs", 36, "HFT003"),
    ("src/state.rs", 41, "HFT003"),
    ("src/state.rs", 42, "HFT003"),
    ("src/state.rs", 53, "HFT002"),
    ("src/state.rs", 59, "HFT002"),
    // `#[hft(opaque)]` through a type alias.
    ("src/strategy.rs", 7, "HFT001"),
    ("src/strategy.rs", 15, "HFT006"),
    ("src/strategy.rs", 16, "HFT005"),
    ("src/strategy.rs", 17, "HFT006"),
    // Closures kept in state, spawned tasks and threads, type-erased maps.
    ("src/tasks.rs", 27, "HFT008"),
    ("src/tasks.rs", 38, "HFT008"),
    ("src/tasks.rs", 51, "HFT003"),
    ("src/tasks.rs", 52, "HFT003"),
    ("src/tasks.rs", 64, "HFT003"),
    ("src/tasks.rs", 69, "HFT003"),
    ("src/tasks.rs", 74, "HFT008"),
    ("src/tasks.rs", 82, "HFT008"),
    ("src/tasks.rs", 101, "HFT008"),
    ("src/tasks.rs", 117, "HFT008"),
    ("src/tasks.rs", 124, "HFT003"),
    ("src/tasks.rs", 148, "HFT008"),
    ("src/tasks.rs", 153, "HFT008"),
    ("src/tasks.rs", 156, "HFT008"),
    // The bot's own live types (their collections are not caches).
    ("src/venue.rs", 11, "HFT001"),
    ("src/venue.rs", 21, "HFT001"),
];

type Key = (String, usize, String);

/// The `FIND:` markers of every file of the fixture.
fn markers(root: &Path) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).expect("fixture dir reads") {
                stack.push(e.expect("dir entry").path());
            }
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("fixture file reads");
        let rel = p
            .strip_prefix(root)
            .expect("under the fixture")
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            let Some((_, after)) = line.split_once("FIND:") else {
                continue;
            };
            for code in after.split_whitespace().filter(|w| w.starts_with("HFT")) {
                out.insert((rel.clone(), i + 1, code.to_string()));
            }
        }
    }
    out
}

#[test]
fn the_markers_and_the_list_agree() {
    let root = common::fixture("bot");
    let root = root.parent().expect("fixture dir");
    let listed: BTreeSet<Key> = PLANTED
        .iter()
        .map(|(f, l, c)| (f.to_string(), *l, c.to_string()))
        .collect();
    assert_eq!(
        listed.len(),
        PLANTED.len(),
        "a planted finding is listed twice"
    );
    assert_eq!(markers(root), listed);
}

#[test]
fn the_bot_reports_exactly_what_is_planted() {
    let report = audit_fixture("bot", &Selection::default());
    let found: Vec<Key> = report
        .findings
        .iter()
        .map(|f| (f.file.clone(), f.line, f.rule.code().to_string()))
        .collect();
    let found_set: BTreeSet<Key> = found.iter().cloned().collect();
    assert_eq!(found.len(), found_set.len(), "a finding is reported twice");
    let planted: BTreeSet<Key> = PLANTED
        .iter()
        .map(|(f, l, c)| (f.to_string(), *l, c.to_string()))
        .collect();
    let hits = planted.intersection(&found_set).count();
    let missed: Vec<&Key> = planted.difference(&found_set).collect();
    let extra: Vec<String> = report
        .findings
        .iter()
        .filter(|f| !planted.contains(&(f.file.clone(), f.line, f.rule.code().to_string())))
        .map(|f| format!("{}:{} {} {}", f.file, f.line, f.rule.code(), f.message))
        .collect();
    eprintln!(
        "bot fixture: {} planted, {} found, {hits} right: precision {:.3}, recall {:.3}",
        planted.len(),
        found_set.len(),
        hits as f64 / found_set.len().max(1) as f64,
        hits as f64 / planted.len() as f64,
    );
    assert!(
        missed.is_empty() && extra.is_empty(),
        "missed: {missed:#?}\nextra: {extra:#?}"
    );
    // Nothing was skipped that could hide a finding: only the macro definitions are.
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.what.contains("macro_rules!")),
        "{:#?}",
        report.skipped
    );
    assert!(report.denied() > 0);
}

#[test]
fn messages_name_what_was_found() {
    let report = audit_fixture("bot", &Selection::default());
    let message = |file: &str, line: usize, code: &str| -> String {
        report
            .findings
            .iter()
            .find(|f| f.file == file && f.line == line && f.rule.code() == code)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no {code} at {file}:{line}"))
    };
    // hft-cache's own type, by its path in hft-cache.
    assert!(message("src/state.rs", 30, "HFT002")
        .contains("hft-cache's `exchange::binance::OpenOrders`"));
    // Holders, two levels deep.
    assert!(message("src/state.rs", 28, "HFT002").contains("`Ledger` (holds `Snapshot` (holds"));
    // The renamed attribute of `cached`.
    assert!(message("src/memo.rs", 36, "HFT004")
        .contains("`#[remember]` (`cached`'s `#[cached]`, renamed)"));
    // What the memoised body reads.
    assert!(
        message("src/memo.rs", 43, "HFT004").contains("`fetch_account()` returns `Fresh<Account>`")
    );
    // The expanded macro's static is reported at the invocation.
    assert!(message("src/state.rs", 53, "HFT002").contains("LAST_POSITION"));
    // The capture, by name.
    assert!(message("src/tasks.rs", 74, "HFT008").contains("`account`"));
}

#[test]
fn a_renamed_hft_cache_dependency_is_still_hft_cache() {
    let report = audit_fixture("renamed", &Selection::default());
    let found: Vec<(usize, &str)> = report
        .findings
        .iter()
        .map(|f| (f.line, f.rule.code()))
        .collect();
    assert_eq!(found, [(6, "HFT002"), (7, "HFT002"), (14, "HFT002")]);
}

#[test]
fn a_member_depended_on_under_another_name_is_resolved() {
    let report = audit_fixture("renamed_member", &Selection::default());
    let found: Vec<(&str, usize, &str)> = report
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.rule.code()))
        .collect();
    assert_eq!(
        found,
        [
            ("app/src/lib.rs", 4, "HFT002"),
            ("core/src/lib.rs", 3, "HFT001")
        ]
    );
}
