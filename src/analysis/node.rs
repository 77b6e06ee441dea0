//! The app's node_modules: which of its packages are dev dependencies (from the package.json
//! beside it, captured while the layer streamed), and whether it is worth a finding at all.

use super::findings::{Group, Groups};
use super::kind::FindingKind;
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
        for ((kind, _, root, visible), g) in groups.iter_mut() {
            if *kind == FindingKind::NodeModules && *root == modules && *visible {
                g.detail.push(text.clone());
            }
        }
    }
}
