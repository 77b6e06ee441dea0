//! Search in the file tree by path substring, glob or regex: narrowing the tree to the matches
//! (with the matched bytes summed per directory) and going back, and jumping to the next or
//! previous match in display order, expanding collapsed directories on the way.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{INCLUDED, MATCH, MATCH_BELOW, Saved, TreeCtx, TreeView};
use crate::tree::{NodeId, ROOT};

/// What a search looks for in absolute paths.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A plain text found anywhere in the path.
    Substring(Vec<u8>),
    /// A glob over the whole path (`*` also crosses `/`, so `*.pyc` finds them everywhere).
    Glob(globset::GlobMatcher),
    /// A regular expression found anywhere in the path, written `/regex/` (dive's filter is a
    /// regex too). Paths are bytes, so it runs on bytes.
    Regex(regex::bytes::Regex),
}

/// Why a search text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error("bad glob: {0}")]
    Glob(#[from] globset::Error),
    #[error("bad regex: {0}")]
    Regex(#[from] regex::Error),
}

impl MatcherError {
    /// One line for the status bar, quoting the search text.
    pub fn note(&self, text: &str) -> String {
        match self {
            MatcherError::Glob(e) => format!("bad glob `{text}`: {}", e.kind()),
            // The regex crate's message spans lines (the pattern, a caret, the reason): the
            // reason is the last one.
            MatcherError::Regex(e) => {
                let full = e.to_string();
                let reason = full.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
                format!(
                    "bad regex `{text}`: {}",
                    reason.trim().trim_start_matches("error: ")
                )
            }
        }
    }
}

/// Compiled regexes are capped, so that a hostile or mistyped pattern cannot take the memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Matcher {
    /// A regex when the text is `/.../`, a glob when it has glob syntax, else a substring.
    pub fn parse(text: &str) -> Result<Matcher, MatcherError> {
        if let Some(re) = text
            .strip_prefix('/')
            .and_then(|t| t.strip_suffix('/'))
            .filter(|t| !t.is_empty())
        {
            let re = regex::bytes::RegexBuilder::new(re)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()?;
            Ok(Matcher::Regex(re))
        } else if text.contains(['*', '?', '[', '{']) {
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
            Matcher::Regex(re) => re.is_match(path),
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

    /// dive's filter: narrows the tree to the matching paths (and everything below a matching
    /// directory) of the filesystem up to the selected layer, every directory open, sizes
    /// counting only the shown files. The view from before is kept for [`Self::leave_search`].
    /// Returns the number of matching paths.
    pub fn narrow(&mut self, ctx: TreeCtx<'_>, matcher: Matcher) -> usize {
        if self.saved.is_none() {
            self.saved = Some(Saved {
                mode: self.mode,
                expanded: self.view.expanded.clone(),
                selected: self.view.selected(),
            });
        }
        self.mode = super::Mode::Aggregated;
        self.compute_matches(ctx, &matcher);
        self.search = Some(matcher);
        self.view.expanded.fill(true);
        self.rebuild(ctx);
        self.view.home();
        let count = self.match_count();
        if count > 0 && !self.view.selected().is_some_and(|n| self.view.is_match(n)) {
            self.next_match(ctx);
        }
        count
    }

    /// Whether a search narrows the tree now.
    pub fn is_narrowed(&self) -> bool {
        self.saved.is_some() && self.search.is_some()
    }

    /// The bytes of the shown files at and below `node` while a search narrows the tree.
    pub fn matched_bytes(&self, node: NodeId) -> Option<u64> {
        if !self.is_narrowed() {
            return None;
        }
        self.matched_bytes.get(node as usize).copied()
    }

    /// Leaves the search: the mode, open directories and cursor from before it come back.
    /// Returns whether there was a search to leave.
    pub fn leave_search(&mut self, ctx: TreeCtx<'_>) -> bool {
        let had = self.search.is_some();
        self.clear_search();
        let Some(saved) = self.saved.take() else {
            if had {
                self.rebuild(ctx);
            }
            return had;
        };
        self.mode = saved.mode;
        self.view.expanded = saved.expanded;
        self.rebuild(ctx);
        if let Some(node) = saved.selected {
            self.view.cursor = self.row_of_nearest(ctx, node);
            self.view.scroll_to_cursor();
        }
        true
    }

    /// Adds up the sizes of the shown leaves into every directory above them (children have
    /// larger ids than their parents: one reverse scan).
    pub(super) fn sum_matched_bytes(&mut self, ctx: TreeCtx<'_>) {
        let paths = &ctx.tree.paths;
        let n = paths.len();
        self.matched_bytes.clear();
        self.matched_bytes.resize(n, 0);
        for node in (1..n as NodeId).rev() {
            let i = node as usize;
            if self.view.flags[i] & INCLUDED == 0 {
                continue;
            }
            if paths.children(node).next().is_none() {
                self.matched_bytes[i] = ctx.snapshot.size(node);
            }
            if let Some(p) = paths.parent(node) {
                self.matched_bytes[p as usize] += self.matched_bytes[i];
            }
        }
    }

    pub fn clear_search(&mut self) {
        self.search = None;
        self.matched = Vec::new();
        self.in_result = Vec::new();
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
        self.in_result.clear();
        self.in_result.resize(paths.len(), false);
        let mut buf: Vec<u8> = Vec::new();
        let mut stack: Vec<(NodeId, usize, bool)> =
            paths.children(ROOT).map(|c| (c, 0, false)).collect();
        while let Some((node, parent_len, parent_in)) = stack.pop() {
            buf.truncate(parent_len);
            buf.push(b'/');
            buf.extend_from_slice(paths.name(node));
            let hit = matcher.is_match(&buf);
            self.matched[node as usize] = hit;
            self.in_result[node as usize] = hit || parent_in;
            let len = buf.len();
            stack.extend(paths.children(node).map(|c| (c, len, hit || parent_in)));
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
