//! Findings before and after: matched by kind and path; what is only in B appeared, what is
//! only in A went away, and a match whose bytes differ changed.

use std::collections::BTreeMap;

use crate::analysis::{Analysis, FindingKind};
use crate::image::Image;

/// A finding (or the findings of one kind at one path, which may come from several layers) and
/// how it compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingChange {
    pub kind: FindingKind,
    pub path: String,
    /// Indexes into A's and B's `analysis.findings`.
    pub in_a: Vec<usize>,
    pub in_b: Vec<usize>,
    pub bytes_a: u64,
    pub bytes_b: u64,
}

impl FindingChange {
    pub fn delta(&self) -> i64 {
        super::delta(self.bytes_a, self.bytes_b)
    }
}

/// The three lists, each ordered by kind then path.
#[derive(Debug, Default)]
pub struct Found {
    pub added: Vec<FindingChange>,
    pub removed: Vec<FindingChange>,
    pub changed: Vec<FindingChange>,
}

fn group(image: &Image, a: &Analysis) -> BTreeMap<(FindingKind, String), (Vec<usize>, u64)> {
    let mut map: BTreeMap<(FindingKind, String), (Vec<usize>, u64)> = BTreeMap::new();
    for (i, f) in a.findings.iter().enumerate() {
        let entry = map
            .entry((f.kind, image.tree.paths.display(f.node)))
            .or_default();
        entry.0.push(i);
        entry.1 += f.bytes;
    }
    map
}

/// Compares the findings of A and B.
pub fn compare(a: (&Image, &Analysis), b: (&Image, &Analysis)) -> Found {
    let mut left = group(a.0, a.1);
    let right = group(b.0, b.1);
    let mut found = Found::default();
    for ((kind, path), (in_b, bytes_b)) in right {
        let key = (kind, path);
        let (in_a, bytes_a) = left.remove(&key).unwrap_or_default();
        let change = FindingChange {
            kind: key.0,
            path: key.1,
            bytes_a,
            bytes_b,
            in_b,
            in_a,
        };
        if change.in_a.is_empty() {
            found.added.push(change);
        } else if bytes_a != bytes_b {
            found.changed.push(change);
        }
    }
    found.removed = left
        .into_iter()
        .map(|((kind, path), (in_a, bytes_a))| FindingChange {
            kind,
            path,
            in_a,
            in_b: Vec::new(),
            bytes_a,
            bytes_b: 0,
        })
        .collect();
    found
}
