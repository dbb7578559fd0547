//! The source keeps its layers: each top-level module imports only the modules below it in
//! [`LAYERS`] (the order `lib.rs` and `docs/architecture.md` give), and no two source files
//! import each other, directly or round a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may use the ones before it, never the ones after it.
const LAYERS: &[&str] = &[
    "error",
    "config",
    "telemetry",
    "domain",
    "store",
    "auth",
    "cache",
    "state",
    "service",
    "import",
    "http",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every source file but the crate roots, as (module path, text without comments).
fn modules() -> BTreeMap<Vec<String>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src()).expect("under src");
        let mut parts: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts == ["main"] {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let code: String = text
            .lines()
            .map(|l| match l.find("//") {
                Some(i) => &l[..i],
                None => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(parts, code);
    }
    out
}

/// The paths a file names through `crate::` or `super::`, as absolute module paths (each
/// possibly ending in an item name). `use crate::{a::b, c}` groups are expanded.
fn named_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let (root, skip) = if rest.starts_with("crate::") {
            (Vec::new(), 7)
        } else if rest.starts_with("super::") {
            let mut parent = module.to_vec();
            parent.pop();
            (parent, 7)
        } else {
            i += 1;
            continue;
        };
        if i > 0 && ident(bytes[i - 1]) {
            i += 1;
            continue;
        }
        let mut j = i + skip;
        let mut path = root.clone();
        loop {
            if j < bytes.len() && bytes[j] == '{' {
                // A group: each comma-separated entry at depth one continues the path.
                let mut depth = 0;
                let mut entry = String::new();
                while j < bytes.len() {
                    let c = bytes[j];
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if (c == ',' && depth == 1) || (c == '}' && depth == 0) {
                        let first: Vec<String> = entry
                            .trim()
                            .split("::")
                            .map(|s| s.trim().to_string())
                            .take_while(|s| !s.is_empty() && s.chars().all(ident))
                            .collect();
                        if !first.is_empty() && first[0] != "self" {
                            let mut p = path.clone();
                            p.extend(first);
                            out.push(p);
                        }
                        entry.clear();
                        if depth == 0 {
                            break;
                        }
                    } else if !(c == '{' && depth == 1) {
                        entry.push(c);
                    }
                    j += 1;
                }
                path.truncate(root.len());
                break;
            }
            let start = j;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            if j > start {
                path.push(bytes[start..j].iter().collect());
            }
            if j + 1 < bytes.len() && bytes[j] == ':' && bytes[j + 1] == ':' {
                j += 2;
                continue;
            }
            break;
        }
        if path.len() > root.len() {
            out.push(path);
        }
        i = j.max(i + 1);
    }
    out
}

/// The longest known module that `path` starts with.
fn resolve<'a>(known: &'a BTreeMap<Vec<String>, String>, path: &[String]) -> Option<&'a [String]> {
    (1..=path.len())
        .rev()
        .find_map(|n| known.get_key_value(&path[..n]).map(|(k, _)| k.as_slice()))
}

fn rank(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == module)
        .unwrap_or_else(|| panic!("the top-level module `{module}` is missing from LAYERS"))
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let mods = modules();
    let mut upward = BTreeSet::new();
    for (module, code) in &mods {
        let own = rank(&module[0]);
        for path in named_paths(module, code) {
            let Some(target) = path.first() else { continue };
            if !LAYERS.contains(&target.as_str()) || *target == module[0] {
                // Re-exports at the crate root (`crate::Config`) and items of lib.rs.
                continue;
            }
            if rank(target) > own {
                upward.insert(format!("{} uses {}", module.join("::"), path.join("::")));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up the layers:\n{}",
        upward.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn no_source_files_import_each_other_in_a_circle() {
    let mods = modules();
    let mut edges: BTreeMap<&[String], BTreeSet<&[String]>> = BTreeMap::new();
    for (module, code) in &mods {
        for path in named_paths(module, code) {
            let Some(target) = resolve(&mods, &path) else {
                continue;
            };
            // A module naming its own parent (`super::Item` from a child file) is not an
            // arrow between files: the parent is where the child is declared.
            if target != module.as_slice() && !module.starts_with(target) {
                edges.entry(module).or_default().insert(target);
            }
        }
    }
    // Tarjan's strongly connected components; any with two or more files is a circle.
    struct Walk<'a> {
        edges: &'a BTreeMap<&'a [String], BTreeSet<&'a [String]>>,
        index: BTreeMap<&'a [String], usize>,
        low: BTreeMap<&'a [String], usize>,
        stack: Vec<&'a [String]>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a [String]) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for &w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    group.push(w.join("::"));
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.circles.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        circles: Vec::new(),
    };
    for module in mods.keys() {
        if !walk.index.contains_key(module.as_slice()) {
            walk.visit(module);
        }
    }
    assert!(
        walk.circles.is_empty(),
        "source files that import each other: {:?}",
        walk.circles
    );
}

#[test]
fn the_import_reader_sees_groups_and_parents() {
    let module: Vec<String> = vec!["http".into(), "ui".into(), "flags".into()];
    let paths = named_paths(
        &module,
        "use crate::{auth::{a, b}, service::features};\nuse super::widgets::seg;\nlet x = crate::cache::F;",
    );
    let shown: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        shown,
        [
            "auth",
            "service::features",
            "http::ui::widgets::seg",
            "cache::F"
        ]
    );
}
