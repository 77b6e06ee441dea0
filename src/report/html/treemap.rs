//! The treemap's data: the final filesystem aggregated to a bounded number of nodes, largest
//! first, with what the page shows on hover (layer, package, finding) and what it highlights
//! (wasted paths, findings). The rest of each directory becomes one "other" node, so the 1 GB
//! bench image's page stays small however many files it holds.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde_json::{Value, json};

use crate::analysis::Analysis;
use crate::escape;
use crate::image::Image;
use crate::tree::{NodeId, ROOT, Tree, Visible};

/// At most this many nodes, "other" nodes included, reach the page.
pub const MAX_NODES: usize = 3000;

/// Nodes smaller than this fraction of the final filesystem are folded into "other".
const MIN_FRACTION: u64 = 20_000;

/// Flag: the node is a path touched by two layers or more (wasted bytes).
pub const WASTED: u8 = 1;
/// Flag: the node is a finding's path or lies below one.
pub const FINDING: u8 = 2;
/// Flag: something below the node is wasted.
pub const HAS_WASTED: u8 = 4;
/// Flag: something below the node is a finding's path.
pub const HAS_FINDING: u8 = 8;

/// The treemap as the page's script reads it: `nodes` is a flat list, parents before
/// children, each `[parent, name, bytes, layer, package, finding, flags, other]` (`-1` for
/// none; `other` counts the entries an "other" node stands for, 0 for a real node).
pub fn data(image: &Image, a: &Analysis) -> Value {
    let tree = &image.tree;
    if tree.layers.is_empty() || a.final_state.len() != tree.paths.len() {
        return json!({ "nodes": [], "findings": [], "packages": [], "base_layers": 0 });
    }
    let snapshot = Final::new(tree, &a.final_state);
    let flags = flags(image, a);
    let finding_of = finding_index(image, a);
    let total = snapshot.total_size();
    let min = (total / MIN_FRACTION).max(1);

    // Largest first: a node is taken only after its parent, so the parent's index is known.
    let mut out_index: HashMap<NodeId, i64> = HashMap::new();
    let mut rows: Vec<Value> = Vec::new();
    let mut taken_below: HashMap<NodeId, (u64, u64)> = HashMap::new();
    let mut heap = BinaryHeap::new();
    heap.push((total, Reverse(ROOT)));
    let mut packages: Vec<Value> = Vec::new();
    let mut package_index: HashMap<(String, String), i64> = HashMap::new();
    while let Some((bytes, Reverse(node))) = heap.pop() {
        // Each taken directory may add an "other" node: keep room for them.
        if rows.len() * 2 >= MAX_NODES || (node != ROOT && bytes < min) {
            break;
        }
        let parent = tree
            .paths
            .parent(node)
            .and_then(|p| out_index.get(&p).copied());
        let visible = snapshot.visible(node);
        let layer = visible.map_or(-1, |v| i64::from(v.layer()));
        let package = a.packages.owner(node).map_or(-1, |p| {
            let key = (p.name.clone(), p.version.clone());
            let next = packages.len() as i64;
            *package_index.entry(key).or_insert_with(|| {
                packages.push(json!([
                    escape::text(&p.name),
                    escape::text(&p.version),
                    p.ecosystem.name()
                ]));
                next
            })
        });
        let name = if node == ROOT {
            "/".to_string()
        } else {
            escape::bytes(tree.paths.name(node))
        };
        out_index.insert(node, rows.len() as i64);
        rows.push(json!([
            parent.unwrap_or(-1),
            name,
            bytes,
            layer,
            package,
            finding_of[node as usize],
            flags[node as usize],
            0
        ]));
        if let Some(p) = tree.paths.parent(node) {
            let t = taken_below.entry(p).or_default();
            t.0 += bytes;
            t.1 += 1;
        }
        for child in tree.paths.children(node) {
            let size = snapshot.size(child);
            if snapshot.visible(child).is_some() && size > 0 {
                heap.push((size, Reverse(child)));
            }
        }
    }
    // What was left out of each taken directory, as one "other" node.
    let taken: Vec<(NodeId, i64)> = out_index.iter().map(|(n, i)| (*n, *i)).collect();
    let mut others: Vec<(i64, u64, u64)> = Vec::new();
    for (node, index) in taken {
        let (taken_bytes, taken_count) = taken_below.get(&node).copied().unwrap_or_default();
        // A file's own bytes are itself; only a directory's children can be left out.
        let (mut below, mut count) = (0u64, 0u64);
        for child in tree.paths.children(node) {
            let size = snapshot.size(child);
            if snapshot.visible(child).is_some() && size > 0 {
                below += size;
                count += 1;
            }
        }
        let rest = below.saturating_sub(taken_bytes);
        if rest == 0 {
            continue;
        }
        others.push((index, rest, count.saturating_sub(taken_count)));
    }
    others.sort_unstable();
    for (parent, bytes, count) in others {
        rows.push(json!([parent, "", bytes, -1, -1, -1, 0, count.max(1)]));
    }
    let findings: Vec<Value> = a
        .findings
        .iter()
        .map(|f| {
            json!([
                f.kind.name(),
                escape::bytes(&tree.paths.path(f.node)),
                escape::text(&f.fix)
            ])
        })
        .collect();
    let base_layers = a.layers.iter().filter(|l| l.base).count();
    json!({
        "nodes": rows,
        "findings": findings,
        "packages": packages,
        "base_layers": base_layers,
        "total": total,
    })
}

