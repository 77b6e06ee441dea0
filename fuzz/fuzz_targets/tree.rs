//! Fuzzes whiteout and tree application: decodes bytes into layers of entries (files, links,
//! devices, directories, whiteouts, opaque markers over a tiny path alphabet), builds the tree,
//! runs the analysis and a snapshot at every layer, and checks the figures' invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::analysis::analyze;
use plummet::image::{Image, ImageMeta};
use plummet::layer::{EntryKind, LayerIndex};
use plummet::tree::{NodeId, Snapshot, Tree};

const KINDS: [EntryKind; 9] = [
    EntryKind::File,
    EntryKind::Dir,
    EntryKind::Symlink,
    EntryKind::Hardlink,
    EntryKind::CharDevice,
    EntryKind::Fifo,
    EntryKind::Whiteout,
    EntryKind::Opaque,
    EntryKind::File,
];
const NAMES: [&[u8]; 4] = [b"a", b"b", b"c", b".wh.d"];

fn path(byte: u8) -> Vec<u8> {
    let depth = usize::from(byte & 3);
    let mut out = Vec::new();
    for i in 0..depth {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(NAMES[usize::from((byte >> (2 + 2 * i)) & 3)]);
    }
    out
}

fn layers(data: &[u8]) -> Vec<LayerIndex> {
    let mut layers = vec![LayerIndex::default()];
    for chunk in data.chunks_exact(3) {
        let [op, p, s] = [chunk[0], chunk[1], chunk[2]];
        if op % 10 == 9 {
            layers.push(LayerIndex::default());
            continue;
        }
        let kind = KINDS[usize::from(op % 10)];
        let path = path(p);
        // Only an opaque marker at the root cleans to the empty path; the indexer drops others.
        if path.is_empty() && kind != EntryKind::Opaque {
            continue;
        }
        let size = if kind == EntryKind::File {
            u64::from(s) << (u32::from(op >> 5) * 5)
        } else {
            0
        };
        let link = match kind {
            EntryKind::Symlink | EntryKind::Hardlink => self::path(s),
            _ => Vec::new(),
        };
        if let Some(layer) = layers.last_mut() {
            layer.push(&path, &link, kind, size, u32::from(s) & 0o7);
        }
    }
    layers
}

fn check_snapshot(tree: &Tree, snapshot: &Snapshot, upto: u64) {
    let mut visible_bytes = 0u64;
    for node in 0..tree.paths.len() as NodeId {
        if let Some(v) = snapshot.visible(node) {
            let entry = tree.entry_at(node, v);
            if entry.kind.is_file_like() {
                visible_bytes += entry.size;
            }
            // Whatever is visible has a visible directory above it.
            if let Some(parent) = tree.paths.parent(node) {
                let above = snapshot.visible(parent).map(|v| tree.entry_at(parent, v).kind);
                assert_eq!(above, Some(EntryKind::Dir), "visible node under a non-directory");
                assert!(snapshot.size(parent) >= snapshot.size(node));
            }
            assert!(!entry.kind.is_marker(), "a deletion marker is visible");
        }
    }
    assert_eq!(snapshot.total_size(), visible_bytes);
    assert!(visible_bytes <= upto);
}

fuzz_target!(|data: &[u8]| {
    let tree = Tree::build(layers(data));
    let image = Image {
        meta: ImageMeta::default(),
        tree,
        blobs: Vec::new(),
        reopen: None,
        seek_cache: None,
        attestation: Default::default(),
    };
    let analysis = analyze(&image);
    let tree = &image.tree;
    let touched: u64 = tree
        .layers
        .iter()
        .flat_map(|l| &l.entries)
        .filter(|e| e.kind.is_file_like())
        .map(|e| e.size)
        .sum();
    assert_eq!(analysis.size_bytes, touched);
    assert!(analysis.wasted_bytes <= touched);
    assert!(analysis.reclaimable_bytes <= analysis.size_bytes);
    assert!((0.0..=1.0).contains(&analysis.efficiency));
    assert_eq!(
        analysis.final_size_bytes + analysis.reclaimable_bytes,
        analysis.size_bytes,
        "every byte is either visible at the end or reclaimable"
    );
    let per_layer: u64 = analysis.layers.iter().map(|l| l.changes.reclaimable_bytes).sum();
    assert_eq!(per_layer, analysis.reclaimable_bytes);
    let mut upto = 0;
    for (i, layer) in tree.layers.iter().enumerate() {
        upto += layer.size_bytes();
        let snapshot = Snapshot::at(tree, i);
        check_snapshot(tree, &snapshot, upto);
        if i + 1 == tree.layers.len() {
            for node in 0..tree.paths.len() as NodeId {
                assert_eq!(snapshot.visible(node), analysis.final_state[node as usize]);
            }
        }
    }
});
