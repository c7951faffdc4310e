//! `cargo hft-audit`: the command line. See the library's documentation for what it reports.

use std::path::PathBuf;
use std::process::ExitCode;

use cargo_hft_audit::report::{self, Format};
use cargo_hft_audit::workspace::{self, Selection, TargetKind};
use clap::Parser;

/// Finds live trading data where the compiler cannot see it: in globals, third-party caches,
/// memoised functions and long-lived structs; lists the policy's escapes for review.
#[derive(Parser, Debug)]
#[command(name = "cargo hft-audit", version, about)]
struct Args {
    /// Path to Cargo.toml (default: the workspace around the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit with status 1 on any finding of rules HFT002-HFT005 and HFT007-HFT008 not allowed by a comment.
    #[arg(long)]
    deny: bool,
    /// Audit only targets of these kinds (repeatable; default: all).
    #[arg(long = "target-kind", value_enum, value_name = "KIND")]
    target_kinds: Vec<TargetKind>,
    /// Audit the examples (same as `--target-kind example`).
    #[arg(long)]
    examples: bool,
    /// Audit the integration tests (same as `--target-kind test`).
    #[arg(long)]
    tests: bool,
    /// Audit the benchmarks (same as `--target-kind bench`).
    #[arg(long)]
    benches: bool,
    /// Audit the binaries (same as `--target-kind bin`).
    #[arg(long)]
    bins: bool,
    /// Audit the libraries (same as `--target-kind lib`).
    #[arg(long)]
    lib: bool,
    /// Audit only these packages (repeatable; default: every workspace member).
    #[arg(short, long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo hft-audit ...` runs `cargo-hft-audit hft-audit ...`.
    if argv.get(1).is_some_and(|a| a == "hft-audit") {
        argv.remove(1);
    }
    let args = Args::parse_from(argv);
    let mut kinds = args.target_kinds.clone();
    for (on, kind) in [
        (args.examples, TargetKind::Example),
        (args.tests, TargetKind::Test),
        (args.benches, TargetKind::Bench),
        (args.bins, TargetKind::Bin),
        (args.lib, TargetKind::Lib),
    ] {
        if on && !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let sel = Selection {
        kinds,
        packages: args.packages.clone(),
    };
    let ws = match workspace::load(args.manifest_path.as_deref(), &sel) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let report = cargo_hft_audit::audit(ws);
    let text = report::render(&report, args.format, args.deny);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => print!("{text}"),
    }
    let denied = report.denied();
    if args.deny && denied > 0 {
        eprintln!(
            "error: hft-audit found {denied} finding{} of rules HFT002-HFT005 and HFT007-HFT008 (--deny)",
            if denied == 1 { "" } else { "s" }
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
