//! The dependency rules of STYLE.md, checked on the source: the modules of `src/` import each other
//! without a circle, nothing runs back up the pipeline (`image` never imports `analysis`), and
//! the pure core (`layer`, `tree`, `analysis`) imports no terminal, async or formatting crate.
//! It reads the `crate::` paths of every non-test file, so a new forbidden import fails here.
#![expect(clippy::unwrap_used, reason = "a test fails on unreadable sources")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level module a file of `src/` belongs to (`src/tree/links.rs` -> `tree`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Non-test source files: tests may reach anywhere.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            sources(&path, out);
        } else if name.ends_with(".rs") && !name.contains("test") && name != "fixture.rs" {
            out.push(path);
        }
    }
}

/// The file's text without its inline `#[cfg(test)] mod tests { ... }` (always last).
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests {")
        .map_or(text, |at| &text[..at])
}

/// Top-level module -> the top-level modules and the external crates it names.
fn graph() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let (mut modules, mut crates) = (BTreeMap::new(), BTreeMap::<String, BTreeSet<String>>::new());
    for file in files {
        let from = module_of(&src, &file);
        if from == "lib" || from == "main" || from == "testutil" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let text = code(&text);
        let to: &mut BTreeSet<String> = modules.entry(from.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name != from && !name.is_empty() && name != "testutil" {
                to.insert(name);
            }
        }
        for name in [
            "ratatui",
            "crossterm",
            "bollard",
            "tokio",
            "humansize",
            "serde_json",
        ] {
            if text.contains(&format!("{name}::")) {
                crates
                    .entry(from.clone())
                    .or_default()
                    .insert(name.to_string());
            }
        }
    }
    (modules, crates)
}

#[test]
fn modules_import_each_other_without_a_circle() {
    let (modules, _) = graph();
    // Depth-first search with colours: reaching a module still on the path closes a circle.
    fn visit<'a>(
        m: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("import circle: {} -> {m}", path[at..].join(" -> "));
        }
        path.push(m);
        for next in g.get(m).into_iter().flatten() {
            visit(next, g, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in modules.keys() {
        visit(m, &modules, &mut Vec::new(), &mut done);
    }
}

#[test]
fn nothing_runs_back_up_the_pipeline() {
    let (modules, _) = graph();
    let later = [
        "analysis", "report", "diff", "ui", "pipeline", "settings", "cli", "source",
    ];
    for core in ["layer", "tree", "image"] {
        let bad: Vec<_> = later
            .iter()
            .filter(|l| modules.get(core).is_some_and(|to| to.contains(**l)))
            .collect();
        assert!(bad.is_empty(), "{core} imports {bad:?}");
    }
    for core in ["analysis", "report", "diff"] {
        let to = modules.get(core).cloned().unwrap_or_default();
        for ui in ["ui", "cli", "settings"] {
            assert!(!to.contains(ui), "{core} imports {ui}");
        }
    }
}

#[test]
fn the_pure_core_uses_no_terminal_async_or_formatting_crate() {
    let (_, crates) = graph();
    for core in ["layer", "tree", "analysis"] {
        let used = crates.get(core).cloned().unwrap_or_default();
        // `analysis` reads the package.json an image ships (node_modules' dev dependencies).
        let allowed: &[&str] = if core == "analysis" {
            &["serde_json"]
        } else {
            &[]
        };
        let bad: Vec<_> = used
            .iter()
            .filter(|c| !allowed.contains(&c.as_str()))
            .collect();
        assert!(bad.is_empty(), "{core} uses {bad:?}");
    }
}
