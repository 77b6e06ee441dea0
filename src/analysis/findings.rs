//! Findings: trimmable content by category and hygiene problems, each with a fix a Dockerfile
//! author can apply. Paths are classified by a forward scan over node ids (parents come first),
//! so a directory's category is inherited by everything below it without recursion.

use std::collections::BTreeMap;

use super::kind::{FindingKind, classify_dir, classify_file};
use crate::image::ImageConfig;
use crate::layer::EntryKind;
use crate::tree::{NodeId, ROOT, Tree, Visible};

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    /// The directory or file concerned (for aggregated kinds, the deepest common ancestor).
    pub node: NodeId,
    /// The layer that adds it; `None` for image-level findings (the user).
    pub layer: Option<usize>,
    /// Bytes of the matched files in that layer.
    pub bytes: u64,
    /// Number of matched files.
    pub files: u64,
    /// Whether any of it is still in the final filesystem.
    pub visible: bool,
    /// Why it was flagged, in a few words.
    pub reason: String,
    /// A one-line fix.
    pub fix: String,
}

/// Per-node category, inherited from the topmost categorised directory above it.
fn categorise(tree: &Tree) -> Vec<Option<(FindingKind, NodeId)>> {
    let paths = &tree.paths;
    let mut cat: Vec<Option<(FindingKind, NodeId)>> = vec![None; paths.len()];
    for node in 1..paths.len() as NodeId {
        let parent = paths.parent(node).unwrap_or(ROOT);
        cat[node as usize] = match cat[parent as usize] {
            // A cache directory's tool-specific subdirectories (pip, yarn) get findings of their own.
            Some((FindingKind::PackageCache, root)) if paths.name(root) == b".cache" => {
                match classify_dir(paths, node) {
                    Some(k) => Some((k, node)),
                    None => cat[parent as usize],
                }
            }
            Some(c) => Some(c),
            None => classify_dir(paths, node).map(|k| (k, node)),
        };
    }
    cat
}

struct Group {
    root: Option<NodeId>,
    bytes: u64,
    files: u64,
    visible: bool,
    detail: Vec<String>,
}

/// Finds everything worth flagging in the image.
pub fn find(
    tree: &Tree,
    config: &ImageConfig,
    final_state: &[Option<Visible>],
    sizes: &dyn Fn(NodeId) -> u64,
) -> Vec<Finding> {
    let cat = categorise(tree);
    let visible_entry = |layer: usize, i: usize, node: NodeId| {
        final_state[node as usize] == Some(Visible::new(layer as u32, i as u32))
    };
    // (kind, layer, root for directory kinds) -> group
    let mut groups: BTreeMap<(FindingKind, usize, Option<NodeId>), Group> = BTreeMap::new();
    let mut findings = Vec::new();
    for (l, layer) in tree.layers.iter().enumerate() {
        for (i, e) in layer.entries.iter().enumerate() {
            if !e.kind.is_file_like() {
                continue;
            }
            let visible = visible_entry(l, i, e.node);
            let name = tree.paths.name(e.node);
            let content = tree.capture(l, i);
            if e.kind == EntryKind::File {
                if let Some(reason) = super::kind::secret_reason(&tree.paths, e.node, name, content)
                {
                    findings.push(secret(e.node, l, e.size, visible, reason));
                    continue;
                }
            }
            // For aggregated kinds `anchor` is where this file's contribution sits: its category
            // directory, or its own directory.
            let (kind, root, anchor) = match cat[e.node as usize] {
                Some((k, root)) if k.is_aggregated() => (k, None, root),
                Some((k, root)) => (k, Some(root), root),
                None => match classify_file(&tree.paths, e.node, name) {
                    Some(k) => (k, None, tree.paths.parent(e.node).unwrap_or(ROOT)),
                    None => continue,
                },
            };
            let g = groups.entry((kind, l, root)).or_insert(Group {
                root,
                bytes: 0,
                files: 0,
                visible: false,
                detail: Vec::new(),
            });
            g.bytes += e.size;
            g.files += 1;
            g.visible |= visible;
            if root.is_none() {
                g.root = Some(match g.root {
                    None => anchor,
                    Some(r) => common_ancestor(tree, r, anchor),
                });
            }
        }
    }
    add_dev_dependencies(tree, final_state, sizes, &mut groups);
    for ((kind, layer, _), g) in groups {
        let node = g.root.unwrap_or(ROOT);
        let reason = if g.detail.is_empty() {
            kind.reason().to_string()
        } else {
            format!("{}; {}", kind.reason(), g.detail.join("; "))
        };
        let fix = kind.fix(&tree.paths.display(node), !g.detail.is_empty());
        let fix = if g.visible {
            fix
        } else {
            format!("{fix} (a later layer deletes it, but layer {layer} still ships it)")
        };
        findings.push(Finding {
            kind,
            node,
            layer: Some(layer),
            bytes: g.bytes,
            files: g.files,
            visible: g.visible,
            reason,
            fix,
        });
    }
    hygiene(tree, final_state, &mut findings);
    if config.runs_as_root() {
        findings.push(Finding {
            kind: FindingKind::RunsAsRoot,
            node: ROOT,
            layer: None,
            bytes: 0,
            files: 0,
            visible: true,
            reason: if config.user.trim().is_empty() {
                "the config sets no user, so the container runs as root".to_string()
            } else {
                format!(
                    "the config's user is {:?}, so the container runs as root",
                    config.user
                )
            },
            fix: FindingKind::RunsAsRoot.fix("/", false),
        });
    }
    findings.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.bytes.cmp(&a.bytes))
            .then(a.layer.cmp(&b.layer))
            .then(a.node.cmp(&b.node))
    });
    findings
}

