//! Comparing two images: layers matched by digest then by command, the final filesystems
//! path by path, waste and findings before and after. [`compare`] is pure; reports of the
//! comparison live in `text`, `json` and `markdown`, and `load` reads the two images concurrently.

pub mod files;
pub mod findings;
pub mod html;
pub mod json;
pub mod layers;
pub mod load;
pub mod markdown;
pub mod packages;
pub mod rules;
pub mod text;
pub mod zstd;

pub use files::{Aspects, DirChange, FileChange, Meta, PathChange};
pub use findings::FindingChange;
pub use layers::{LayerMatch, LayerStatus};

use crate::analysis::{Analysis, PullSize, download_size};
use crate::image::Image;

/// The figures of one image that the comparison puts side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub size_bytes: u64,
    pub final_size_bytes: u64,
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub reclaimable_bytes: u64,
    pub layer_count: usize,
}

impl Totals {
    fn of(a: &Analysis) -> Totals {
        Totals {
            size_bytes: a.size_bytes,
            final_size_bytes: a.final_size_bytes,
            efficiency: a.efficiency,
            wasted_bytes: a.wasted_bytes,
            reclaimable_bytes: a.reclaimable_bytes,
            layer_count: a.layers.len(),
        }
    }
}

/// Everything that differs between image A (before) and image B (after).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub a: Totals,
    pub b: Totals,
    /// Layers in B's order, A's unmatched layers placed where they were dropped.
    pub layers: Vec<LayerMatch>,
    /// Every path whose entry differs in the final filesystems, in tree order (names sorted).
    pub files: Vec<FileChange>,
    /// Directories with the summed deltas of the changed files below them, largest first.
    pub dirs: Vec<DirChange>,
    /// Findings only in B, only in A, and in both with different bytes; ordered by kind, path.
    pub findings_added: Vec<FindingChange>,
    pub findings_removed: Vec<FindingChange>,
    pub findings_changed: Vec<FindingChange>,
    /// What a host that has A downloads to get B: B's blobs not among A's.
    pub download: PullSize,
}

impl Comparison {
    /// B's total size minus A's.
    pub fn size_delta(&self) -> i64 {
        delta(self.a.size_bytes, self.b.size_bytes)
    }

    /// The size change relative to A; `None` when A is empty.
    pub fn size_ratio(&self) -> Option<f64> {
        (self.a.size_bytes > 0).then(|| self.size_delta() as f64 / self.a.size_bytes as f64)
    }

    /// Whether nothing at all differs.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.findings_added.is_empty()
            && self.findings_removed.is_empty()
            && self.findings_changed.is_empty()
            && self.layers.iter().all(|l| l.status == LayerStatus::Shared)
    }

    /// Directories whose own entry differs and that no file change below them shows: a mode or
    /// owner change (e.g. `/app/node_modules` from 1000:1000 to root), or an empty directory
    /// added or removed. In tree order.
    pub fn dir_entries(&self) -> Vec<&FileChange> {
        let below: std::collections::HashSet<&[u8]> =
            self.dirs.iter().map(|d| d.path.as_slice()).collect();
        self.files
            .iter()
            .filter(|f| f.is_dir())
            .filter(|f| f.change == PathChange::Changed || !below.contains(f.path.as_slice()))
            .collect()
    }

    /// Changed paths that are not directories on either side, largest absolute delta first.
    pub fn largest_files(&self) -> Vec<&FileChange> {
        let mut v: Vec<_> = self.files.iter().filter(|f| !f.is_dir()).collect();
        v.sort_by(|x, y| {
            y.delta()
                .unsigned_abs()
                .cmp(&x.delta().unsigned_abs())
                .then_with(|| x.path.cmp(&y.path))
        });
        v
    }
}

/// `b - a` as a signed number of bytes (saturating at the ends of `i64`).
pub fn delta(a: u64, b: u64) -> i64 {
    if b >= a {
        i64::try_from(b - a).unwrap_or(i64::MAX)
    } else {
        i64::try_from(a - b).map_or(i64::MIN, |d| -d)
    }
}

/// Compares image A (before) with image B (after).
pub fn compare(a: (&Image, &Analysis), b: (&Image, &Analysis)) -> Comparison {
    let files = files::compare(files::Side::new(a.0, a.1), files::Side::new(b.0, b.1));
    let dirs = files::aggregate(&files);
    let found = findings::compare(a, b);
    Comparison {
        a: Totals::of(a.1),
        b: Totals::of(b.1),
        layers: layers::match_layers(&a.1.layers, &b.1.layers),
        files,
        dirs,
        findings_added: found.added,
        findings_removed: found.removed,
        findings_changed: found.changed,
        download: download_size(a.1, b.1),
    }
}

#[cfg(test)]
mod content_tests;
#[cfg(test)]
mod dir_tests;
#[cfg(test)]
mod report_tests;
#[cfg(test)]
mod tests;

/// The Dockerfile line (`--dockerfile`, B's) of B's layer `index`, when it was mapped.
fn dockerfile_line(b: &Analysis, index: Option<usize>) -> Option<usize> {
    b.layers.get(index?)?.dockerfile_line
}
