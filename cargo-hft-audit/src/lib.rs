//! `cargo hft-audit`: the part of the hft-cache policy's code-review checklist that no trait
//! bound can reach, automated.
//!
//! The type system already keeps live data out of hft-cache's own caches and out of
//! `NoLiveState` structs. This tool parses a workspace's sources with syn and reports what the
//! compiler cannot see:
//!
//! | code | severity | finds |
//! | --- | --- | --- |
//! | HFT001 | note | live types: `#[derive(Live)]`, hand-written `Classified` impls of class Live, hft-cache's own ([`index::HFT_CACHE_LIVE`]), and aliases and renames of them |
//! | HFT002 | warning | live data (or a struct holding it) in globals: `static`, `thread_local!`, `lazy_static!`, `Lazy`/`LazyLock`/`OnceLock`/`OnceCell`, `macro_rules!` statics |
//! | HFT003 | warning | third-party caches and maps holding live data, in fields, globals and locals that escape into `self`; live values in type-erased maps |
//! | HFT004 | warning | memoised functions (`#[cached]`, `#[once]`, `#[io_cached]`, `#[concurrent_cached]`, renamed or not, `#[memoize]`, ...) returning or reading live data |
//! | HFT005 | warning | types holding live data that derive neither `NoLiveState` nor `Live`; `#[hft(opaque)]` fields hiding live data |
//! | HFT006 | note | escapes for review: `#[hft(opaque)]`, hand-written policy-trait impls, `custom_transport_writer` |
//! | HFT007 | warning | test-only time in production code: `test-util` in `[dependencies]`, `ManualClock`, `.clock(..)` |
//! | HFT008 | warning | live data captured by closures kept in long-lived state or moved into spawned tasks and threads |
//!
//! ```no_run
//! use cargo_hft_audit::{audit, workspace};
//!
//! let ws = workspace::load(None, &workspace::Selection::default())?;
//! let report = audit(ws);
//! print!("{}", cargo_hft_audit::report::human::render(&report, false));
//! assert_eq!(report.denied(), 0);
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod allow;
pub mod diagnostic;
pub mod index;
pub mod macros;
pub mod report;
pub mod rules;
pub mod source;
pub mod types;
pub mod workspace;

use serde::Serialize;

use diagnostic::{Allowed, Finding, Skipped, UnusedAllow};
use index::{Index, Inputs};
use rules::Walker;
use workspace::{TargetKind, Workspace};

/// The result of an audit.
#[derive(Debug, Serialize)]
pub struct Report {
    /// How many files were read.
    pub files: usize,
    /// How many lines they have.
    pub lines: usize,
    /// Findings not silenced, sorted by file, line, column and code.
    pub findings: Vec<Finding>,
    /// Findings silenced by an allow comment, with its reason.
    pub allowed: Vec<Allowed>,
    /// Allow comments that silenced nothing.
    pub unused_allows: Vec<UnusedAllow>,
    /// Code not looked inside: files that do not parse, modules not found, macro bodies.
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// How many findings fail the run under `--deny` (rules HFT002-HFT005 and HFT007-HFT008).
    pub fn denied(&self) -> usize {
        self.findings.iter().filter(|f| f.rule.denies()).count()
    }
}

/// Audits the selected files of `ws`.
pub fn audit(ws: Workspace) -> Report {
    let report = audit_files(&ws);
    drop(ws);
    // The syntax trees are gone and every position is now a number: free the parser's
    // per-thread source map, which would otherwise grow with every audit in this thread.
    proc_macro2::extra::invalidate_current_thread_spans();
    report
}

/// The libraries target `t`'s package depends on under another name, by that name.
fn renamed_libs(ws: &Workspace, t: usize) -> Vec<(String, usize)> {
    let Some(pkg) = ws.targets.get(t).and_then(|tt| ws.packages.get(tt.package)) else {
        return Vec::new();
    };
    pkg.renamed_deps
        .iter()
        .filter_map(|(name, member)| {
            let lib = ws
                .targets
                .iter()
                .position(|tt| tt.lib && tt.package == *member)?;
            Some((name.clone(), lib))
        })
        .collect()
}

fn audit_files(ws: &Workspace) -> Report {
    let mut findings = Vec::new();
    // Only what was skipped in the audited files: a broken file of another target is not news.
    let selected_files: std::collections::HashSet<&str> = ws
        .files
        .iter()
        .filter(|f| f.selected)
        .map(|f| f.display.as_str())
        .collect();
    let mut skipped: Vec<Skipped> = ws
        .skipped
        .iter()
        .filter(|s| selected_files.contains(s.file.as_str()))
        .cloned()
        .collect();
    // A target sees the live types of its own files and of the libraries it depends on.
    for t in 0..ws.targets.len() {
        if !ws.files.iter().any(|f| f.target == t && f.selected) {
            continue;
        }
        let index = Index::build(Inputs {
            files: ws
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| ws.visible(t, f))
                .collect(),
            crates: ws
                .targets
                .iter()
                .enumerate()
                .filter(|(i, tt)| tt.lib && (*i == t || ws.visible_target(t, *i)))
                .map(|(i, tt)| (tt.crate_name.clone(), i))
                .chain(renamed_libs(ws, t))
                .collect(),
            hft_names: ws
                .targets
                .get(t)
                .and_then(|tt| ws.packages.get(tt.package))
                .map(|p| p.hft_names.clone())
                .unwrap_or_default(),
        });
        findings.extend(rules::live_types::findings(&index, &ws.files, t));
        let production = ws
            .targets
            .get(t)
            .is_some_and(|tt| !matches!(tt.kind, Some(TargetKind::Test | TargetKind::Bench)));
        for f in ws.files.iter().filter(|f| f.selected && f.target == t) {
            // A bug in a rule must not cost the rest of the report: the file is listed instead.
            let walk = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                Walker::new(&index, f, production).run()
            }));
            match walk {
                Ok((found, skip)) => {
                    findings.extend(found);
                    skipped.extend(skip);
                }
                Err(_) => skipped.push(Skipped {
                    file: f.display.clone(),
                    line: 0,
                    what: "internal error while auditing this file (please report it)".into(),
                }),
            }
        }
    }
    findings.extend(rules::test_util::manifests(ws));
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule).cmp(&(&b.file, b.line, b.column, b.rule))
    });
    findings.dedup();
    let (findings, allowed, unused_allows) = allow::apply(findings, &ws.files);
    skipped.sort();
    skipped.dedup();
    let selected = ws.files.iter().filter(|f| f.selected);
    Report {
        files: selected.clone().count(),
        lines: selected.map(|f| f.text.lines().count()).sum(),
        findings,
        allowed,
        unused_allows,
        skipped,
    }
}
