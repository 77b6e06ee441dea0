//! `[ignore]` of the config: paths the user has decided are not worth a finding, taken out of the
//! findings and, when asked, out of the waste figures, with a tally of what was taken out so every
//! report can say so. Globs are anchored at `/`; a path is ignored when it or one of its parent
//! directories matches, as a directory named in `.gitignore` takes its contents with it.

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};

use super::waste;
use super::{Analysis, Finding};
use crate::tree::{NodeId, ROOT, Tree};

/// The compiled `[ignore]` section.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<String>,
    set: GlobSet,
    /// Take the paths out of the waste figures too, not only out of the findings.
    pub figures: bool,
}

/// What one run left out, for the reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ignored {
    /// The globs as configured.
    pub patterns: Vec<String>,
    pub figures: bool,
    /// Findings dropped, and the bytes they named.
    pub findings: u64,
    pub finding_bytes: u64,
    /// Paths touched twice or more that no longer count as waste (`figures` only).
    pub wasted_paths: u64,
    pub wasted_bytes: u64,
    /// Bytes of hidden entries no longer counted as reclaimable (`figures` only).
    pub reclaimable_bytes: u64,
    /// The findings taken out, in report order: SARIF lists them as suppressed results, so a
    /// code-scanning view shows them as accepted rather than forgetting them.
    pub dropped: Vec<Finding>,
}

impl Ignored {
    /// Whether anything was configured to be ignored at all.
    pub fn is_active(&self) -> bool {
        !self.patterns.is_empty()
    }
}

impl Ignore {
    /// Compiles the globs; the error names the offending glob (its index and why).
    pub fn new(patterns: &[String], figures: bool) -> Result<Ignore, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            if !p.starts_with('/') {
                return Err((
                    i,
                    format!("{p:?} must start with / (globs match absolute paths)"),
                ));
            }
            let compile = |p: &str| {
                GlobBuilder::new(p)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| (i, e.kind().to_string()))
            };
            builder.add(compile(p)?);
            // `/dir/**` means the directory and everything in it: a finding that names `/dir`
            // itself (all of whose files match) goes too.
            if let Some(dir) = p.strip_suffix("/**").filter(|d| !d.is_empty()) {
                builder.add(compile(dir)?);
            }
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Ignore {
            patterns: patterns.to_vec(),
            set,
            figures,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// One flag per node: the node or a parent matches. Parents have smaller ids than their
    /// children, so one forward scan settles every node without recursion.
    pub fn mask(&self, tree: &Tree) -> Vec<bool> {
        let paths = &tree.paths;
        let mut out = vec![false; paths.len()];
        if self.is_empty() {
            return out;
        }
        for node in 1..paths.len() as NodeId {
            let inherited = paths.parent(node).is_some_and(|p| out[p as usize]);
            out[node as usize] = inherited || self.matches(&paths.path(node));
        }
        out
    }

    /// Whether `node` or one of its parents matches: for a few nodes (the findings), cheaper
    /// than a [`mask`](Self::mask) over every path of the image.
    pub fn covers(&self, tree: &Tree, node: NodeId) -> bool {
        let mut at = Some(node);
        while let Some(n) = at.filter(|&n| n != ROOT) {
            if self.matches(&tree.paths.path(n)) {
                return true;
            }
            at = tree.paths.parent(n);
        }
        false
    }

    fn matches(&self, path: &[u8]) -> bool {
        use std::os::unix::ffi::OsStrExt as _;
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
        self.set.is_match_candidate(&Candidate::new(path))
    }
}

/// Takes the ignored paths out of the analysis: always out of its findings, and with
/// `figures` out of the waste figures (wasted bytes and paths, efficiency, reclaimable bytes and
/// their per-layer shares) by measuring the waste again without them. What the image holds (its
/// sizes, layers, packages) is not touched: ignoring a path does not make it smaller.
pub fn apply(analysis: &mut Analysis, tree: &Tree, ignore: &Ignore) {
    let mut ignored = Ignored {
        patterns: ignore.patterns.clone(),
        figures: ignore.figures,
        ..Ignored::default()
    };
    if ignore.is_empty() {
        analysis.ignored = ignored;
        return;
    }
    // Without `figures` only the findings' paths are asked about: no pass over the whole tree.
    let mask = if ignore.figures {
        ignore.mask(tree)
    } else {
        Vec::new()
    };
    let is_ignored = |node: NodeId| match mask.get(node as usize) {
        Some(&flag) => flag,
        None => ignore.covers(tree, node),
    };
    let (dropped, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut analysis.findings)
        .into_iter()
        .partition(|f| is_ignored(f.node));
    analysis.findings = kept;
    ignored.dropped = dropped;
    ignored.findings = ignored.dropped.len() as u64;
    ignored.finding_bytes = ignored.dropped.iter().map(|f| f.bytes).sum();
    if ignore.figures {
        let w = waste::measure_except(tree, &mask);
        ignored.wasted_paths = analysis.wasted.len().saturating_sub(w.paths.len()) as u64;
        ignored.wasted_bytes = analysis.wasted_bytes.saturating_sub(w.wasted_bytes);
        ignored.reclaimable_bytes = analysis
            .reclaimable_bytes
            .saturating_sub(w.reclaimable_bytes);
        analysis.wasted_bytes = w.wasted_bytes;
        analysis.efficiency = w.efficiency;
        analysis.reclaimable_bytes = w.reclaimable_bytes;
        analysis.user_wasted_ratio = if analysis.user_size_bytes == 0 {
            0.0
        } else {
            w.wasted_bytes as f64 / analysis.user_size_bytes as f64
        };
        analysis.wasted = w.paths;
        for (layer, changes) in analysis.layers.iter_mut().zip(w.layers) {
            layer.changes.wasted_bytes = changes.wasted_bytes;
            layer.changes.reclaimable_bytes = changes.reclaimable_bytes;
        }
    }
    analysis.ignored = ignored;
}

#[cfg(test)]
#[path = "ignore_tests.rs"]
mod tests;
