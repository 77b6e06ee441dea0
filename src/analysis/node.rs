//! The app's node_modules: which of its packages are dev dependencies (from the package.json
//! beside it, captured while the layer streamed), and whether it is worth a finding at all.

use super::findings::{Group, Groups};
use super::graph::{Npm, exclusive, names};
use super::kind::FindingKind;
use crate::packages::{Ecosystem, Inventory};
use crate::tree::{NodeId, Tree, Visible};

/// Whether a visible node_modules group is a finding: it is when dev dependencies are installed
/// in it, or when no package.json beside it says what it is (e.g. the build context's copy). A
/// production-only install next to its package.json is what the app needs to run.
pub(super) fn worth_reporting(
    tree: &Tree,
    final_state: &[Option<Visible>],
    modules: NodeId,
    group: &Group,
) -> bool {
    if !group.detail.is_empty() {
        return true;
    }
    let manifest = tree
        .paths
        .parent(modules)
        .and_then(|dir| tree.paths.child(dir, b"package.json"));
    manifest.is_none_or(|m| final_state[m as usize].is_none())
}

/// Marks node_modules groups whose package.json lists devDependencies that are installed.
pub(super) fn add_dev_dependencies(
    tree: &Tree,
    final_state: &[Option<Visible>],
    sizes: &dyn Fn(NodeId) -> u64,
    inventory: &Inventory,
    groups: &mut Groups,
) {
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
        let Some(dev) = json.get("devDependencies").and_then(|d| d.as_object()) else {
            continue;
        };
        let Some(dir) = tree.paths.parent(e.node) else {
            continue;
        };
        let Some(modules) = tree.paths.child(dir, b"node_modules") else {
            continue;
        };
        let mut present = Vec::new();
        let mut bytes = 0;
        for name in dev.keys() {
            let mut node = Some(modules);
            for part in name.split('/') {
                node = node.and_then(|n| tree.paths.child(n, part.as_bytes()));
            }
            if let Some(n) = node.filter(|n| final_state[*n as usize].is_some()) {
                present.push(name.clone());
                bytes += sizes(n);
            }
        }
        if present.is_empty() {
            continue;
        }
        present.sort();
        let shown: Vec<_> = present.iter().take(5).cloned().collect();
        let more = present.len().saturating_sub(shown.len());
        let mut text = format!(
            "{} dev dependencies installed ({} bytes): {}",
            present.len(),
            bytes,
            shown.join(", ")
        );
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        let (only, only_bytes) = only_needed_by(inventory, &json, dir_name(tree, dir), &present);
        if only > 0 {
            text.push_str(&format!(
                "; with {only} more packages only they need ({only_bytes} bytes)"
            ));
        }
        for ((kind, _, root, visible), g) in groups.iter_mut() {
            if *kind == FindingKind::NodeModules && *root == modules && *visible {
                g.detail.push(text.clone());
            }
        }
    }
}

fn dir_name(tree: &Tree, dir: NodeId) -> String {
    tree.paths.display(dir)
}

/// The transitive dependencies of an app's installed dev dependencies that none of its other
/// packages needs (what `npm ci --omit=dev` would also leave out): how many, and the bytes
/// their packages shipped. The dev dependencies themselves are not counted here.
fn only_needed_by(
    inventory: &Inventory,
    manifest: &serde_json::Value,
    app: String,
    dev: &[String],
) -> (usize, u64) {
    let list = &inventory.list;
    let prefix = format!("{}/node_modules/", app.trim_end_matches('/'));
    let scope: Vec<usize> = (0..list.len())
        .filter(|&i| {
            let p = &list[i];
            p.visible && p.ecosystem == Ecosystem::Npm && p.location.starts_with(&prefix)
        })
        .collect();
    if scope.is_empty() {
        return (0, 0);
    }
    let graph = Npm::new(list, &scope);
    let roots: Vec<usize> = dev.iter().filter_map(|n| graph.resolve(&app, n)).collect();
    let needed: Vec<usize> = ["dependencies", "optionalDependencies", "peerDependencies"]
        .iter()
        .flat_map(|k| names(manifest, k))
        .filter_map(|n| graph.resolve(&app, &n))
        .collect();
    let deps = |k: usize| graph.deps(k);
    let only = exclusive(scope.len(), &deps, &roots, &|_| true, &needed);
    // Packages nested below a dev dependency's directory are already in its size.
    let root_dirs: Vec<String> = roots
        .iter()
        .map(|&k| format!("{}/", list[scope[k]].location))
        .collect();
    let extra: Vec<usize> = (0..scope.len())
        .filter(|&k| only[k] && !roots.contains(&k))
        .filter(|&k| {
            !root_dirs
                .iter()
                .any(|d| list[scope[k]].location.starts_with(d))
        })
        .collect();
    (
        extra.len(),
        extra.iter().map(|&k| list[scope[k]].bytes).sum(),
    )
}
