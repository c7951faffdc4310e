//! From `cargo metadata` to parsed files: the targets' root files, and every file their `mod`
//! declarations reach (`foo.rs`, `foo/mod.rs`, `#[path = "..."]`, inline modules).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use syn::{Attribute, Item, Lit, Meta};

use crate::diagnostic::Skipped;
use crate::source::{span_range, ParsedFile};

/// A kind of cargo target, for `--target-kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetKind {
    /// A library (also proc-macro, cdylib, ...).
    Lib,
    /// A binary.
    Bin,
    /// An example.
    Example,
    /// An integration test.
    Test,
    /// A benchmark.
    Bench,
    /// A build script.
    Build,
}

impl TargetKind {
    fn of(kinds: &[cargo_metadata::TargetKind]) -> Option<TargetKind> {
        use cargo_metadata::TargetKind as K;
        kinds.iter().find_map(|k| match k {
            K::Lib | K::RLib | K::DyLib | K::CDyLib | K::StaticLib | K::ProcMacro => {
                Some(TargetKind::Lib)
            }
            K::Bin => Some(TargetKind::Bin),
            K::Example => Some(TargetKind::Example),
            K::Test => Some(TargetKind::Test),
            K::Bench => Some(TargetKind::Bench),
            K::CustomBuild => Some(TargetKind::Build),
            _ => None,
        })
    }
}

/// Which targets the rules run on. Empty lists mean all. Every target of the workspace is
/// still read, so that live types declared in a library are known in its examples.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Target kinds to audit.
    pub kinds: Vec<TargetKind>,
    /// Packages to audit, by name.
    pub packages: Vec<String>,
}

/// A root file of a target, and whether the rules run on what it reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    /// The target's root source file.
    pub path: PathBuf,
    /// Whether it is selected.
    pub selected: bool,
    /// Its index in [`Workspace::targets`].
    pub target: usize,
}

/// A target of a workspace member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Its package's index in [`Workspace::packages`].
    pub package: usize,
    /// Whether it is the package's library.
    pub lib: bool,
    /// Its crate name (`-` spelled `_`), as other crates write it in paths.
    pub crate_name: String,
    /// Its kind, when cargo reports one the audit knows.
    pub kind: Option<TargetKind>,
}

/// A workspace member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// The members its library depends on, directly or not (indices into the package list).
    pub lib_deps: Vec<usize>,
    /// The members its other targets depend on: dev-dependencies too.
    pub all_deps: Vec<usize>,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// The names its code gives the hft-cache crates (`hft_cache`, or a rename).
    pub hft_names: Vec<String>,
    /// The hft-cache dependencies of `[dependencies]` (not dev-dependencies) that turn on the
    /// `test-util` feature, by dependency name.
    pub test_util_deps: Vec<String>,
    /// Workspace members it depends on under another name: (the name in code, the member).
    pub renamed_deps: Vec<(String, usize)>,
}

/// The crates whose `test-util` feature and types are hft-cache's.
pub const HFT_CRATES: &[&str] = &["hft-cache", "hft-cache-core"];

impl Workspace {
    /// Whether library target `lib` is visible from target `t`: its package's library or a
    /// library it depends on.
    pub fn visible_target(&self, t: usize, lib: usize) -> bool {
        let (Some(target), Some(other)) = (self.targets.get(t), self.targets.get(lib)) else {
            return false;
        };
        if !other.lib {
            return false;
        }
        if other.package == target.package {
            return true;
        }
        self.packages.get(target.package).is_some_and(|p| {
            let deps = if target.lib { &p.lib_deps } else { &p.all_deps };
            deps.contains(&other.package)
        })
    }

    /// Whether the live types declared in `file` are known in target `t`: the target's own
    /// files, its package's library, and the libraries it depends on.
    pub fn visible(&self, t: usize, file: &ParsedFile) -> bool {
        if file.target == t {
            return true;
        }
        let (Some(target), Some(other)) = (self.targets.get(t), self.targets.get(file.target))
        else {
            return false;
        };
        if !other.lib {
            return false;
        }
        if other.package == target.package {
            return true;
        }
        self.packages.get(target.package).is_some_and(|p| {
            let deps = if target.lib { &p.lib_deps } else { &p.all_deps };
            deps.contains(&other.package)
        })
    }
}

