//! The merged filesystem as of one layer, with the status of each path in that layer and
//! directory sizes, computed by replaying the layers up to it.

use super::paths::{NodeId, ROOT};
use super::replay::{Event, Replay, Visible};
use super::{Entry, Tree};
use crate::layer::EntryKind;

/// What the snapshot's layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Unchanged,
    Added,
    Modified,
    Removed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Unchanged => "unchanged",
            Status::Added => "added",
            Status::Modified => "modified",
            Status::Removed => "removed",
        }
    }
}

/// The merged tree after `layer`, plus what `layer` changed.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub layer: usize,
    state: Vec<Option<Visible>>,
    removed: Vec<(NodeId, Visible)>,
    status: Vec<Status>,
    /// Bytes of visible files below (and at) each node; for a removed node, of removed files.
    sizes: Vec<u64>,
    /// Bytes of files this layer added, modified or removed, below (and at) each node.
    change_sizes: Vec<u64>,
    /// Number of changed paths below (and at) each node.
    changes: Vec<u32>,
}

impl Snapshot {
    /// Replays layers `0..=layer` of `tree`.
    pub fn at(tree: &Tree, layer: usize) -> Snapshot {
        let n = tree.paths.len();
        let mut status = vec![Status::Unchanged; n];
        let mut removed = Vec::new();
        let mut replay = Replay::new(tree);
        while replay.next_layer() < layer {
            replay.step(|_| {});
        }
        let mut touched = Vec::new();
        replay.step(|event| match event {
            Event::Deleted { node, was } => {
                if status[node as usize] == Status::Unchanged {
                    touched.push(node);
                    status[node as usize] = Status::Removed;
                    removed.push((node, was));
                }
            }
            Event::Put { node, now, was } => {
                let s = &mut status[node as usize];
                *s = match (*s, was) {
                    (Status::Unchanged, None) => Status::Added,
                    (Status::Unchanged, Some(old)) => {
                        let old = tree.entry_at(node, old);
                        let new = tree.entry_at(node, now);
                        if same_dir(&old, &new) {
                            Status::Unchanged
                        } else {
                            Status::Modified
                        }
                    }
                    (Status::Removed, _) => Status::Modified,
                    (other, _) => other,
                };
                touched.push(node);
            }
        });
        let state = replay.into_state();
        let mut snapshot = Snapshot {
            layer,
            state,
            removed,
            status,
            sizes: vec![0; n],
            change_sizes: vec![0; n],
            changes: vec![0; n],
        };
        snapshot.accumulate(tree);
        snapshot
    }

    fn accumulate(&mut self, tree: &Tree) {
        for &(node, was) in &self.removed {
            let e = tree.entry_at(node, was);
            if self.status[node as usize] == Status::Removed && e.kind.is_file_like() {
                self.sizes[node as usize] = e.size;
                self.change_sizes[node as usize] = e.size;
            }
        }
        for node in 0..self.state.len() {
            if let Some(v) = self.state[node] {
                let e = tree.entry_at(node as NodeId, v);
                if e.kind.is_file_like() {
                    self.sizes[node] = e.size;
                    if matches!(self.status[node], Status::Added | Status::Modified) {
                        self.change_sizes[node] = e.size;
                    }
                }
            }
            if self.status[node] != Status::Unchanged {
                self.changes[node] = 1;
            }
        }
        // Children have larger ids than their parents: a reverse scan folds sizes upwards.
        for node in (1..self.state.len()).rev() {
            let Some(parent) = tree.paths.parent(node as NodeId) else {
                continue;
            };
            let (p, c) = (parent as usize, node);
            let child_counts = self.state[c].is_some() || self.status[p] == Status::Removed;
            if child_counts {
                self.sizes[p] += self.sizes[c];
            }
            self.change_sizes[p] += self.change_sizes[c];
            self.changes[p] += self.changes[c];
        }
    }

    /// What is visible at `node` after the layer.
    pub fn visible(&self, node: NodeId) -> Option<Visible> {
        self.state[node as usize]
    }

    /// The entry shown for `node`: the visible one, or for a removed path the one removed.
    pub fn entry(&self, tree: &Tree, node: NodeId) -> Option<Entry> {
        match self.state[node as usize] {
            Some(v) => Some(tree.entry_at(node, v)),
            None if self.status[node as usize] == Status::Removed => self
                .removed
                .iter()
                .find(|(n, _)| *n == node)
                .map(|&(n, v)| tree.entry_at(n, v)),
            None => None,
        }
    }

    /// Whether the path is shown in this snapshot: visible, or removed by this layer.
    pub fn shown(&self, node: NodeId) -> bool {
        self.state[node as usize].is_some() || self.status[node as usize] == Status::Removed
    }

    pub fn status(&self, node: NodeId) -> Status {
        self.status[node as usize]
    }

    pub fn size(&self, node: NodeId) -> u64 {
        self.sizes[node as usize]
    }

    pub fn change_size(&self, node: NodeId) -> u64 {
        self.change_sizes[node as usize]
    }

    /// Number of paths at or below `node` that this layer changed.
    pub fn changes_below(&self, node: NodeId) -> u32 {
        self.changes[node as usize]
    }

    /// Total bytes of visible files.
    pub fn total_size(&self) -> u64 {
        self.sizes[ROOT as usize]
    }

    /// The paths removed by this layer, with what they were.
    pub fn removed(&self) -> &[(NodeId, Visible)] {
        &self.removed
    }
}

fn same_dir(old: &Entry, new: &Entry) -> bool {
    old.kind == EntryKind::Dir
        && new.kind == EntryKind::Dir
        && old.mode == new.mode
        && old.uid == new.uid
        && old.gid == new.gid
}
