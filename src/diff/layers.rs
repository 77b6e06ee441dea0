//! Matching the layers of two images: identical layers first (same diff_id, else same blob
//! digest), as a longest common subsequence so that a shared base and any other common layer
//! line up; then, between those anchors, layers made by the same command; the rest were added
//! or removed. Identical layers that moved are recognised as shared too.

use crate::analysis::LayerReport;
use crate::image::Digest;

/// How a layer of one image relates to the other image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LayerStatus {
    /// The same layer (same digest) in both.
    Shared,
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// Made by the same command in both, with different content.
    Changed,
}

impl LayerStatus {
    pub fn name(self) -> &'static str {
        match self {
            LayerStatus::Shared => "shared",
            LayerStatus::Added => "added",
            LayerStatus::Removed => "removed",
            LayerStatus::Changed => "changed",
        }
    }
}

/// One row of the layer comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerMatch {
    pub status: LayerStatus,
    /// Position in A, when the layer is in A.
    pub a: Option<usize>,
    pub b: Option<usize>,
    /// The digest the layers were matched by: diff_id, else blob digest.
    pub digest_a: Option<Digest>,
    pub digest_b: Option<Digest>,
    /// B's command, else A's.
    pub command: String,
    pub size_a: u64,
    pub size_b: u64,
}

impl LayerMatch {
    /// `size_b - size_a`, with a missing side counting as 0.
    pub fn size_delta(&self) -> i64 {
        super::delta(self.size_a, self.size_b)
    }
}

/// The digest a layer is identified by.
pub fn identity(l: &LayerReport) -> Option<&Digest> {
    l.diff_id.as_ref().or(l.digest.as_ref())
}

/// Pairs `(i, j)` of a longest common subsequence of `a` and `b` under `same`, in order.
fn lcs<T>(a: &[T], b: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if same(&a[i], &b[j]) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if same(&a[i], &b[j]) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

fn row(status: LayerStatus, a: Option<&LayerReport>, b: Option<&LayerReport>) -> LayerMatch {
    LayerMatch {
        status,
        a: a.map(|l| l.index),
        b: b.map(|l| l.index),
        digest_a: a.and_then(identity).cloned(),
        digest_b: b.and_then(identity).cloned(),
        command: b.or(a).map(|l| l.command.clone()).unwrap_or_default(),
        size_a: a.map_or(0, |l| l.size_bytes),
        size_b: b.map_or(0, |l| l.size_bytes),
    }
}

/// Matches the layers of A and B; rows follow B's order.
pub fn match_layers(a: &[LayerReport], b: &[LayerReport]) -> Vec<LayerMatch> {
    let same_digest =
        |x: &LayerReport, y: &LayerReport| identity(x).is_some_and(|d| Some(d) == identity(y));
    let anchors = lcs(a, b, same_digest);
    let mut rows = Vec::new();
    let (mut i, mut j) = (0, 0);
    for &(ai, bj) in anchors.iter().chain([(a.len(), b.len())].iter()) {
        gap(&a[i..ai], &b[j..bj], &mut rows);
        if let (Some(x), Some(y)) = (a.get(ai), b.get(bj)) {
            rows.push(row(LayerStatus::Shared, Some(x), Some(y)));
        }
        (i, j) = (ai + 1, bj + 1);
    }
    pair_moved(rows)
}

/// Rows for the layers between two anchors: same command -> changed, else removed / added.
fn gap(a: &[LayerReport], b: &[LayerReport], rows: &mut Vec<LayerMatch>) {
    let same_command =
        |x: &LayerReport, y: &LayerReport| !x.command.is_empty() && x.command == y.command;
    let pairs = lcs(a, b, same_command);
    let (mut i, mut j) = (0, 0);
    for &(ai, bj) in pairs.iter().chain([(a.len(), b.len())].iter()) {
        rows.extend(
            a[i..ai]
                .iter()
                .map(|x| row(LayerStatus::Removed, Some(x), None)),
        );
        rows.extend(
            b[j..bj]
                .iter()
                .map(|y| row(LayerStatus::Added, None, Some(y))),
        );
        if let (Some(x), Some(y)) = (a.get(ai), b.get(bj)) {
            rows.push(row(LayerStatus::Changed, Some(x), Some(y)));
        }
        (i, j) = (ai + 1, bj + 1);
    }
}

/// An identical layer that moved shows as removed in one place and added in another: pair them
/// into one shared row, kept at B's position.
fn pair_moved(mut rows: Vec<LayerMatch>) -> Vec<LayerMatch> {
    for k in 0..rows.len() {
        if rows[k].status != LayerStatus::Added || rows[k].digest_b.is_none() {
            continue;
        }
        let found = rows.iter().position(|r| {
            r.status == LayerStatus::Removed
                && r.digest_a.is_some()
                && r.digest_a == rows[k].digest_b
        });
        if let Some(r) = found {
            let (a, digest_a, size_a) = (rows[r].a, rows[r].digest_a.clone(), rows[r].size_a);
            let m = &mut rows[k];
            m.status = LayerStatus::Shared;
            (m.a, m.digest_a, m.size_a) = (a, digest_a, size_a);
            // Marks the removed row for dropping; `a` stays set only on real rows.
            rows[r].a = None;
            rows[r].b = None;
        }
    }
    rows.retain(|r| r.a.is_some() || r.b.is_some());
    rows
}
