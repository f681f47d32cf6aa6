//! No import cycle between the top-level modules of a crate: if `a` uses `crate::b`, nothing
//! `b` uses (directly or through others) uses `crate::a`. A cycle makes modules that can only
//! be understood, tested and moved together; the layering the code map describes
//! (ARCHITECTURE.md) is what this keeps.
//!
//! References are read from the source (`crate::name`, `crate::{name, ...}`), test modules
//! (from `#[cfg(test)]` on) and comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common;

const CRATES: [&str; 5] = ["did-core", "registry-anchor", "vc-issuer", "verifier", "bindings"];

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The source without line comments and without its test module.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The top-level modules `code` names through `crate::`.
fn references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for part in code.split("crate::").skip(1) {
        if let Some(group) = part.strip_prefix('{') {
            let inside = group.split('}').next().unwrap_or_default();
            for item in inside.split(',') {
                let name = item.trim().split("::").next().unwrap_or_default().trim();
                if is_ident(name) {
                    found.insert(name.to_owned());
                }
            }
        } else {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if is_ident(&name) {
                found.insert(name);
            }
        }
    }
    found
}

/// Module → modules it uses, for the crate whose sources are in `src`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
        modules.insert(first.trim_end_matches(".rs").to_owned());
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" || module == "bin" {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for used in references(&code) {
            if used != module && modules.contains(&used) && used != "lib" {
                edges.entry(module.clone()).or_default().insert(used);
            }
        }
    }
    edges
}

/// A cycle through `start`, if there is one: the path back to it.
fn cycle_from(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let mut cycles = Vec::new();
    for krate in CRATES {
        let edges = graph(&common::repo_root().join(krate).join("src"));
        assert!(!edges.is_empty(), "{krate}: no module references found");
        for module in edges.keys() {
            if let Some(cycle) = cycle_from(&edges, module) {
                cycles.push(format!("{krate}: {}", cycle.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_reference_reader_sees_grouped_and_plain_uses() {
    let code = code_of(
        "use crate::a::X;\nuse crate::{b, c::Y};\nfn f() { crate::d::g(); } // crate::e\n#[cfg(test)]\nuse crate::f;",
    );
    let found: Vec<_> = references(&code).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "d"]);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert_eq!(cycle_from(&edges, "a"), None);
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycle_from(&edges, "a").unwrap(), ["a", "b", "c", "a"]);
}
