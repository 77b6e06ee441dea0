//! Package dependency graphs: what a set of packages pulled in that nothing else needs (the
//! packages removing them would take along), and npm's resolution of a dependency name from a
//! package's directory (its own node_modules first, then each one above it).

use std::collections::HashMap;

use crate::packages::Package;
use crate::tree::{Tree, Visible};

/// The packages reachable from `roots` (through `allowed` packages only) that no other package
/// and no `needed` one reaches: `true` at the index of each. Iterative, so cycles and deep
/// chains are fine.
pub(super) fn exclusive(
    n: usize,
    deps: &dyn Fn(usize) -> Vec<usize>,
    roots: &[usize],
    allowed: &dyn Fn(usize) -> bool,
    needed: &[usize],
) -> Vec<bool> {
    let mut closure = vec![false; n];
    let mut stack: Vec<usize> = roots.iter().copied().filter(|&k| k < n).collect();
    while let Some(k) = stack.pop() {
        if closure[k] {
            continue;
        }
        closure[k] = true;
        stack.extend(deps(k).into_iter().filter(|&d| d < n && allowed(d)));
    }
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = (0..n)
        .filter(|&k| !closure[k])
        .chain(needed.iter().copied().filter(|&k| k < n))
        .collect();
    while let Some(k) = stack.pop() {
        if reached[k] {
            continue;
        }
        reached[k] = true;
        stack.extend(deps(k).into_iter().filter(|&d| d < n));
    }
    (0..n).map(|k| closure[k] && !reached[k]).collect()
}

/// The visible npm packages of an image, addressed by their directory.
pub(super) struct Npm<'a> {
    list: &'a [Package],
    scope: &'a [usize],
    by_dir: HashMap<&'a str, usize>,
}

impl<'a> Npm<'a> {
    pub fn new(list: &'a [Package], scope: &'a [usize]) -> Npm<'a> {
        let by_dir = scope
            .iter()
            .enumerate()
            .map(|(k, &i)| (list[i].location.as_str(), k))
            .collect();
        Npm {
            list,
            scope,
            by_dir,
        }
    }

    /// The package a `require(name)` from directory `dir` finds, as Node resolves it.
    pub fn resolve(&self, dir: &str, name: &str) -> Option<usize> {
        let mut dir = dir.trim_end_matches('/');
        loop {
            if !dir.ends_with("/node_modules") {
                let candidate = format!("{dir}/node_modules/{name}");
                if let Some(&k) = self.by_dir.get(candidate.as_str()) {
                    return Some(k);
                }
            }
            let (parent, _) = dir.rsplit_once('/')?;
            dir = parent;
        }
    }

    /// The packages package `k` needs.
    pub fn deps(&self, k: usize) -> Vec<usize> {
        let p = &self.list[self.scope[k]];
        p.depends
            .iter()
            .filter_map(|d| self.resolve(&p.location, d))
            .collect()
    }

    /// The packages the apps themselves need: each visible package.json that is not one of the
    /// packages (an app's own), through all its dependency lists.
    pub fn app_needs(&self, tree: &Tree, final_state: &[Option<Visible>]) -> Vec<usize> {
        let mut out = Vec::new();
        for (dir, json) in app_manifests(tree, final_state) {
            if self.by_dir.contains_key(dir.as_str()) {
                continue;
            }
            for key in [
                "dependencies",
                "optionalDependencies",
                "peerDependencies",
                "devDependencies",
            ] {
                out.extend(
                    names(&json, key)
                        .iter()
                        .filter_map(|n| self.resolve(&dir, n)),
                );
            }
        }
        out
    }
}

/// The names a manifest lists under `key`.
pub(super) fn names(json: &serde_json::Value, key: &str) -> Vec<String> {
    json.get(key)
        .and_then(|d| d.as_object())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

/// Each package.json visible at the top, parsed, with the directory that holds it.
pub(super) fn app_manifests(
    tree: &Tree,
    final_state: &[Option<Visible>],
) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for (layer, entry, content) in tree.captures() {
        let e = tree.layers[layer].entries[entry];
        if tree.paths.name(e.node) != b"package.json"
            || final_state[e.node as usize] != Some(Visible::new(layer as u32, entry as u32))
        {
            continue;
        }
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(content) else {
            continue;
        };
        let Some(dir) = tree.paths.parent(e.node) else {
            continue;
        };
        out.push((tree.paths.display(dir), json));
    }
    out
}
