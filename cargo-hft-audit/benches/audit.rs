//! `cargo bench -p cargo-hft-audit`: the audit of a generated 10,000-line workspace, whole
//! (`cargo metadata`, reading, parsing, both passes) and without the `cargo metadata` call.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use cargo_hft_audit::workspace::{self, Selection};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-bench");
    let _ = std::fs::remove_dir_all(&dir);
    let (manifest, expected) = common::generate(&dir, 10_000);
    let sel = Selection::default();
    let check = cargo_hft_audit::audit(workspace::load(Some(&manifest), &sel).expect("metadata"));
    assert!(check.lines >= 10_000);
    assert_eq!(check.denied(), expected);
    eprintln!(
        "generated workspace: {} files, {} lines",
        check.files, check.lines
    );

    let mut g = c.benchmark_group("audit_10k_lines");
    g.sample_size(20);
    g.bench_function("whole (cargo metadata + read + parse + rules)", |b| {
        b.iter(|| {
            let ws = workspace::load(Some(&manifest), &sel).expect("metadata");
            black_box(cargo_hft_audit::audit(ws))
        })
    });
    let layout = || workspace::roots(Some(&manifest), &sel).expect("metadata");
    g.bench_function("read + parse + rules", |b| {
        b.iter_batched(
            layout,
            |l| black_box(cargo_hft_audit::audit(workspace::load_layout(l))),
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
