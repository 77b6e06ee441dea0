//! Wasted bytes, efficiency and reclaimable bytes, with dive's definitions extended to every
//! deletion: per path, each file-like entry is a touch of its size and each deletion a touch of
//! 0; a path touched twice or more wastes the sum of its touches.

use crate::layer::EntryKind;
use crate::tree::{Event, NodeId, Replay, Tree, Visible};

/// Per-path touch statistics.
#[derive(Debug, Clone, Copy, Default)]
struct Touches {
    count: u32,
    sum: u64,
    min: u64,
}

impl Touches {
    fn add(&mut self, size: u64) {
        self.min = if self.count == 0 {
            size
        } else {
            self.min.min(size)
        };
        self.count = self.count.saturating_add(1);
        self.sum += size;
    }
}

/// A path touched more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WastedPath {
    pub node: NodeId,
    /// How many entries and deletions touched it.
    pub touches: u32,
    /// The sum of its touches: the bytes it wastes.
    pub bytes: u64,
}

/// What each layer did, counted over file-like paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerChanges {
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
    pub added_bytes: u64,
    pub modified_bytes: u64,
    pub removed_bytes: u64,
    /// Bytes of this layer's entries on paths touched twice or more.
    pub wasted_bytes: u64,
    /// Bytes of this layer's entries not visible in the final filesystem.
    pub reclaimable_bytes: u64,
}

/// The waste figures of an image.
#[derive(Debug, Clone, Default)]
pub struct Waste {
    pub wasted_bytes: u64,
    pub efficiency: f64,
    pub reclaimable_bytes: u64,
    /// Sorted by bytes, largest first, then by node.
    pub paths: Vec<WastedPath>,
    pub layers: Vec<LayerChanges>,
    /// What is visible at each node in the final filesystem.
    pub final_state: Vec<Option<Visible>>,
    /// Regular files a layer wrote again with the very content they had below (same
    /// fingerprint): `(layer, entry, what it replaced)`. Empty without fingerprints.
    pub copies: Vec<(usize, usize, Visible)>,
}

/// Computes waste over all layers in one replay.
pub fn measure(tree: &Tree) -> Waste {
    measure_except(tree, &[])
}

