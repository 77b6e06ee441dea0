//! Findings: trimmable content by category and hygiene problems, each with a fix a Dockerfile
//! author can apply. Paths are classified by a forward scan over node ids (parents come first),
//! so a directory's category is inherited by everything below it without recursion.

use std::collections::BTreeMap;

use super::classify::{
    classify_dir, classify_file, is_archive_name, is_global_node_modules, is_packages_dir,
    is_test_dir,
};
use super::hygiene;
use super::kind::FindingKind;
use super::locales::InUse;
use super::node;
use super::toolchain::Toolchain;
use crate::image::ImageConfig;
use crate::layer::EntryKind;
use crate::packages::Inventory;
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
    /// Whether it is in the final filesystem. A group of files of which only part is deleted or
    /// replaced later is reported as two findings, one visible and one not.
    pub visible: bool,
    /// Why it was flagged, in a few words.
    pub reason: String,
    /// A one-line fix.
    pub fix: String,
}

/// Whether `layer` belongs to the base image rather than to the user's own steps, given how many
/// bottom layers are the base's ([`base_layer_count`]).
pub fn is_base_layer(base_layers: usize, layer: usize) -> bool {
    layer < base_layers
}

/// How many bottom layers of a `total`-layer image are the base's, for the findings' advice: the
/// detected boundary (`--base`), else dive's rule, the first layer of a multi-layer image (a
/// single-layer image is all the user's own).
pub fn base_layer_count(base: &super::Base, total: usize) -> usize {
    match base.layer_count {
        Some(n) => n.min(total),
        None => usize::from(total > 1),
    }
}

/// A node's category: the kind and the topmost categorised directory above it, or `Exempt` for
/// what is deliberately left alone (the global npm installation of the node images).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    None,
    Kind(FindingKind, NodeId),
    Exempt,
}

/// Per-node category and top-level directory (the child of `/` a node is under).
fn categorise(tree: &Tree) -> (Vec<Category>, Vec<NodeId>) {
    let paths = &tree.paths;
    let mut cat = vec![Category::None; paths.len()];
    let mut top = vec![ROOT; paths.len()];
    // Whether a node is inside site-packages or node_modules, where test suites are found.
    let mut in_packages = vec![false; paths.len()];
    for node in 1..paths.len() as NodeId {
        let parent = paths.parent(node).unwrap_or(ROOT);
        let name = paths.name(node);
        top[node as usize] = if parent == ROOT {
            node
        } else {
            top[parent as usize]
        };
        in_packages[node as usize] = in_packages[parent as usize] || is_packages_dir(name);
        let tests = is_test_dir(name, in_packages[parent as usize]);
        let fresh = || {
            if is_global_node_modules(paths, node) {
                Category::Exempt
            } else if tests {
                Category::Kind(FindingKind::TestFiles, node)
            } else {
                classify_dir(paths, node).map_or(Category::None, |k| Category::Kind(k, node))
            }
        };
        cat[node as usize] = match cat[parent as usize] {
            // A cache directory's tool-specific subdirectories (pip, yarn) get findings of their own.
            Category::Kind(FindingKind::PackageCache, root) if paths.name(root) == b".cache" => {
                match fresh() {
                    Category::None => cat[parent as usize],
                    c => c,
                }
            }
            // Test suites inside the app's node_modules are counted apart: they are trimmable
            // even where the dependencies themselves are needed.
            Category::Kind(FindingKind::NodeModules, _) if tests => {
                Category::Kind(FindingKind::TestFiles, node)
            }
            Category::None => fresh(),
            c => c,
        };
    }
    (cat, top)
}

/// Whether a file is an archive left where downloads land: `/tmp`, `/var/tmp`, `/root` or the
/// working directory.
fn is_left_archive(
    tree: &Tree,
    node: NodeId,
    name: &[u8],
    category: Category,
    workdir: Option<NodeId>,
) -> bool {
    if !is_archive_name(name) {
        return false;
    }
    if let Category::Kind(FindingKind::TempAndLogs, root) = category {
        return tree.paths.name(root) == b"tmp";
    }
    let parent = tree.paths.parent(node);
    category == Category::None
        && (parent == workdir
            || parent.is_some_and(|p| {
                tree.paths.parent(p) == Some(ROOT) && tree.paths.name(p) == b"root"
            }))
}

/// Files of one kind in one layer under one directory, all visible or all not.
#[derive(Debug)]
pub(super) struct Group {
    pub root: Option<NodeId>,
    pub bytes: u64,
    pub files: u64,
    pub detail: Vec<String>,
}

/// (kind, layer, category directory or top-level directory, visible) -> group.
pub(super) type Groups = BTreeMap<(FindingKind, usize, NodeId, bool), Group>;

