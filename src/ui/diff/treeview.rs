//! The diff tree as the user sees it: filters by change kind, "changes only", sort by name or by
//! size change, collapse state, cursor, scroll and search. UI state keyed by node id of the
//! [`UnionTree`], kept apart from it. Rows are flattened with an explicit stack.

use super::union::{Change, UnionTree};
use crate::tree::{NodeId, ROOT};
use crate::ui::treeview::Matcher;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffSort {
    Name,
    /// Largest absolute size change first, then by name.
    Delta,
}

/// Which change kinds are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffFilters {
    pub added: bool,
    pub removed: bool,
    pub changed: bool,
    /// Off means "changes only".
    pub unchanged: bool,
}

impl Default for DiffFilters {
    fn default() -> Self {
        DiffFilters {
            added: true,
            removed: true,
            changed: true,
            unchanged: false,
        }
    }
}

impl DiffFilters {
    pub fn shows(&self, change: Change) -> bool {
        match change {
            Change::Added => self.added,
            Change::Removed => self.removed,
            Change::Changed => self.changed,
            Change::Unchanged => self.unchanged,
        }
    }
}

/// One visible row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffRow {
    pub node: NodeId,
    /// 0 for children of `/`.
    pub depth: u32,
}

const INCLUDED: u8 = 1;
const HAS_CHILD: u8 = 2;
const MATCH: u8 = 4;

/// The view model of the diff tree.
#[derive(Debug, Clone)]
pub struct DiffTreeView {
    pub sort: DiffSort,
    pub filters: DiffFilters,
    expanded: Vec<bool>,
    flags: Vec<u8>,
    rows: Vec<DiffRow>,
    cursor: usize,
    offset: usize,
    height: usize,
    search: Option<Matcher>,
}

impl DiffTreeView {
    /// A view of `tree` with default filters, everything collapsed.
    pub fn new(tree: &UnionTree) -> DiffTreeView {
        let n = tree.paths.len();
        let mut view = DiffTreeView {
            sort: DiffSort::Name,
            filters: DiffFilters::default(),
            expanded: vec![false; n],
            flags: vec![0; n],
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            height: 1,
            search: None,
        };
        if let Some(root) = view.expanded.first_mut() {
            *root = true;
        }
        view.refilter(tree);
        view
    }