/// The workspace's files, parsed, and what could not be read.
#[derive(Debug)]
pub struct Workspace {
    /// The workspace root: every reported path is relative to it.
    pub root: PathBuf,
    /// The workspace members.
    pub packages: Vec<Package>,
    /// Their targets.
    pub targets: Vec<Target>,
    /// Every file reached from a target root, each once.
    pub files: Vec<ParsedFile>,
    /// Files and modules that could not be read or parsed.
    pub skipped: Vec<Skipped>,
}

/// What `cargo metadata` says: the workspace root, its members, their targets, and the
/// targets' root files.
pub struct Layout {
    /// The workspace root.
    pub root: PathBuf,
    /// The members.
    pub packages: Vec<Package>,
    /// Their targets.
    pub targets: Vec<Target>,
    /// The targets' root files.
    pub roots: Vec<Root>,
}

fn closure(start: &[usize], normal: &[Vec<usize>], me: usize) -> Vec<usize> {
    let mut deps = Vec::new();
    let mut stack = start.to_vec();
    while let Some(d) = stack.pop() {
        if d != me && !deps.contains(&d) {
            deps.push(d);
            stack.extend(normal.get(d).into_iter().flatten().copied());
        }
    }
    deps.sort_unstable();
    deps
}

/// Runs `cargo metadata --no-deps` on `manifest_path` (or the current directory): the
/// workspace root, the members, and the target roots.
pub fn roots(manifest_path: Option<&Path>, sel: &Selection) -> anyhow::Result<Layout> {
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.no_deps();
    if let Some(p) = manifest_path {
        cmd.manifest_path(p);
    }
    let meta = cmd.exec().context("`cargo metadata` failed")?;
    let members = meta.workspace_packages();
    let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
    let deps_of = |p: &cargo_metadata::Package, dev: bool| -> Vec<usize> {
        p.dependencies
            .iter()
            .filter(|d| dev || d.kind != cargo_metadata::DependencyKind::Development)
            .filter_map(|d| names.iter().position(|n| *n == d.name))
            .collect()
    };
    let normal: Vec<Vec<usize>> = members.iter().map(|p| deps_of(p, false)).collect();
    let packages = members
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let hft = p
                .dependencies
                .iter()
                .filter(|d| HFT_CRATES.contains(&d.name.as_str()));
            let mut hft_names: Vec<String> = hft
                .clone()
                .map(|d| d.rename.as_ref().unwrap_or(&d.name).replace('-', "_"))
                .collect();
            hft_names.sort();
            hft_names.dedup();
            let test_util_deps = hft
                .filter(|d| d.kind != cargo_metadata::DependencyKind::Development)
                .filter(|d| d.features.iter().any(|f| f == "test-util"))
                .map(|d| d.rename.as_ref().unwrap_or(&d.name).clone())
                .collect();
            let renamed_deps = p
                .dependencies
                .iter()
                .filter_map(|d| {
                    let rename = d.rename.as_ref()?;
                    let member = names.iter().position(|n| *n == d.name)?;
                    Some((rename.replace('-', "_"), member))
                })
                .collect();
            Package {
                renamed_deps,
                name: names[i].to_string(),
                lib_deps: closure(&normal[i], &normal, i),
                all_deps: closure(&deps_of(p, true), &normal, i),
                manifest: p.manifest_path.clone().into_std_path_buf(),
                hft_names,
                test_util_deps,
            }
        })
        .collect();
    let mut roots = Vec::new();
    let mut targets = Vec::new();
    for (pi, pkg) in members.iter().enumerate() {
        let pkg_selected = sel.packages.is_empty() || sel.packages.iter().any(|p| **p == *pkg.name);
        for t in &pkg.targets {
            let kind = TargetKind::of(&t.kind);
            let kind_selected =
                sel.kinds.is_empty() || kind.is_some_and(|k| sel.kinds.contains(&k));
            roots.push(Root {
                path: t.src_path.clone().into_std_path_buf(),
                selected: pkg_selected && kind_selected,
                target: targets.len(),
            });
            targets.push(Target {
                package: pi,
                lib: kind == Some(TargetKind::Lib),
                crate_name: t.name.replace('-', "_"),
                kind,
            });
        }
    }
    Ok(Layout {
        root: meta.workspace_root.into_std_path_buf(),
        packages,
        targets,
        roots,
    })
}

