//! Shared by the tests and the benchmark: auditing a fixture, generating a large workspace.

#![allow(dead_code)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

use cargo_hft_audit::workspace::{self, Selection};
use cargo_hft_audit::{audit, Report};

/// The fixture crate `name` under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("Cargo.toml")
}

/// Audits fixture `name` with `sel`.
pub fn audit_fixture(name: &str, sel: &Selection) -> Report {
    let ws =
        workspace::load(Some(&fixture(name)), sel).expect("cargo metadata runs on the fixture");
    audit(ws)
}

/// Writes a workspace of about `lines` lines under `dir`: one library of many modules full of
/// live and static types, maps, globals, macros and impls. Returns its manifest, and how many
/// findings of rules HFT002-HFT005 it holds.
pub fn generate(dir: &Path, lines: usize) -> (PathBuf, usize) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("temp dir is writable");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"generated\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .expect("write manifest");
    let per_module = 100;
    let modules = lines.div_ceil(per_module).max(1);
    let mut lib = String::from("//! Generated.\nuse hft_cache::{Fresh, Live, Static};\n");
    for m in 0..modules {
        let _ = writeln!(lib, "pub mod m{m};");
        std::fs::write(src.join(format!("m{m}.rs")), module(m)).expect("write module");
    }
    std::fs::write(src.join("lib.rs"), lib).expect("write lib");
    // Each module: one global, one cache field (its struct is then HFT005 too), one memoised fn.
    (dir.join("Cargo.toml"), modules * 4)
}

fn module(m: usize) -> String {
    // About 100 lines.
    let mut s = format!(
        r#"use std::collections::HashMap;
use std::sync::{{Arc, Mutex}};

use hft_cache::{{Fresh, Live, Static}};

#[derive(Live, Debug)]
pub struct Balance{m} {{
    pub asset: String,
    pub free: u64,
    pub locked: u64,
}}

#[derive(Static, Clone, Debug)]
pub struct Rules{m} {{
    pub tick: u64,
    pub step: u64,
}}

pub type Alias{m} = Balance{m};

static LAST{m}: Mutex<Option<Alias{m}>> = Mutex::new(None);

pub struct Holder{m} {{
    pub rules: HashMap<String, Rules{m}>,
    pub cache: moka::sync::Cache<String, Arc<Balance{m}>>,
}}

#[cached::proc_macro::cached(time = 1)]
pub fn balance{m}(asset: String) -> Fresh<Balance{m}> {{
    todo!()
}}

impl Holder{m} {{
    pub fn rules(&self, symbol: &str) -> Option<&Rules{m}> {{
        self.rules.get(symbol)
    }}

    pub fn decide(&self, b: &Fresh<Balance{m}>) -> Result<u64, String> {{
        let scratch: HashMap<String, u64> = HashMap::new();
        let total = scratch.values().sum::<u64>();
        match b.read() {{
            Ok(v) if v.free > total => Ok(v.free - total),
            Ok(_) => Err(format!("not enough {{}}", symbol_name({m}))),
            Err(e) => Err(e.to_string()),
        }}
    }}
}}
"#
    );
    let mut n = s.lines().count();
    let mut i = 0;
    while n + 6 <= 100 {
        let _ = write!(
            s,
            "\npub fn helper{m}_{i}(x: u64) -> u64 {{\n    let y = x.wrapping_mul({i} + 1);\n    assert!(y >= 0, \"{{}}\", y);\n    y ^ {m}\n}}\n"
        );
        n += 6;
        i += 1;
    }
    while n < 100 {
        s.push_str("// filler\n");
        n += 1;
    }
    s.push_str("pub fn symbol_name(m: usize) -> String {\n    format!(\"SYM{m}\")\n}\n");
    s
}