/// The final filesystem's visible entries and the bytes of visible files at and below each node,
/// from the analysis's final state (no second replay of the layers).
struct Final<'a> {
    state: &'a [Option<Visible>],
    sizes: Vec<u64>,
}

impl<'a> Final<'a> {
    fn new(tree: &Tree, state: &'a [Option<Visible>]) -> Final<'a> {
        let mut sizes = vec![0u64; state.len()];
        for (node, visible) in state.iter().enumerate() {
            if let Some(v) = visible {
                let e = tree.entry_at(node as NodeId, *v);
                if e.kind.is_file_like() {
                    sizes[node] = e.size;
                }
            }
        }
        // Children have larger ids than their parents: a reverse scan folds sizes upwards.
        for node in (1..state.len()).rev() {
            if let Some(parent) = tree.paths.parent(node as NodeId) {
                if state[node].is_some() {
                    sizes[parent as usize] += sizes[node];
                }
            }
        }
        Final { state, sizes }
    }

    fn visible(&self, node: NodeId) -> Option<Visible> {
        self.state[node as usize]
    }

    fn size(&self, node: NodeId) -> u64 {
        self.sizes[node as usize]
    }

    fn total_size(&self) -> u64 {
        self.sizes[ROOT as usize]
    }
}

/// Per node: wasted and finding flags, inherited downwards and summarised upwards. Parents have
/// smaller ids than their children, so one forward and one backward scan do it.
fn flags(image: &Image, a: &Analysis) -> Vec<u8> {
    let paths = &image.tree.paths;
    let mut flags = vec![0u8; paths.len()];
    for w in &a.wasted {
        if let Some(f) = flags.get_mut(w.node as usize) {
            *f |= WASTED;
        }
    }
    for f in a.findings.iter().filter(|f| f.visible && f.layer.is_some()) {
        if let Some(flag) = flags.get_mut(f.node as usize) {
            *flag |= FINDING;
        }
    }
    for node in 1..paths.len() as NodeId {
        let parent = paths.parent(node).unwrap_or(ROOT);
        if flags[parent as usize] & FINDING != 0 {
            flags[node as usize] |= FINDING;
        }
    }
    for node in (1..paths.len() as NodeId).rev() {
        let parent = paths.parent(node).unwrap_or(ROOT) as usize;
        let f = flags[node as usize];
        if f & (WASTED | HAS_WASTED) != 0 {
            flags[parent] |= HAS_WASTED;
        }
        if f & (FINDING | HAS_FINDING) != 0 && flags[parent] & FINDING == 0 {
            flags[parent] |= HAS_FINDING;
        }
    }
    flags
}

/// Per node, the index of the finding it is, or lies below (the nearest one), or -1.
fn finding_index(image: &Image, a: &Analysis) -> Vec<i64> {
    let paths = &image.tree.paths;
    let mut index = vec![-1i64; paths.len()];
    // Findings come sorted most important first; the first claim on a node stands.
    for (i, f) in a.findings.iter().enumerate().rev() {
        if f.visible && f.layer.is_some() {
            if let Some(slot) = index.get_mut(f.node as usize) {
                *slot = i as i64;
            }
        }
    }
    for node in 1..paths.len() as NodeId {
        let parent = paths.parent(node).unwrap_or(ROOT) as usize;
        if index[node as usize] < 0 {
            index[node as usize] = index[parent];
        }
    }
    index
}
