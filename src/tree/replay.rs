//! Applies layers one after another to a "what is visible at each path" array, reporting each
//! change as an [`Event`]. Deletions of a layer apply to the layers below it, before its own
//! entries; a non-directory that replaces a directory hides everything below it.

use super::paths::{NodeId, ROOT};
use super::{Entry, Tree};
use crate::layer::EntryKind;

/// Which entry is visible at a path: `(layer, entry index)` packed in a `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visible(u64);

const ABSENT: u64 = u64::MAX;
const IMPLIED: u32 = u32::MAX;

impl Visible {
    pub fn new(layer: u32, entry: u32) -> Visible {
        Visible((u64::from(layer) << 32) | u64::from(entry))
    }

    /// A directory with no entry of its own, created because a path below it exists.
    pub fn implied(layer: u32) -> Visible {
        Visible::new(layer, IMPLIED)
    }

    pub fn layer(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The entry index within its layer, `None` for an implied directory.
    pub fn entry(self) -> Option<u32> {
        let e = self.0 as u32;
        (e != IMPLIED).then_some(e)
    }
}

/// One change made by a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A visible path was deleted (whiteout, opaque directory, or replaced directory).
    Deleted { node: NodeId, was: Visible },
    /// An entry of the layer was put at its path; `was` is what it replaced, if anything.
    Put {
        node: NodeId,
        now: Visible,
        was: Option<Visible>,
    },
}

/// The merged state while layers are applied in order.
pub struct Replay<'t> {
    tree: &'t Tree,
    visible: Vec<u64>,
    next: usize,
    stack: Vec<NodeId>,
}

impl<'t> Replay<'t> {
    pub fn new(tree: &'t Tree) -> Replay<'t> {
        let mut visible = vec![ABSENT; tree.paths.len()];
        // The root always exists.
        visible[ROOT as usize] = Visible::implied(0).0;
        Replay {
            tree,
            visible,
            next: 0,
            stack: Vec::new(),
        }
    }

    /// The index of the next layer [`Replay::step`] applies.
    pub fn next_layer(&self) -> usize {
        self.next
    }

    pub fn get(&self, node: NodeId) -> Option<Visible> {
        let v = self.visible[node as usize];
        (v != ABSENT).then_some(Visible(v))
    }

    /// The entry visible at `node`, if any (implied directories get default metadata).
    pub fn entry(&self, node: NodeId) -> Option<Entry> {
        self.get(node).map(|v| match v.entry() {
            Some(e) => self.tree.layers[v.layer() as usize].entries[e as usize],
            None => Entry::implied_dir(node),
        })
    }

    /// The raw state, indexed by node id.
    pub fn into_state(self) -> Vec<Option<Visible>> {
        self.visible
            .into_iter()
            .map(|v| (v != ABSENT).then_some(Visible(v)))
            .collect()
    }

    /// Applies the next layer, calling `on` for each change. Returns false when all layers are applied.
    pub fn step(&mut self, mut on: impl FnMut(Event)) -> bool {
        let Some(layer) = self.tree.layers.get(self.next) else {
            return false;
        };
        let layer_no = self.next as u32;
        self.next += 1;
        // Deletions first: they apply to lower layers only.
        for entry in &layer.entries {
            match entry.kind {
                EntryKind::Opaque => self.delete_below(entry.node, &mut on),
                EntryKind::Whiteout if self.get(entry.node).is_some() => {
                    self.delete_below(entry.node, &mut on);
                    if let Some(was) = self.take(entry.node) {
                        on(Event::Deleted {
                            node: entry.node,
                            was,
                        });
                    }
                }
                _ => {}
            }
        }
        for (i, entry) in layer.entries.iter().enumerate() {
            match entry.kind {
                EntryKind::Whiteout => continue,
                EntryKind::Opaque => {
                    // The marker implies its directory exists in this layer.
                    self.ensure_dir(entry.node, layer_no, &mut on);
                    continue;
                }
                _ => {}
            }
            if let Some(parent) = self.tree.paths.parent(entry.node) {
                self.ensure_dir(parent, layer_no, &mut on);
            }
            let was = self.get(entry.node);
            if entry.kind != EntryKind::Dir {
                // A file over a directory replaces the whole directory.
                self.delete_below(entry.node, &mut on);
            }
            let now = Visible::new(layer_no, i as u32);
            self.visible[entry.node as usize] = now.0;
            on(Event::Put {
                node: entry.node,
                now,
                was,
            });
        }
        true
    }

    fn take(&mut self, node: NodeId) -> Option<Visible> {
        let v = std::mem::replace(&mut self.visible[node as usize], ABSENT);
        (v != ABSENT).then_some(Visible(v))
    }

    /// Deletes everything visible strictly below `node`.
    fn delete_below(&mut self, node: NodeId, on: &mut impl FnMut(Event)) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.extend(self.tree.paths.children(node));
        while let Some(n) = stack.pop() {
            // A path absent now has nothing visible below it: prune.
            if let Some(was) = self.take(n) {
                stack.extend(self.tree.paths.children(n));
                on(Event::Deleted { node: n, was });
            }
        }
        self.stack = stack;
    }

    /// Makes `node` and its ancestors exist as directories, implied where they have no entry.
    fn ensure_dir(&mut self, node: NodeId, layer: u32, on: &mut impl FnMut(Event)) {
        let mut missing = std::mem::take(&mut self.stack);
        missing.clear();
        let mut cur = node;
        while self.get(cur).is_none() {
            missing.push(cur);
            match self.tree.paths.parent(cur) {
                Some(p) => cur = p,
                None => break,
            }
        }
        // A non-directory in the way of a directory is replaced by it.
        if let Some(entry) = self.entry(cur) {
            if entry.kind != EntryKind::Dir && cur != ROOT {
                let was = self.get(cur);
                missing.push(cur);
                if let Some(was) = was {
                    on(Event::Deleted { node: cur, was });
                }
                self.visible[cur as usize] = ABSENT;
            }
        }
        while let Some(n) = missing.pop() {
            let now = Visible::implied(layer);
            self.visible[n as usize] = now.0;
            on(Event::Put {
                node: n,
                now,
                was: None,
            });
        }
        self.stack = missing;
    }
}
