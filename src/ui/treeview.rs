//! The file tree as the user sees it: which rows are visible (collapse state, filters, sort), the
//! cursor, the scroll offset and the search. UI state keyed by node id, kept apart from the tree.
//!
//! Rows are flattened only through expanded directories, with an explicit stack (paths can be
//! thousands deep). Expanding or collapsing one directory splices its rows in or out; filters,
//! sort and layer changes rebuild. Which nodes pass the filters is one reverse scan over node ids
//! (children have larger ids than their parents), so a directory is shown exactly when it or
//! something below it passes.

mod search;

pub use search::Matcher;

use crate::tree::{NodeId, ROOT, Snapshot, Status, Tree};
use crate::ui::marks::Marks;

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

/// One visible row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    /// 0 for children of `/`.
    pub depth: u32,
}

const INCLUDED: u8 = 1;
const HAS_CHILD: u8 = 2;
const MATCH: u8 = 4;
const MATCH_BELOW: u8 = 8;

/// The view model of the file tree.
#[derive(Debug, Clone)]
pub struct TreeView {
    pub mode: Mode,
    pub sort: SortOrder,
    pub filters: Filters,
    expanded: Vec<bool>,
    flags: Vec<u8>,
    rows: Vec<Row>,
    cursor: usize,
    offset: usize,
    height: usize,
    search: Option<Matcher>,
    /// Which paths match the search, whatever the layer and filters (paths do not change).
    matched: Vec<bool>,
    scratch: Vec<NodeId>,
}

