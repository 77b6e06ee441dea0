//! What the image tree and the diff tree views share: the flattened rows with a cursor and a
//! scrolled viewport, and per node whether it is expanded and how it fared in the filters. The
//! views decide which rows there are; this keeps the cursor on them.

use crate::tree::NodeId;

/// One visible row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    /// 0 for children of `/`.
    pub depth: u32,
}

/// The node passes the filters (or leads to one that does).
pub const INCLUDED: u8 = 1;
/// Something below the node passes the filters.
pub const HAS_CHILD: u8 = 2;
/// The node matches the search.
pub const MATCH: u8 = 4;
/// Something below the node matches the search.
pub const MATCH_BELOW: u8 = 8;

/// Rows, cursor and viewport of a tree view, with per-node expansion and filter flags.
#[derive(Debug, Clone)]
pub struct Rows {
    pub(in crate::ui) expanded: Vec<bool>,
    pub(in crate::ui) flags: Vec<u8>,
    pub(in crate::ui) rows: Vec<Row>,
    pub(in crate::ui) cursor: usize,
    offset: usize,
    height: usize,
}

impl Rows {
    /// Rows over a tree of `node_count` nodes: none yet, only the root expanded.
    pub fn new(node_count: usize) -> Rows {
        let mut expanded = vec![false; node_count];
        if let Some(root) = expanded.first_mut() {
            *root = true;
        }
        Rows {
            expanded,
            flags: vec![0; node_count],
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            height: 1,
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

    pub(in crate::ui) fn flag(&self, node: NodeId, bit: u8) -> bool {
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

    /// Scrolls the viewport so that the cursor's row shows, and no further than the last row.
    pub(in crate::ui) fn scroll_to_cursor(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.height {
            self.offset = self.cursor + 1 - self.height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(self.height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: u32, height: usize) -> Rows {
        let mut r = Rows::new(n as usize + 1);
        r.rows = (1..=n).map(|node| Row { node, depth: 0 }).collect();
        r.set_height(height);
        r
    }

    #[test]
    fn the_viewport_follows_the_cursor_and_stops_at_the_ends() {
        let mut r = rows(10, 4);
        r.move_by(5);
        assert_eq!((r.cursor(), r.offset()), (5, 2));
        assert_eq!(r.visible_rows().len(), 4);
        r.page(1);
        assert_eq!((r.cursor(), r.offset()), (9, 6));
        r.move_by(3);
        assert_eq!(r.cursor(), 9);
        r.home();
        assert_eq!((r.cursor(), r.offset()), (0, 0));
        r.end();
        assert_eq!((r.selected(), r.offset()), (Some(10), 6));
        r.click(1);
        assert_eq!(r.selected(), Some(8));
        r.click(9);
        assert_eq!(
            r.selected(),
            Some(8),
            "a click below the last row changes nothing"
        );
    }

    #[test]
    fn flags_say_what_passed_the_filters() {
        let mut r = rows(3, 2);
        r.flags[1] = INCLUDED | HAS_CHILD;
        r.flags[2] = INCLUDED | MATCH;
        assert!(r.has_children(1) && !r.has_children(2));
        assert!(r.is_match(2) && !r.is_match(1));
        assert_eq!(r.included_count(), 2);
        assert!(r.is_expanded(0) && !r.is_expanded(1));
    }
}
