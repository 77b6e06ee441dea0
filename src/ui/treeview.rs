//! The file tree as the user sees it: which rows are visible (collapse state, filters, sort), the
//! cursor, the scroll offset and the search. UI state keyed by node id, kept apart from the tree.
//!
//! Rows are flattened only through expanded directories, with an explicit stack (paths can be
//! thousands deep). Expanding or collapsing one directory splices its rows in or out; filters,
//! sort and layer changes rebuild. Which nodes pass the filters is one reverse scan over node ids
//! (children have larger ids than their parents), so a directory is shown exactly when it or
//! something below it passes.

mod search;

pub use search::{Matcher, MatcherError};

use crate::tree::{NodeId, ROOT, Snapshot, Status, Tree};
use crate::ui::marks::Marks;
use crate::ui::rows::{HAS_CHILD, INCLUDED, MATCH, MATCH_BELOW, Row, Rows};

/// Everything a tree view operation reads.
#[derive(Clone, Copy)]
pub struct TreeCtx<'a> {
    pub tree: &'a Tree,
    pub snapshot: &'a Snapshot,
    pub marks: &'a Marks,
}

/// What the tree shows of the selected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The whole filesystem as of the layer.
    Aggregated,
    /// Only the paths the layer changed (and the directories leading to them).
    LayerChanges,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Name,
    /// Largest first, then by name.
    Size,
}

/// Which paths pass. Statuses are shown when their flag is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filters {
    pub added: bool,
    pub modified: bool,
    pub removed: bool,
    pub unchanged: bool,
    /// Only wasted paths and findings (and the directories leading to them).
    pub wasted_only: bool,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            added: true,
            modified: true,
            removed: true,
            unchanged: true,
            wasted_only: false,
        }
    }
}

impl Filters {
    pub fn shows(&self, status: Status) -> bool {
        match status {
            Status::Added => self.added,
            Status::Modified => self.modified,
            Status::Removed => self.removed,
            Status::Unchanged => self.unchanged,
        }
    }
}

/// The view model of the file tree.
#[derive(Debug, Clone)]
pub struct TreeView {
    pub mode: Mode,
    pub sort: SortOrder,
    pub filters: Filters,
    /// Rows, cursor, viewport, expansion and filter flags.
    pub view: Rows,
    /// The permission and owner columns are shown (dive's ctrl+b hides them).
    pub attributes: bool,
    search: Option<Matcher>,
    /// Which paths match the search, whatever the layer and filters (paths do not change).
    matched: Vec<bool>,
    /// Paths that match or lie below a matching directory: what a narrowing search shows.
    in_result: Vec<bool>,
    /// While a search narrows the tree: the view from before it, to go back to.
    saved: Option<Saved>,
    /// While a search narrows the tree: the bytes of the shown files at and below each node.
    matched_bytes: Vec<u64>,
    scratch: Vec<NodeId>,
}

/// The tree view from before a search narrowed it.
#[derive(Debug, Clone)]
struct Saved {
    mode: Mode,
    expanded: Vec<bool>,
    selected: Option<NodeId>,
}