/// Finds everything worth flagging in the image.
pub fn find(
    tree: &Tree,
    config: &ImageConfig,
    final_state: &[Option<Visible>],
    sizes: &dyn Fn(NodeId) -> u64,
    base_layers: usize,
    inventory: &Inventory,
) -> Vec<Finding> {
    let (cat, top) = categorise(tree);
    let toolchain = Toolchain::new(tree, inventory, final_state);
    let locales = InUse::new(config, &tree.paths);
    let workdir = Some(config.working_dir.trim_matches('/'))
        .filter(|w| !w.is_empty())
        .and_then(|w| tree.paths.find(w.as_bytes()));
    let mut groups = Groups::new();
    let mut findings = Vec::new();
    for (l, layer) in tree.layers.iter().enumerate() {
        for (i, e) in layer.entries.iter().enumerate() {
            // Devices, FIFOs and directories are not content to trim.
            if !matches!(
                e.kind,
                EntryKind::File | EntryKind::Hardlink | EntryKind::Symlink
            ) {
                continue;
            }
            let visible = final_state[e.node as usize] == Some(Visible::new(l as u32, i as u32));
            let name = tree.paths.name(e.node);
            let content = tree.capture(l, i);
            if e.kind == EntryKind::File {
                if let Some(reason) =
                    super::secrets::secret_reason(&tree.paths, e.node, name, content)
                {
                    findings.push(secret(
                        base_layers,
                        e.node,
                        l,
                        e.size,
                        visible,
                        reason.to_string(),
                    ));
                    continue;
                }
            }
            // Aggregated kinds group by top-level directory (so that no finding is `/`) and
            // report the deepest common ancestor of their files; `anchor` is where this file's
            // contribution sits: the directory holding it, or the file itself.
            let category = cat[e.node as usize];
            let (kind, key, anchor) = match category {
                _ if is_left_archive(tree, e.node, name, category, workdir) => (
                    FindingKind::DownloadedArchives,
                    top[e.node as usize],
                    e.node,
                ),
                Category::Exempt => continue,
                Category::Kind(k, root) if k.is_aggregated() => {
                    let dir = tree.paths.parent(e.node).unwrap_or(root);
                    (k, top[root as usize], dir)
                }
                Category::Kind(k, root) => (k, root, root),
                Category::None => match classify_file(&tree.paths, e.node, name) {
                    Some(k) => (k, top[e.node as usize], e.node),
                    None => continue,
                },
            };
            // The locale in use (and C.UTF-8) is what the image needs, not waste.
            if kind == FindingKind::Locales && locales.keeps(&tree.paths, e.node) {
                continue;
            }
            // Where a package database lists the file, its package decides whether it is a
            // build tool, and a toolchain package's files are counted once, in its finding.
            if visible
                && ((kind == FindingKind::BuildTools
                    && toolchain.judged_by_package(inventory, e.node))
                    || (kind.is_aggregated() && toolchain.owns(inventory, e.node, l)))
            {
                continue;
            }
            let g = groups.entry((kind, l, key, visible)).or_insert(Group {
                root: None,
                bytes: 0,
                files: 0,
                detail: Vec::new(),
            });
            g.bytes += e.size;
            g.files += 1;
            g.root = Some(match g.root {
                None => anchor,
                Some(r) => tree.paths.common_ancestor(r, anchor),
            });
        }
    }
    node::add_dev_dependencies(tree, final_state, sizes, inventory, &mut groups);
    for ((kind, layer, _, visible), g) in groups {
        // A finding is about bytes to trim; an empty cache left by a correct clean-up is not one.
        if g.bytes == 0 {
            continue;
        }
        let Some(node) = g.root.filter(|&n| n != ROOT) else {
            continue;
        };
        if kind == FindingKind::NodeModules
            && visible
            && !node::worth_reporting(tree, final_state, node, &g)
        {
            continue;
        }
        let path = tree.paths.display(node);
        let mut g = g;
        if kind == FindingKind::Locales {
            g.detail.push(if locales.names.is_empty() {
                "no locale is set in the config (LANG, LC_ALL): C.UTF-8 is kept".to_string()
            } else {
                format!("in use: {} (kept, with C.UTF-8)", locales.names.join(", "))
            });
        }
        let reason = if g.detail.is_empty() {
            kind.reason().to_string()
        } else {
            format!("{}; {}", kind.reason(), g.detail.join("; "))
        };
        let fix = if is_base_layer(base_layers, layer) {
            kind.base_fix(&path)
        } else if visible {
            kind.fix(&path, !g.detail.is_empty())
        } else {
            format!(
                "{} (a later layer deletes or replaces it, but layer {layer} still ships it)",
                kind.hidden_fix(&path)
            )
        };
        findings.push(Finding {
            kind,
            node,
            layer: Some(layer),
            bytes: g.bytes,
            files: g.files,
            visible,
            reason,
            fix,
        });
    }
    toolchain.findings(tree, inventory, base_layers, &mut findings);
    hygiene::find(tree, final_state, base_layers, &mut findings);
    if config.runs_as_root() {
        findings.push(hygiene::runs_as_root(config));
    }
    sort(&mut findings);
    findings
}

/// Sorts findings in report order: by kind, largest first.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.bytes.cmp(&a.bytes))
            .then(a.layer.cmp(&b.layer))
            .then(a.node.cmp(&b.node))
            .then(b.visible.cmp(&a.visible))
    });
}

fn secret(
    base_layers: usize,
    node: NodeId,
    layer: usize,
    bytes: u64,
    visible: bool,
    reason: String,
) -> Finding {
    let fix = if is_base_layer(base_layers, layer) {
        "it comes from the base image: use a base image that does not ship it, and rotate it"
            .to_string()
    } else if visible {
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