    pub fn rows(&self) -> &[DiffRow] {
        &self.rows
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The rows in the viewport.
    pub fn visible_rows(&self) -> &[DiffRow] {
        let end = (self.offset + self.height).min(self.rows.len());
        self.rows.get(self.offset..end).unwrap_or_default()
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn selected(&self) -> Option<NodeId> {
        self.rows.get(self.cursor).map(|r| r.node)
    }

    pub fn is_expanded(&self, node: NodeId) -> bool {
        self.expanded.get(node as usize).copied().unwrap_or(false)
    }

    pub fn has_children(&self, node: NodeId) -> bool {
        self.flag(node, HAS_CHILD)
    }

    pub fn is_match(&self, node: NodeId) -> bool {
        self.flag(node, MATCH)
    }

    fn flag(&self, node: NodeId, bit: u8) -> bool {
        self.flags.get(node as usize).is_some_and(|f| f & bit != 0)
    }

    /// Paths passing the filters (and directories leading to them).
    pub fn included_count(&self) -> usize {
        self.flags
            .iter()
            .skip(1)
            .filter(|f| **f & INCLUDED != 0)
            .count()
    }

    pub fn set_height(&mut self, height: usize) {
        self.height = height.max(1);
        self.scroll_to_cursor();
    }

    /// Recomputes what passes the filters, then the rows.
    pub fn refilter(&mut self, tree: &UnionTree) {
        let n = tree.paths.len();
        self.flags.clear();
        self.flags.resize(n, 0);
        self.expanded.resize(n, false);
        for node in (1..n).rev() {
            let below = self.flags[node] & HAS_CHILD != 0;
            let id = node as NodeId;
            if below || self.filters.shows(tree.node(id).change) {
                self.flags[node] |= INCLUDED;
                if let Some(parent) = tree.paths.parent(id) {
                    self.flags[parent as usize] |= HAS_CHILD;
                }
            }
        }
        if let Some(root) = self.flags.first_mut() {
            *root |= INCLUDED;
        }
        if let Some(matcher) = &self.search {
            for node in 1..n {
                if self.flags[node] & INCLUDED != 0
                    && matcher.is_match(&tree.paths.path(node as NodeId))
                {
                    self.flags[node] |= MATCH;
                }
            }
        }
        self.reflatten(tree);
    }

    /// Rebuilds the rows through expanded directories, keeping the cursor on the same path (or
    /// its nearest shown ancestor).
    pub fn reflatten(&mut self, tree: &UnionTree) {
        let selected = self.selected();
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        self.flatten(tree, |view, node| view.is_expanded(node), &mut rows);
        self.rows = rows;
        self.cursor = selected.map_or(0, |node| self.row_of_nearest(tree, node));
        self.scroll_to_cursor();
    }

    /// Every included node below the root in display order, descending where `open` says.
    fn flatten(
        &self,
        tree: &UnionTree,
        open: impl Fn(&Self, NodeId) -> bool,
        out: &mut Vec<DiffRow>,
    ) {
        let mut stack = Vec::new();
        self.push_children(tree, ROOT, 0, &mut stack);
        while let Some(row) = stack.pop() {
            out.push(row);
            if self.has_children(row.node) && open(self, row.node) {
                self.push_children(tree, row.node, row.depth + 1, &mut stack);
            }
        }
    }

    fn push_children(&self, tree: &UnionTree, node: NodeId, depth: u32, out: &mut Vec<DiffRow>) {
        let paths = &tree.paths;
        let mut kids: Vec<NodeId> = paths
            .children(node)
            .filter(|&c| self.flag(c, INCLUDED))
            .collect();
        match self.sort {
            DiffSort::Name => kids.sort_unstable_by(|&a, &b| paths.name(a).cmp(paths.name(b))),
            DiffSort::Delta => kids.sort_unstable_by(|&a, &b| {
                let size = |n: NodeId| tree.node(n).delta().unsigned_abs();
                size(b)
                    .cmp(&size(a))
                    .then_with(|| paths.name(a).cmp(paths.name(b)))
            }),
        }
        out.extend(kids.iter().rev().map(|&node| DiffRow { node, depth }));
    }

    fn row_of_nearest(&self, tree: &UnionTree, node: NodeId) -> usize {
        let mut cur = node;
        loop {
            if let Some(i) = self.rows.iter().position(|r| r.node == cur) {
                return i;
            }
            match tree.paths.parent(cur) {
                Some(p) if p != ROOT => cur = p,
                _ => return 0,
            }
        }
    }

    fn set_expanded(&mut self, node: NodeId, on: bool) {
        if let Some(e) = self.expanded.get_mut(node as usize) {
            *e = on;
        }
    }

    /// Expands or collapses the directory under the cursor.
    pub fn toggle(&mut self, tree: &UnionTree) {
        if let Some(node) = self.selected() {
            let open = self.is_expanded(node);
            self.set_expanded(node, !open);
            self.reflatten(tree);
        }
    }

    /// Expands the directory under the cursor, or moves into it when already expanded.
    pub fn right(&mut self, tree: &UnionTree) {
        let Some(node) = self.selected().filter(|&n| self.has_children(n)) else {
            return;
        };
        if self.is_expanded(node) {
            self.move_by(1);
        } else {
            self.set_expanded(node, true);
            self.reflatten(tree);
        }
    }

    /// Collapses the directory under the cursor, or moves to its parent.
    pub fn left(&mut self, tree: &UnionTree) {
        let Some(row) = self.rows.get(self.cursor).copied() else {
            return;
        };
        if self.is_expanded(row.node) && self.has_children(row.node) {
            self.set_expanded(row.node, false);
            self.reflatten(tree);
        } else if let Some(p) = self.rows[..self.cursor]
            .iter()
            .rposition(|r| r.depth < row.depth)
        {
            self.cursor = p;
            self.scroll_to_cursor();
        }
    }

    pub fn expand_all(&mut self, tree: &UnionTree) {
        self.expanded.fill(true);
        self.reflatten(tree);
    }

    pub fn collapse_all(&mut self, tree: &UnionTree) {
        self.expanded.fill(false);
        self.set_expanded(ROOT, true);
        self.reflatten(tree);
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
        if self.offset + line < self.rows.len() {
            self.cursor = self.offset + line;
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

    /// Marks the shown paths matching `matcher` and goes to the first match after the cursor.
    /// Returns the number of matches.
    pub fn search(&mut self, tree: &UnionTree, matcher: Option<Matcher>) -> usize {
        self.search = matcher;
        self.refilter(tree);
        let count = self.flags.iter().filter(|f| **f & MATCH != 0).count();
        if count > 0 && !self.selected().is_some_and(|n| self.is_match(n)) {
            self.jump(tree, true);
        }
        count
    }

    pub fn has_search(&self) -> bool {
        self.search.is_some()
    }

    /// Moves to the next (or previous) match in display order, expanding the directories above
    /// it. Returns whether there was one.
    pub fn jump(&mut self, tree: &UnionTree, forward: bool) -> bool {
        let mut order = Vec::new();
        self.flatten(tree, |_, _| true, &mut order);
        let here = self.selected();
        let at = here.and_then(|n| order.iter().position(|r| r.node == n));
        let matches = |r: &&DiffRow| self.is_match(r.node);
        let found = if forward {
            let start = at.map_or(0, |i| i + 1);
            order[start..]
                .iter()
                .find(matches)
                .or_else(|| order.iter().find(matches))
        } else {
            let end = at.unwrap_or(order.len());
            order[..end]
                .iter()
                .rev()
                .find(matches)
                .or_else(|| order.iter().rev().find(matches))
        };
        let Some(target) = found.map(|r| r.node) else {
            return false;
        };
        let mut up = tree.paths.parent(target);
        while let Some(p) = up {
            self.set_expanded(p, true);
            up = tree.paths.parent(p);
        }
        self.reflatten(tree);
        if let Some(i) = self.rows.iter().position(|r| r.node == target) {
            self.cursor = i;
            self.scroll_to_cursor();
        }
        true
    }
}
