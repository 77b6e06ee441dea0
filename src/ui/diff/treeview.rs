//! The diff tree as the user sees it: filters by change kind, "changes only", sort by name or by
//! size change, collapse state, cursor, scroll and search. UI state keyed by node id of the
//! [`UnionTree`], kept apart from it. Rows are flattened with an explicit stack.

use super::union::{Change, UnionTree};
use crate::tree::{NodeId, ROOT};
use crate::ui::rows::{HAS_CHILD, INCLUDED, MATCH, Row, Rows};
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

/// The view model of the diff tree.
#[derive(Debug, Clone)]
pub struct DiffTreeView {
    pub sort: DiffSort,
    pub filters: DiffFilters,
    /// Rows, cursor, viewport, expansion and filter flags.
    pub view: Rows,
    search: Option<Matcher>,
}

impl DiffTreeView {
    /// A view of `tree` with default filters, everything collapsed.
    pub fn new(tree: &UnionTree) -> DiffTreeView {
        let n = tree.paths.len();
        let mut view = DiffTreeView {
            sort: DiffSort::Name,
            filters: DiffFilters::default(),
            view: Rows::new(n),
            search: None,
        };
        view.refilter(tree);
        view
    }

    /// Recomputes what passes the filters, then the rows.
    pub fn refilter(&mut self, tree: &UnionTree) {
        let n = tree.paths.len();
        self.view.flags.clear();
        self.view.flags.resize(n, 0);
        self.view.expanded.resize(n, false);
        for node in (1..n).rev() {
            let below = self.view.flags[node] & HAS_CHILD != 0;
            let id = node as NodeId;
            if below || self.filters.shows(tree.node(id).change) {
                self.view.flags[node] |= INCLUDED;
                if let Some(parent) = tree.paths.parent(id) {
                    self.view.flags[parent as usize] |= HAS_CHILD;
                }
            }
        }
        if let Some(root) = self.view.flags.first_mut() {
            *root |= INCLUDED;
        }
        if let Some(matcher) = &self.search {
            for node in 1..n {
                if self.view.flags[node] & INCLUDED != 0
                    && matcher.is_match(&tree.paths.path(node as NodeId))
                {
                    self.view.flags[node] |= MATCH;
                }
            }
        }
        self.reflatten(tree);
    }

    /// Rebuilds the rows through expanded directories, keeping the cursor on the same path (or
    /// its nearest shown ancestor).
    pub fn reflatten(&mut self, tree: &UnionTree) {
        let selected = self.view.selected();
        let mut rows = std::mem::take(&mut self.view.rows);
        rows.clear();
        self.flatten(tree, |me, node| me.view.is_expanded(node), &mut rows);
        self.view.rows = rows;
        self.view.cursor = selected.map_or(0, |node| self.row_of_nearest(tree, node));
        self.view.scroll_to_cursor();
    }

    /// Every included node below the root in display order, descending where `open` says.
    fn flatten(&self, tree: &UnionTree, open: impl Fn(&Self, NodeId) -> bool, out: &mut Vec<Row>) {
        let mut stack = Vec::new();
        self.push_children(tree, ROOT, 0, &mut stack);
        while let Some(row) = stack.pop() {
            out.push(row);
            if self.view.has_children(row.node) && open(self, row.node) {
                self.push_children(tree, row.node, row.depth + 1, &mut stack);
            }
        }
    }

    fn push_children(&self, tree: &UnionTree, node: NodeId, depth: u32, out: &mut Vec<Row>) {
        let paths = &tree.paths;
        let mut kids: Vec<NodeId> = paths
            .children(node)
            .filter(|&c| self.view.flag(c, INCLUDED))
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
        out.extend(kids.iter().rev().map(|&node| Row { node, depth }));
    }

    fn row_of_nearest(&self, tree: &UnionTree, node: NodeId) -> usize {
        let mut cur = node;
        loop {
            if let Some(i) = self.view.rows.iter().position(|r| r.node == cur) {
                return i;
            }
            match tree.paths.parent(cur) {
                Some(p) if p != ROOT => cur = p,
                _ => return 0,
            }
        }
    }

    fn set_expanded(&mut self, node: NodeId, on: bool) {
        if let Some(e) = self.view.expanded.get_mut(node as usize) {
            *e = on;
        }
    }

    /// Expands or collapses the directory under the cursor.
    pub fn toggle(&mut self, tree: &UnionTree) {
        if let Some(node) = self.view.selected() {
            let open = self.view.is_expanded(node);
            self.set_expanded(node, !open);
            self.reflatten(tree);
        }
    }

    /// Expands the directory under the cursor, or moves into it when already expanded.
    pub fn right(&mut self, tree: &UnionTree) {
        let Some(node) = self.view.selected().filter(|&n| self.view.has_children(n)) else {
            return;
        };
        if self.view.is_expanded(node) {
            self.view.move_by(1);
        } else {
            self.set_expanded(node, true);
            self.reflatten(tree);
        }
    }

    /// Collapses the directory under the cursor, or moves to its parent.
    pub fn left(&mut self, tree: &UnionTree) {
        let Some(row) = self.view.rows.get(self.view.cursor).copied() else {
            return;
        };
        if self.view.is_expanded(row.node) && self.view.has_children(row.node) {
            self.set_expanded(row.node, false);
            self.reflatten(tree);
        } else if let Some(p) = self.view.rows[..self.view.cursor]
            .iter()
            .rposition(|r| r.depth < row.depth)
        {
            self.view.cursor = p;
            self.view.scroll_to_cursor();
        }
    }

    pub fn expand_all(&mut self, tree: &UnionTree) {
        self.view.expanded.fill(true);
        self.reflatten(tree);
    }

    pub fn collapse_all(&mut self, tree: &UnionTree) {
        self.view.expanded.fill(false);
        self.set_expanded(ROOT, true);
        self.reflatten(tree);
    }

    /// Marks the shown paths matching `matcher` and goes to the first match after the cursor.
    /// Returns the number of matches.
    pub fn search(&mut self, tree: &UnionTree, matcher: Option<Matcher>) -> usize {
        self.search = matcher;
        self.refilter(tree);
        let count = self.view.flags.iter().filter(|f| **f & MATCH != 0).count();
        if count > 0 && !self.view.selected().is_some_and(|n| self.view.is_match(n)) {
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
        let here = self.view.selected();
        let at = here.and_then(|n| order.iter().position(|r| r.node == n));
        let matches = |r: &&Row| self.view.is_match(r.node);
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
        if let Some(i) = self.view.rows.iter().position(|r| r.node == target) {
            self.view.cursor = i;
            self.view.scroll_to_cursor();
        }
        true
    }
}
