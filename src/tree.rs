//! The image's file tree: every path of every layer interned once, each layer's entries pointing
//! into it, and a replay that applies layers in order (whiteouts, opaque directories, overwrites).

pub mod links;
pub mod paths;
pub mod replay;
pub mod snapshot;

pub use paths::{NodeId, Paths, ROOT};
pub use replay::{Event, Replay, Visible};
pub use snapshot::{Snapshot, Status};

use crate::layer::{EntryKind, Fingerprint, LayerIndex};

/// One entry of one layer, pointing at its interned path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub node: NodeId,
    pub kind: EntryKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Index into the tree's link targets, or `NO_LINK`.
    pub link: u32,
}

pub const NO_LINK: u32 = u32::MAX;

impl Entry {
    /// Metadata of a directory that exists only because something below it does.
    pub fn implied_dir(node: NodeId) -> Entry {
        Entry {
            node,
            kind: EntryKind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            link: NO_LINK,
        }
    }
}

/// The entries of one layer, in tar order.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub entries: Vec<Entry>,
    /// Content fingerprints parallel to `entries`, when the layer was indexed with them (for
    /// `plummet diff`); empty otherwise. Kept beside the entries so `Entry` stays small.
    pub fingerprints: Vec<Option<Fingerprint>>,
}

impl Layer {
    /// Sum of the sizes of the layer's entries (dive's layer size).
    pub fn size_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// Entries that are files, links or devices (not directories, not deletion markers).
    pub fn file_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.kind.is_file_like())
            .count()
    }
}

/// The interned tree of an image and all its layers.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub paths: Paths,
    pub layers: Vec<Layer>,
    links: Vec<u8>,
    link_spans: Vec<(u32, u32)>,
    captures: Vec<((u32, u32), Vec<u8>)>,
}

impl Tree {
    /// Interns the layers' paths in image order, consuming the per-layer indexes.
    pub fn build(indexes: impl IntoIterator<Item = LayerIndex>) -> Tree {
        let mut tree = Tree::default();
        for (layer_no, mut index) in indexes.into_iter().enumerate() {
            let mut layer = Layer {
                entries: Vec::with_capacity(index.entries().len()),
                fingerprints: index.take_fingerprints(),
            };
            // Moved, not copied: package databases can be megabytes.
            let mut captures = index.take_captures().into_iter().peekable();
            for (i, raw) in index.entries().iter().enumerate() {
                let node = tree.paths.intern(index.path(raw));
                let target = index.link(raw);
                let link = if matches!(raw.kind, EntryKind::Symlink | EntryKind::Hardlink) {
                    let at = tree.links.len() as u32;
                    tree.links.extend_from_slice(target);
                    tree.link_spans.push((at, target.len() as u32));
                    (tree.link_spans.len() - 1) as u32
                } else {
                    NO_LINK
                };
                while let Some(c) = captures.next_if(|c| c.entry as usize == i) {
                    tree.captures
                        .push(((layer_no as u32, layer.entries.len() as u32), c.content));
                }
                layer.entries.push(Entry {
                    node,
                    kind: raw.kind,
                    mode: raw.mode,
                    uid: raw.uid,
                    gid: raw.gid,
                    size: raw.size,
                    link,
                });
            }
            tree.layers.push(layer);
        }
        tree
    }

    /// The symlink or hardlink target of an entry (hardlink targets are cleaned relative paths).
    pub fn link(&self, entry: &Entry) -> &[u8] {
        match self.link_spans.get(entry.link as usize) {
            Some(&(at, len)) => &self.links[at as usize..(at + len) as usize],
            None => &[],
        }
    }

    /// The captured content of a small file (see `layer::CaptureRule`).
    pub fn capture(&self, layer: usize, entry: usize) -> Option<&[u8]> {
        let key = (layer as u32, entry as u32);
        self.captures
            .binary_search_by(|(k, _)| k.cmp(&key))
            .ok()
            .map(|i| self.captures[i].1.as_slice())
    }

    /// All captured files: `(layer, entry index, content)`.
    pub fn captures(&self) -> impl Iterator<Item = (usize, usize, &[u8])> {
        self.captures
            .iter()
            .map(|((l, e), c)| (*l as usize, *e as usize, c.as_slice()))
    }

    /// The entry a [`Visible`] points at (implied directories get default metadata).
    pub fn entry_at(&self, node: NodeId, visible: Visible) -> Entry {
        match visible.entry() {
            Some(e) => self.layers[visible.layer() as usize].entries[e as usize],
            None => Entry::implied_dir(node),
        }
    }

    /// The content fingerprint of the entry a [`Visible`] points at, when it was taken.
    pub fn fingerprint(&self, visible: Visible) -> Option<Fingerprint> {
        let entry = visible.entry()? as usize;
        self.layers
            .get(visible.layer() as usize)?
            .fingerprints
            .get(entry)
            .copied()
            .flatten()
    }

    /// Approximate heap bytes held by the tree.
    pub fn heap_bytes(&self) -> usize {
        self.paths.heap_bytes()
            + self
                .layers
                .iter()
                .map(|l| {
                    l.entries.capacity() * std::mem::size_of::<Entry>()
                        + l.fingerprints.capacity() * std::mem::size_of::<Option<Fingerprint>>()
                })
                .sum::<usize>()
            + self.links.capacity()
            + self.link_spans.capacity() * 8
            + self
                .captures
                .iter()
                .map(|(_, c)| c.capacity() + 32)
                .sum::<usize>()
    }

    /// Number of entries over all layers.
    pub fn entry_count(&self) -> usize {
        self.layers.iter().map(|l| l.entries.len()).sum()
    }
}

#[cfg(test)]
mod tests;