impl TreeView {
    /// A view over a tree of `node_count` nodes, everything collapsed.
    pub fn new(node_count: usize) -> TreeView {
        TreeView {
            mode: Mode::Aggregated,
            sort: SortOrder::Name,
            filters: Filters::default(),
            view: Rows::new(node_count),
            attributes: true,
            search: None,
            matched: Vec::new(),
            in_result: Vec::new(),
            saved: None,
            matched_bytes: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Recomputes what passes the filters and the rows, keeping the cursor on the same path
    /// (or its nearest shown ancestor).
    pub fn rebuild(&mut self, ctx: TreeCtx<'_>) {
        let selected = self.view.selected();
        self.compute_flags(ctx);
        if self.search.is_some() {
            self.apply_matches(ctx);
        }
        if self.is_narrowed() {
            self.sum_matched_bytes(ctx);
        }
        self.view.rows.clear();
        let mut rows = std::mem::take(&mut self.view.rows);
        self.flatten(ctx, ROOT, 0, &mut rows);
        self.view.rows = rows;
        self.view.cursor = selected.map_or(0, |node| self.row_of_nearest(ctx, node));
        self.view.scroll_to_cursor();
    }

    fn passes(&self, ctx: TreeCtx<'_>, node: NodeId) -> bool {
        let snap = ctx.snapshot;
        if self.is_narrowed() && !self.in_result.get(node as usize).copied().unwrap_or(false) {
            return false;
        }
        if self.mode == Mode::LayerChanges && snap.changes_below(node) == 0 {
            return false;
        }
        if !self.filters.shows(snap.status(node)) {
            return false;
        }
        !self.filters.wasted_only
            || ctx.marks.is_wasted(node)
            || ctx
                .marks
                .finding(&ctx.tree.paths, node, ctx.snapshot.layer)
                .is_some()
    }

    fn compute_flags(&mut self, ctx: TreeCtx<'_>) {
        let n = ctx.tree.paths.len();
        self.view.flags.clear();
        self.view.flags.resize(n, 0);
        self.view.expanded.resize(n, false);
        for node in (1..n as NodeId).rev() {
            let i = node as usize;
            if !ctx.snapshot.shown(node) {
                self.view.flags[i] = 0;
                continue;
            }
            let below = self.view.flags[i] & HAS_CHILD != 0;
            if below || self.passes(ctx, node) {
                self.view.flags[i] |= INCLUDED;
                if let Some(parent) = ctx.tree.paths.parent(node) {
                    self.view.flags[parent as usize] |= HAS_CHILD;
                }
            }
        }
        if let Some(root) = self.view.flags.first_mut() {
            *root |= INCLUDED;
        }
    }

    /// Appends the rows below `parent` (which sits at `depth - 1`) for expanded directories.
    fn flatten(&mut self, ctx: TreeCtx<'_>, parent: NodeId, depth: u32, out: &mut Vec<Row>) {
        let mut stack: Vec<Row> = Vec::new();
        self.push_children(ctx, parent, depth, &mut stack);
        while let Some(row) = stack.pop() {
            out.push(row);
            if self.view.is_expanded(row.node) && self.view.has_children(row.node) {
                self.push_children(ctx, row.node, row.depth + 1, &mut stack);
            }
        }
    }

    fn push_children(&mut self, ctx: TreeCtx<'_>, node: NodeId, depth: u32, stack: &mut Vec<Row>) {
        let paths = &ctx.tree.paths;
        let mut kids = std::mem::take(&mut self.scratch);
        kids.clear();
        kids.extend(
            paths
                .children(node)
                .filter(|&c| self.view.flags[c as usize] & INCLUDED != 0),
        );
        match self.sort {
            SortOrder::Name => kids.sort_unstable_by(|&a, &b| paths.name(a).cmp(paths.name(b))),
            SortOrder::Size => kids.sort_unstable_by(|&a, &b| {
                let snap = ctx.snapshot;
                snap.size(b)
                    .cmp(&snap.size(a))
                    .then_with(|| paths.name(a).cmp(paths.name(b)))
            }),
        }
        stack.extend(kids.iter().rev().map(|&node| Row { node, depth }));
        self.scratch = kids;
    }

    /// The row of `node`, or of its nearest ancestor that has a row.
    fn row_of_nearest(&self, ctx: TreeCtx<'_>, node: NodeId) -> usize {
        let mut cur = node;
        loop {
            if let Some(i) = self.view.rows.iter().position(|r| r.node == cur) {
                return i;
            }
            match ctx.tree.paths.parent(cur) {
                Some(p) if p != ROOT => cur = p,
                _ => return 0,
            }
        }
    }

    /// Expands the directory at row `i`; returns how many rows were inserted.
    fn expand_row(&mut self, ctx: TreeCtx<'_>, i: usize) -> usize {
        let Some(row) = self.view.rows.get(i).copied() else {
            return 0;
        };
        if self.view.is_expanded(row.node) || !self.view.has_children(row.node) {
            return 0;
        }
        self.view.expanded[row.node as usize] = true;
        let mut below = Vec::new();
        self.flatten(ctx, row.node, row.depth + 1, &mut below);
        let inserted = below.len();
        self.view.rows.splice(i + 1..i + 1, below);
        if self.view.cursor > i {
            self.view.cursor += inserted;
        }
        inserted
    }

    /// Collapses the directory at row `i`, removing the rows below it.
    fn collapse_row(&mut self, i: usize) {
        let Some(row) = self.view.rows.get(i).copied() else {
            return;
        };
        if let Some(e) = self.view.expanded.get_mut(row.node as usize) {
            *e = false;
        }
        let end = self.subtree_end(i);
        self.view.rows.drain(i + 1..end);
        if self.view.cursor > i && self.view.cursor < end {
            self.view.cursor = i;
        } else if self.view.cursor >= end {
            self.view.cursor -= end - (i + 1);
        }
        self.view.scroll_to_cursor();
    }

    /// One past the last row below row `i`.
    fn subtree_end(&self, i: usize) -> usize {
        let depth = self.view.rows[i].depth;
        self.view.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.view.rows.len(), |p| i + 1 + p)
    }

    /// Expands or collapses the directory under the cursor.
    pub fn toggle(&mut self, ctx: TreeCtx<'_>) {
        let Some(row) = self.view.rows.get(self.view.cursor).copied() else {
            return;
        };
        if self.view.is_expanded(row.node) && self.view.has_children(row.node) {
            self.collapse_row(self.view.cursor);
        } else {
            self.expand_row(ctx, self.view.cursor);
            self.view.scroll_to_cursor();
        }
    }

    /// Expands the directory under the cursor, or moves into it when already expanded.
    pub fn right(&mut self, ctx: TreeCtx<'_>) {
        let Some(row) = self.view.rows.get(self.view.cursor).copied() else {
            return;
        };
        if !self.view.has_children(row.node) {
            return;
        }
        if self.view.is_expanded(row.node) {
            self.view.move_by(1);
        } else {
            self.expand_row(ctx, self.view.cursor);
            self.view.scroll_to_cursor();
        }
    }

    /// Collapses the directory under the cursor, or moves to its parent.
    pub fn left(&mut self) {
        let Some(row) = self.view.rows.get(self.view.cursor).copied() else {
            return;
        };
        if self.view.is_expanded(row.node) && self.view.has_children(row.node) {
            self.collapse_row(self.view.cursor);
        } else if row.depth > 0 {
            let parent = self.view.rows[..self.view.cursor]
                .iter()
                .rposition(|r| r.depth < row.depth);
            if let Some(p) = parent {
                self.view.cursor = p;
                self.view.scroll_to_cursor();
            }
        }
    }

    /// dive's ctrl+space: collapses every directory when one is expanded, else expands all.
    pub fn toggle_all(&mut self, ctx: TreeCtx<'_>) {
        let any_open = self
            .view
            .rows
            .iter()
            .any(|r| self.view.is_expanded(r.node) && self.view.has_children(r.node));
        if any_open {
            self.collapse_all(ctx);
        } else {
            self.expand_all(ctx);
        }
    }

    pub fn expand_all(&mut self, ctx: TreeCtx<'_>) {
        self.view.expanded.fill(true);
        self.rebuild(ctx);
    }

    pub fn collapse_all(&mut self, ctx: TreeCtx<'_>) {
        self.view.expanded.fill(false);
        if let Some(root) = self.view.expanded.first_mut() {
            *root = true;
        }
        self.rebuild(ctx);
    }
}

#[cfg(test)]
mod tests;
