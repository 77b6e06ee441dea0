//! Search in the file tree by path substring or glob, and jumping to the next or previous match
//! in display order, expanding collapsed directories on the way.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{INCLUDED, MATCH, MATCH_BELOW, TreeCtx, TreeView};
use crate::tree::{NodeId, ROOT};

/// What a search looks for in absolute paths.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A plain text found anywhere in the path.
    Substring(Vec<u8>),
    /// A glob over the whole path (`*` also crosses `/`, so `*.pyc` finds them everywhere).
    Glob(globset::GlobMatcher),
}

impl Matcher {
    /// A glob when the text has glob syntax, else a substring.
    pub fn parse(text: &str) -> Result<Matcher, globset::Error> {
        if text.contains(['*', '?', '[', '{']) {
            Ok(Matcher::Glob(globset::Glob::new(text)?.compile_matcher()))
        } else {
            Ok(Matcher::Substring(text.as_bytes().to_vec()))
        }
    }

    pub fn is_match(&self, path: &[u8]) -> bool {
        match self {
            Matcher::Substring(needle) => {
                needle.is_empty() || path.windows(needle.len()).any(|w| w == needle.as_slice())
            }
            Matcher::Glob(glob) => glob.is_match(Path::new(OsStr::from_bytes(path))),
        }
    }
}

impl TreeView {
    /// Marks the paths matching `matcher` (among those passing the filters) and moves to the
    /// first match at or after the cursor. Returns the number of matches.
    pub fn search(&mut self, ctx: TreeCtx<'_>, matcher: Matcher) -> usize {
        self.compute_matches(ctx, &matcher);
        self.search = Some(matcher);
        self.apply_matches(ctx);
        let count = self.match_count();
        if count > 0 && !self.view.selected().is_some_and(|n| self.view.is_match(n)) {
            self.next_match(ctx);
        }
        count
    }

    pub fn clear_search(&mut self) {
        self.search = None;
        self.matched = Vec::new();
        for f in &mut self.view.flags {
            *f &= !(MATCH | MATCH_BELOW);
        }
    }

    pub fn has_search(&self) -> bool {
        self.search.is_some()
    }

    pub fn match_count(&self) -> usize {
        self.view.flags.iter().filter(|f| **f & MATCH != 0).count()
    }

    /// Tests every path with one reusable buffer, depth first without recursion.
    fn compute_matches(&mut self, ctx: TreeCtx<'_>, matcher: &Matcher) {
        let paths = &ctx.tree.paths;
        self.matched.clear();
        self.matched.resize(paths.len(), false);
        let mut buf: Vec<u8> = Vec::new();
        let mut stack: Vec<(NodeId, usize)> = paths.children(ROOT).map(|c| (c, 0)).collect();
        while let Some((node, parent_len)) = stack.pop() {
            buf.truncate(parent_len);
            buf.push(b'/');
            buf.extend_from_slice(paths.name(node));
            self.matched[node as usize] = matcher.is_match(&buf);
            let len = buf.len();
            stack.extend(paths.children(node).map(|c| (c, len)));
        }
    }

    /// Marks the matches among the paths passing the filters, and the directories above them.
    pub(super) fn apply_matches(&mut self, ctx: TreeCtx<'_>) {
        let paths = &ctx.tree.paths;
        for f in &mut self.view.flags {
            *f &= !(MATCH | MATCH_BELOW);
        }
        // Children have larger ids than parents: one reverse scan folds "a match below" upwards.
        for node in (1..paths.len() as NodeId).rev() {
            let i = node as usize;
            let mut f = self.view.flags[i];
            if f & INCLUDED != 0 && self.matched.get(i).copied().unwrap_or(false) {
                f |= MATCH;
                self.view.flags[i] = f;
            }
            if f & (MATCH | MATCH_BELOW) != 0 {
                if let Some(p) = paths.parent(node) {
                    self.view.flags[p as usize] |= MATCH_BELOW;
                }
            }
        }
    }

    /// Moves to the next match in display order, wrapping around. Returns whether one was found.
    pub fn next_match(&mut self, ctx: TreeCtx<'_>) -> bool {
        if !self.view.flag(ROOT, MATCH_BELOW) || self.view.rows.is_empty() {
            return false;
        }
        let mut start = self.view.cursor;
        let mut i = start + 1;
        let mut wrapped = false;
        loop {
            if i >= self.view.rows.len() {
                if wrapped {
                    return false;
                }
                wrapped = true;
                i = 0;
            }
            if wrapped && i > start {
                return false;
            }
            let node = self.view.rows[i].node;
            if self.view.flag(node, MATCH) {
                self.view.cursor = i;
                self.view.scroll_to_cursor();
                return true;
            }
            if self.view.flag(node, MATCH_BELOW) && !self.view.is_expanded(node) {
                let inserted = self.expand_row(ctx, i);
                if i < start {
                    start += inserted;
                }
            }
            i += 1;
        }
    }

    /// Moves to the previous match in display order, wrapping around.
    pub fn prev_match(&mut self, ctx: TreeCtx<'_>) -> bool {
        if !self.view.flag(ROOT, MATCH_BELOW) || self.view.rows.is_empty() {
            return false;
        }
        let mut start = self.view.cursor;
        let mut i = start as isize - 1;
        let mut wrapped = false;
        loop {
            if i < 0 {
                if wrapped {
                    return false;
                }
                wrapped = true;
                i = self.view.rows.len() as isize - 1;
            }
            let at = i as usize;
            if wrapped && at < start {
                return false;
            }
            let node = self.view.rows[at].node;
            if self.view.flag(node, MATCH_BELOW) && !self.view.is_expanded(node) {
                let inserted = self.expand_row(ctx, at);
                if inserted > 0 {
                    if at < start {
                        start += inserted;
                    }
                    // Matches below come after the directory in display order: visit them first.
                    i = (at + inserted) as isize;
                    continue;
                }
            }
            if self.view.flag(node, MATCH) {
                self.view.cursor = at;
                self.view.scroll_to_cursor();
                return true;
            }
            i -= 1;
        }
    }
}