/// Loads the workspace of `manifest_path`.
pub fn load(manifest_path: Option<&Path>, sel: &Selection) -> anyhow::Result<Workspace> {
    Ok(load_layout(roots(manifest_path, sel)?))
}

/// Reads and parses every file reachable from `roots`; a file reached from a selected root is
/// selected.
pub fn load_layout(layout: Layout) -> Workspace {
    let Layout {
        root,
        packages,
        targets,
        mut roots,
    } = layout;
    let root = root.as_path();
    // Selected roots first, so that a file shared with an unselected target is selected.
    roots.sort_by_key(|r| !r.selected);
    let mut ws = Workspace {
        root: root.to_path_buf(),
        packages,
        targets,
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let mut seen = HashSet::new();
    for r in roots {
        let mut stack = vec![(r.path, true, Vec::new())];
        while let Some((path, mod_rs, module)) = stack.pop() {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            let display = display_path(root, &path);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    ws.skipped.push(Skipped {
                        file: display,
                        line: 0,
                        what: format!("file not read: {e}"),
                    });
                    continue;
                }
            };
            let ast = match syn::parse_file(&text) {
                Ok(ast) => Some(ast),
                Err(e) => {
                    ws.skipped.push(Skipped {
                        file: display.clone(),
                        line: span_range(e.span()).line,
                        what: format!("file does not parse, not audited: {e}"),
                    });
                    None
                }
            };
            if let Some(ast) = &ast {
                let dir = child_dir(&path, mod_rs);
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut found = Vec::new();
                modules(
                    &ast.items,
                    &dir,
                    &base,
                    &display,
                    &module,
                    &mut found,
                    &mut ws.skipped,
                );
                stack.extend(found);
            }
            ws.files.push(ParsedFile {
                path,
                display,
                text,
                ast,
                selected: r.selected,
                target: r.target,
                module,
            });
        }
    }
    ws
}

/// The file's path relative to the workspace root, with `/` separators.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where the modules a file declares live: beside it for a crate root or `mod.rs`, in a
/// directory named after it otherwise.
fn child_dir(file: &Path, mod_rs: bool) -> PathBuf {
    let parent = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if mod_rs {
        parent
    } else {
        match file.file_stem() {
            Some(stem) => parent.join(stem),
            None => parent,
        }
    }
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// Pushes the files of the `mod name;` declarations in `items` onto `stack`.
fn modules(
    items: &[Item],
    dir: &Path,
    path_base: &Path,
    display: &str,
    module: &[String],
    stack: &mut Vec<(PathBuf, bool, Vec<String>)>,
    skipped: &mut Vec<Skipped>,
) {
    for item in items {
        let Item::Mod(m) = item else { continue };
        let name = m.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let mut path = module.to_vec();
        path.push(name.to_string());
        match &m.content {
            Some((_, inner)) => {
                let sub = dir.join(name);
                let base = match path_attr(&m.attrs) {
                    Some(p) => path_base.join(p),
                    None => sub.clone(),
                };
                modules(inner, &sub, &base, display, &path, stack, skipped);
            }
            None => {
                if let Some(p) = path_attr(&m.attrs) {
                    let file = path_base.join(&p);
                    if file.is_file() {
                        stack.push((file, true, path));
                        continue;
                    }
                    skipped.push(Skipped {
                        file: display.to_string(),
                        line: span_range(m.ident.span()).line,
                        what: format!("module `{name}`: `#[path = \"{p}\"]` file not found"),
                    });
                    continue;
                }
                let flat = dir.join(format!("{name}.rs"));
                let nested = dir.join(name).join("mod.rs");
                if flat.is_file() {
                    stack.push((flat, false, path));
                } else if nested.is_file() {
                    stack.push((nested, true, path));
                } else {
                    skipped.push(Skipped {
                        file: display.to_string(),
                        line: span_range(m.ident.span()).line,
                        what: format!(
                            "module `{name}`: neither `{name}.rs` nor `{name}/mod.rs` found (generated, or behind a `cfg`?)"
                        ),
                    });
                }
            }
        }
    }
}