fn secret(node: NodeId, layer: usize, bytes: u64, visible: bool, reason: String) -> Finding {
    let fix = if visible {
        "keep it out of the build context (.dockerignore), pass it with `RUN --mount=type=secret`, and rotate it: anyone with the image has it".to_string()
    } else {
        format!(
            "deleting it later does not remove it, layer {layer} still ships it: pass it with `RUN --mount=type=secret` instead, and rotate it"
        )
    };
    Finding {
        kind: FindingKind::Secret,
        node,
        layer: Some(layer),
        bytes,
        files: 1,
        visible,
        reason,
        fix,
    }
}

fn common_ancestor(tree: &Tree, a: NodeId, b: NodeId) -> NodeId {
    let mut x = a;
    loop {
        if tree.paths.is_within(b, x) {
            return x;
        }
        match tree.paths.parent(x) {
            Some(p) => x = p,
            None => return ROOT,
        }
    }
}

/// Setuid/setgid and world-writable files in the final filesystem.
fn hygiene(tree: &Tree, final_state: &[Option<Visible>], findings: &mut Vec<Finding>) {
    for (node, v) in final_state.iter().enumerate() {
        let Some(v) = v else { continue };
        let Some(_) = v.entry() else { continue };
        let e = tree.entry_at(node as NodeId, *v);
        let layer = Some(v.layer() as usize);
        let path = tree.paths.display(node as NodeId);
        if e.kind == EntryKind::File && e.mode & 0o6000 != 0 {
            let bit = if e.mode & 0o4000 != 0 {
                "setuid"
            } else {
                "setgid"
            };
            findings.push(Finding {
                kind: FindingKind::Setuid,
                node: node as NodeId,
                layer,
                bytes: e.size,
                files: 1,
                visible: true,
                reason: format!("{bit} (mode {:o})", e.mode & 0o7777),
                fix: FindingKind::Setuid.fix(&path, false),
            });
        }
        let sticky_dir = e.kind == EntryKind::Dir && e.mode & 0o1000 != 0;
        if e.mode & 0o002 != 0
            && e.kind != EntryKind::Symlink
            && e.kind != EntryKind::Hardlink
            && !sticky_dir
        {
            findings.push(Finding {
                kind: FindingKind::WorldWritable,
                node: node as NodeId,
                layer,
                bytes: e.size,
                files: 1,
                visible: true,
                reason: format!("writable by any user (mode {:o})", e.mode & 0o7777),
                fix: FindingKind::WorldWritable.fix(&path, false),
            });
        }
    }
}

/// Marks node_modules groups whose package.json lists devDependencies that are installed.
fn add_dev_dependencies(
    tree: &Tree,
    final_state: &[Option<Visible>],
    sizes: &dyn Fn(NodeId) -> u64,
    groups: &mut BTreeMap<(FindingKind, usize, Option<NodeId>), Group>,
) {
    for (layer, entry, content) in tree.captures() {
        let e = tree.layers[layer].entries[entry];
        if tree.paths.name(e.node) != b"package.json" || final_state[e.node as usize].is_none() {
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
        for ((kind, _, root), g) in groups.iter_mut() {
            if *kind == FindingKind::NodeModules && *root == Some(modules) && g.visible {
                g.detail.push(text.clone());
            }
        }
    }
}