/// As [`measure`], with the nodes flagged in `ignored` (one flag per node; shorter slices leave
/// the rest counted) never waste: not wasted, not reclaimable, and in the efficiency as if every
/// touch were needed. The per-layer changes and the final state still see every path.
pub fn measure_except(tree: &Tree, ignored: &[bool]) -> Waste {
    let is_ignored = |node: NodeId| ignored.get(node as usize).copied().unwrap_or(false);
    let mut touches = vec![Touches::default(); tree.paths.len()];
    let mut layers = vec![LayerChanges::default(); tree.layers.len()];
    let mut replay = Replay::new(tree);
    let mut stamps = vec![0u32; tree.paths.len()];
    let mut copies = Vec::new();
    let (superseded, repeated): (Vec<Vec<bool>>, Vec<Vec<bool>>) = (0..tree.layers.len())
        .map(|l| duplicates_in_layer(tree, l, &mut stamps))
        .unzip();
    while replay.next_layer() < tree.layers.len() {
        let layer = replay.next_layer();
        let changes = &mut layers[layer];
        let (superseded, repeated) = (&superseded[layer], &repeated[layer]);
        replay.step(|event| match event {
            Event::Put { node, now, was } => {
                let Some(e) = now.entry() else { return };
                let entry = tree.layers[layer].entries[e as usize];
                if !entry.kind.is_file_like() {
                    return;
                }
                // A path written twice in one layer is one touch, by its last entry, as in dive
                // (the hidden first copy still counts as reclaimable), and one change, judged by
                // its first entry against the layers below.
                if !superseded[e as usize] {
                    touches[node as usize].add(entry.size);
                }
                if repeated[e as usize] {
                    return;
                }
                if let Some(was) = was.filter(|w| is_same_content(tree, entry, now, *w)) {
                    copies.push((layer, e as usize, was));
                }
                if was.is_some() {
                    changes.modified += 1;
                    changes.modified_bytes += entry.size;
                } else {
                    changes.added += 1;
                    changes.added_bytes += entry.size;
                }
            }
            Event::Deleted { node, was } => {
                let entry = tree.entry_at(node, was);
                if entry.kind.is_file_like() {
                    touches[node as usize].add(0);
                    changes.removed += 1;
                    changes.removed_bytes += entry.size;
                }
            }
        });
    }
    let final_state = replay.into_state();

    let mut sum_all = 0u64;
    let mut sum_min = 0u64;
    let mut wasted_bytes = 0u64;
    let mut paths = Vec::new();
    for (node, t) in touches.iter_mut().enumerate() {
        if is_ignored(node as NodeId) {
            // Never waste: every touch counts as needed, so ignoring a path can only raise the
            // efficiency, and the image's bytes stay the basis of the ratio.
            sum_all += t.sum;
            sum_min += t.sum;
            *t = Touches::default();
        }
        if t.count == 0 {
            continue;
        }
        sum_all += t.sum;
        sum_min += t.min;
        if t.count >= 2 {
            wasted_bytes += t.sum;
            paths.push(WastedPath {
                node: node as NodeId,
                touches: t.count,
                bytes: t.sum,
            });
        }
    }
    paths.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.node.cmp(&b.node)));

    let mut reclaimable_bytes = 0;
    for (l, layer) in tree.layers.iter().enumerate() {
        for (i, entry) in layer.entries.iter().enumerate() {
            if !entry.kind.is_file_like() || entry.kind == EntryKind::Dir || is_ignored(entry.node)
            {
                continue;
            }
            if touches[entry.node as usize].count >= 2 && !superseded[l][i] {
                layers[l].wasted_bytes += entry.size;
            }
            if final_state[entry.node as usize] != Some(Visible::new(l as u32, i as u32)) {
                layers[l].reclaimable_bytes += entry.size;
                reclaimable_bytes += entry.size;
            }
        }
    }
    let efficiency = if sum_all == 0 {
        1.0
    } else {
        sum_min as f64 / sum_all as f64
    };
    Waste {
        wasted_bytes,
        efficiency,
        reclaimable_bytes,
        paths,
        layers,
        final_state,
        copies,
    }
}

/// Whether a regular file put at a path has the same size and fingerprint as the regular file
/// it replaced (a `chown`, `chmod` or `touch` that shipped the whole file again).
fn is_same_content(tree: &Tree, entry: crate::tree::Entry, now: Visible, was: Visible) -> bool {
    if entry.kind != EntryKind::File || entry.size == 0 {
        return false;
    }
    let before = tree.entry_at(entry.node, was);
    before.kind == EntryKind::File
        && before.size == entry.size
        && tree
            .fingerprint(now)
            .is_some_and(|f| tree.fingerprint(was) == Some(f))
}

/// For each entry of layer `l`: whether a later entry of the same layer, at the same path,
/// replaces it, and whether an earlier one did. `stamps` is scratch space of one `u32` per node,
/// reused across layers.
fn duplicates_in_layer(tree: &Tree, l: usize, stamps: &mut [u32]) -> (Vec<bool>, Vec<bool>) {
    let entries = &tree.layers[l].entries;
    let mut pass = |stamp: u32, reverse: bool| {
        let mut out = vec![false; entries.len()];
        let order: Box<dyn Iterator<Item = usize>> = if reverse {
            Box::new((0..entries.len()).rev())
        } else {
            Box::new(0..entries.len())
        };
        for i in order {
            let e = &entries[i];
            if e.kind.is_marker() {
                continue;
            }
            let seen = &mut stamps[e.node as usize];
            out[i] = *seen == stamp;
            *seen = stamp;
        }
        out
    };
    let superseded = pass(2 * l as u32 + 1, true);
    let repeated = pass(2 * l as u32 + 2, false);
    (superseded, repeated)
}
