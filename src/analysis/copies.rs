//! Bytes shipped twice: the same content at several paths of the final filesystem
//! (`duplicate_content`), and files a later layer ships again with only their owner, mode or
//! mtime changed (`metadata_copy`). Both read the content fingerprints taken while the layers
//! streamed; without them (`--no-fingerprints` sources) neither is reported.

use std::collections::BTreeMap;

use super::findings::{Finding, is_base_layer};
use super::kind::FindingKind;
use crate::layer::EntryKind;
use crate::tree::{NodeId, ROOT, Tree, Visible};

/// The smallest file worth reporting as a duplicate: below this the copies cost less than the
/// noise they would add to the report.
pub const MIN_DUPLICATE: u64 = 64 * 1024;

/// How many paths a finding names before it counts the rest.
const NAMED: usize = 3;

/// One `duplicate_content` finding per content that is visible at two or more paths.
pub(super) fn duplicates(
    tree: &Tree,
    final_state: &[Option<Visible>],
    base_layers: usize,
    out: &mut Vec<Finding>,
) {
    let mut files: Vec<(u64, u64, u32, NodeId)> = Vec::new();
    for (node, v) in final_state.iter().enumerate() {
        let Some(v) = *v else { continue };
        let Some(e) = v.entry() else { continue };
        let entry = tree.layers[v.layer() as usize].entries[e as usize];
        if entry.kind != EntryKind::File || entry.size < MIN_DUPLICATE {
            continue;
        }
        if let Some(f) = tree.fingerprint(v) {
            files.push((f.get(), entry.size, v.layer(), node as NodeId));
        }
    }
    files.sort_unstable();
    for group in files.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if group.len() < 2 {
            continue;
        }
        let size = group[0].1;
        let first = group[0].3;
        let last_layer = group.iter().map(|g| g.2).max().unwrap_or(0) as usize;
        let named: Vec<String> = group
            .iter()
            .take(NAMED)
            .map(|g| tree.paths.display(g.3))
            .collect();
        let more = group.len().saturating_sub(NAMED);
        let mut list = named.join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        let original = &named[0];
        let fix = if group
            .iter()
            .all(|g| is_base_layer(base_layers, g.2 as usize))
        {
            FindingKind::DuplicateContent.base_fix(original)
        } else {
            FindingKind::DuplicateContent.fix(original, false)
        };
        out.push(Finding {
            kind: FindingKind::DuplicateContent,
            node: first,
            layer: Some(last_layer),
            bytes: size * (group.len() as u64 - 1),
            files: group.len() as u64,
            visible: true,
            reason: format!("the same {size} bytes at {} paths: {list}", group.len()),
            fix,
        });
    }
}

#[derive(Default)]
struct Copies {
    root: Option<NodeId>,
    bytes: u64,
    files: u64,
    owner: u64,
    mode: u64,
}

/// One `metadata_copy` finding per layer, top-level directory and visibility, at the deepest
/// common ancestor of the files that layer shipped again unchanged.
pub(super) fn metadata_copies(
    tree: &Tree,
    final_state: &[Option<Visible>],
    copies: &[(usize, usize, Visible)],
    out: &mut Vec<Finding>,
) {
    let mut groups: BTreeMap<(usize, NodeId, bool), Copies> = BTreeMap::new();
    for &(layer, i, was) in copies {
        let entry = tree.layers[layer].entries[i];
        let before = tree.entry_at(entry.node, was);
        let visible =
            final_state[entry.node as usize] == Some(Visible::new(layer as u32, i as u32));
        let g = groups
            .entry((layer, top_of(tree, entry.node), visible))
            .or_default();
        g.bytes += entry.size;
        g.files += 1;
        g.owner += u64::from((before.uid, before.gid) != (entry.uid, entry.gid));
        g.mode += u64::from(before.mode & 0o7777 != entry.mode & 0o7777);
        g.root = Some(match g.root {
            None => entry.node,
            Some(r) => tree.paths.common_ancestor(r, entry.node),
        });
    }
    for ((layer, _, visible), g) in groups {
        let Some(node) = g.root else { continue };
        let path = tree.paths.display(node);
        let changed = match (g.owner, g.mode) {
            (0, 0) => "only the mtime changed".to_string(),
            (o, 0) => format!("owner changed on {o}"),
            (0, m) => format!("mode changed on {m}"),
            (o, m) => format!("owner changed on {o}, mode on {m}"),
        };
        out.push(Finding {
            kind: FindingKind::MetadataCopy,
            node,
            layer: Some(layer),
            bytes: g.bytes,
            files: g.files,
            visible,
            reason: format!(
                "{} shipped again with the same content ({changed})",
                if g.files == 1 {
                    "1 file".to_string()
                } else {
                    format!("{} files", g.files)
                }
            ),
            fix: FindingKind::MetadataCopy.fix(&path, false),
        });
    }
}

fn top_of(tree: &Tree, mut node: NodeId) -> NodeId {
    while let Some(parent) = tree.paths.parent(node).filter(|&p| p != ROOT) {
        node = parent;
    }
    node
}