impl TreeView {
    /// A view over a tree of `node_count` nodes, everything collapsed.
    pub fn new(node_count: usize) -> TreeView {
        let mut expanded = vec![false; node_count];
        if let Some(root) = expanded.first_mut() {
            *root = true;
        }
        TreeView {
            mode: Mode::Aggregated,
            sort: SortOrder::Name,
            filters: Filters::default(),
            expanded,
            flags: vec![0; node_count],
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            height: 1,
            search: None,
            matched: Vec::new(),
            scratch: Vec::new(),
        }
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The rows in the viewport.
    pub fn visible_rows(&self) -> &[Row] {
        let end = (self.offset + self.height).min(self.rows.len());
        self.rows.get(self.offset..end).unwrap_or_default()
    }

    pub fn selected(&self) -> Option<NodeId> {
        self.rows.get(self.cursor).map(|r| r.node)
    }

    pub fn is_expanded(&self, node: NodeId) -> bool {
        self.expanded.get(node as usize).copied().unwrap_or(false)
    }

    /// Whether the row has rows to show below it (something below passes the filters).
    pub fn has_children(&self, node: NodeId) -> bool {
        self.flag(node, HAS_CHILD)
    }

    pub fn is_match(&self, node: NodeId) -> bool {
        self.flag(node, MATCH)
    }

    fn flag(&self, node: NodeId, bit: u8) -> bool {
        self.flags.get(node as usize).is_some_and(|f| f & bit != 0)
    }

    /// Number of paths passing the filters.
    pub fn included_count(&self) -> usize {
        self.flags
            .iter()
            .skip(1)
            .filter(|f| **f & INCLUDED != 0)
            .count()
    }

    /// Sets the number of rows the viewport shows.
    pub fn set_height(&mut self, height: usize) {
        self.height = height.max(1);
        self.scroll_to_cursor();
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Recomputes what passes the filters and the rows, keeping the cursor on the same path
    /// (or its nearest shown ancestor).
    pub fn rebuild(&mut self, ctx: TreeCtx<'_>) {
        let selected = self.selected();
        self.compute_flags(ctx);
        if self.search.is_some() {
            self.apply_matches(ctx);
        }
        self.rows.clear();
        let mut rows = std::mem::take(&mut self.rows);
        self.flatten(ctx, ROOT, 0, &mut rows);
        self.rows = rows;
        self.cursor = selected.map_or(0, |node| self.row_of_nearest(ctx, node));
        self.scroll_to_cursor();
    }

    fn passes(&self, ctx: TreeCtx<'_>, node: NodeId) -> bool {
        let snap = ctx.snapshot;
        if self.mode == Mode::LayerChanges && snap.changes_below(node) == 0 {
            return false;
        }
        if !self.filters.shows(snap.status(node)) {
            return false;
        }
        !self.filters.wasted_only || ctx.marks.is_wasted(node) || ctx.marks.finding(node).is_some()
    }

    fn compute_flags(&mut self, ctx: TreeCtx<'_>) {
        let n = ctx.tree.paths.len();
        self.flags.clear();
        self.flags.resize(n, 0);
        self.expanded.resize(n, false);
        for node in (1..n as NodeId).rev() {
            let i = node as usize;
            if !ctx.snapshot.shown(node) {
                self.flags[i] = 0;
                continue;
            }
            let below = self.flags[i] & HAS_CHILD != 0;
            if below || self.passes(ctx, node) {
                self.flags[i] |= INCLUDED;
                if let Some(parent) = ctx.tree.paths.parent(node) {
                    self.flags[parent as usize] |= HAS_CHILD;
                }
            }
        }
        if let Some(root) = self.flags.first_mut() {
            *root |= INCLUDED;
        }
    }

    /// Appends the rows below `parent` (which sits at `depth - 1`) for expanded directories.
    fn flatten(&mut self, ctx: TreeCtx<'_>, parent: NodeId, depth: u32, out: &mut Vec<Row>) {
        let mut stack: Vec<Row> = Vec::new();
        self.push_children(ctx, parent, depth, &mut stack);
        while let Some(row) = stack.pop() {
            out.push(row);
            if self.is_expanded(row.node) && self.has_children(row.node) {
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
                .filter(|&c| self.flags[c as usize] & INCLUDED != 0),
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
            if let Some(i) = self.rows.iter().position(|r| r.node == cur) {
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
        let Some(row) = self.rows.get(i).copied() else {
            return 0;
        };
        if self.is_expanded(row.node) || !self.has_children(row.node) {
            return 0;
        }
        self.expanded[row.node as usize] = true;
        let mut below = Vec::new();
        self.flatten(ctx, row.node, row.depth + 1, &mut below);
        let inserted = below.len();
        self.rows.splice(i + 1..i + 1, below);
        if self.cursor > i {
            self.cursor += inserted;
        }
        inserted
    }

    /// Collapses the directory at row `i`, removing the rows below it.
    fn collapse_row(&mut self, i: usize) {
        let Some(row) = self.rows.get(i).copied() else {
            return;
        };
        if let Some(e) = self.expanded.get_mut(row.node as usize) {
            *e = false;
        }
        let end = self.subtree_end(i);
        self.rows.drain(i + 1..end);
        if self.cursor > i && self.cursor < end {
            self.cursor = i;
        } else if self.cursor >= end {
            self.cursor -= end - (i + 1);
        }
        self.scroll_to_cursor();
    }

    /// One past the last row below row `i`.
    fn subtree_end(&self, i: usize) -> usize {
        let depth = self.rows[i].depth;
        self.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.rows.len(), |p| i + 1 + p)
    }

    /// Expands or collapses the directory under the cursor.
    pub fn toggle(&mut self, ctx: TreeCtx<'_>) {
        let Some(row) = self.rows.get(self.cursor).copied() else {
            return;
        };
        if self.is_expanded(row.node) && self.has_children(row.node) {
            self.collapse_row(self.cursor);
        } else {
            self.expand_row(ctx, self.cursor);
            self.scroll_to_cursor();
        }
    }

    /// Expands the directory under the cursor, or moves into it when already expanded.
    pub fn right(&mut self, ctx: TreeCtx<'_>) {
        let Some(row) = self.rows.get(self.cursor).copied() else {
            return;
        };
        if !self.has_children(row.node) {
            return;
        }
        if self.is_expanded(row.node) {
            self.move_by(1);
        } else {
            self.expand_row(ctx, self.cursor);
            self.scroll_to_cursor();
        }
    }

    /// Collapses the directory under the cursor, or moves to its parent.
    pub fn left(&mut self) {
        let Some(row) = self.rows.get(self.cursor).copied() else {
            return;
        };
        if self.is_expanded(row.node) && self.has_children(row.node) {
            self.collapse_row(self.cursor);
        } else if row.depth > 0 {
            let parent = self.rows[..self.cursor]
                .iter()
                .rposition(|r| r.depth < row.depth);
            if let Some(p) = parent {
                self.cursor = p;
                self.scroll_to_cursor();
            }
        }
    }

    pub fn expand_all(&mut self, ctx: TreeCtx<'_>) {
        self.expanded.fill(true);
        self.rebuild(ctx);
    }

    pub fn collapse_all(&mut self, ctx: TreeCtx<'_>) {
        self.expanded.fill(false);
        if let Some(root) = self.expanded.first_mut() {
            *root = true;
        }
        self.rebuild(ctx);
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.scroll_to_cursor();
    }

    pub fn page(&mut self, pages: isize) {
        self.move_by(pages * self.height as isize);
    }

    pub fn home(&mut self) {
        self.cursor = 0;
        self.scroll_to_cursor();
    }

    pub fn end(&mut self) {
        self.cursor = self.rows.len().saturating_sub(1);
        self.scroll_to_cursor();
    }

    /// Selects the row shown `line` lines below the top of the viewport.
    pub fn click(&mut self, line: usize) {
        let row = self.offset + line;
        if row < self.rows.len() {
            self.cursor = row;
            self.scroll_to_cursor();
        }
    }

    fn scroll_to_cursor(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.height {
            self.offset = self.cursor + 1 - self.height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(self.height));
    }
}

#[cfg(test)]
mod tests;
