//! Per-node marks the file tree shows: which finding covers a node (on the node itself or
//! inherited from a directory above it) and which paths waste bytes. Computed once per image.

use crate::analysis::Analysis;
use crate::tree::{NodeId, Paths, ROOT};

const NONE: u32 = u32::MAX;

/// How a finding applies to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingMark {
    /// The finding is about this very path.
    Direct(usize),
    /// The finding is about a directory above this path.
    Inherited(usize),
}

impl FindingMark {
    pub fn index(self) -> usize {
        match self {
            FindingMark::Direct(i) | FindingMark::Inherited(i) => i,
        }
    }
}

/// Finding and waste marks indexed by node id.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    direct: Vec<u32>,
    nearest: Vec<u32>,
    wasted: Vec<bool>,
}

impl Marks {
    /// Maps the analysis' findings and wasted paths onto the tree's nodes. Image-level findings
    /// (those on `/`) mark nothing: they would cover every path.
    pub fn new(paths: &Paths, analysis: &Analysis) -> Marks {
        let n = paths.len();
        let mut direct = vec![NONE; n];
        for (i, finding) in analysis.findings.iter().enumerate() {
            let slot = direct.get_mut(finding.node as usize);
            if let Some(slot) = slot.filter(|s| **s == NONE && finding.node != ROOT) {
                *slot = i as u32;
            }
        }
        // Parents have smaller ids than their children: one forward scan inherits marks.
        let mut nearest = direct.clone();
        for node in 1..n {
            if nearest[node] == NONE {
                if let Some(parent) = paths.parent(node as NodeId) {
                    nearest[node] = nearest[parent as usize];
                }
            }
        }
        let mut wasted = vec![false; n];
        for path in &analysis.wasted {
            if let Some(w) = wasted.get_mut(path.node as usize) {
                *w = true;
            }
        }
        Marks {
            direct,
            nearest,
            wasted,
        }
    }

    /// The finding covering `node`, if any.
    pub fn finding(&self, node: NodeId) -> Option<FindingMark> {
        let i = node as usize;
        match (self.direct.get(i), self.nearest.get(i)) {
            (Some(&d), _) if d != NONE => Some(FindingMark::Direct(d as usize)),
            (_, Some(&n)) if n != NONE => Some(FindingMark::Inherited(n as usize)),
            _ => None,
        }
    }

    /// Whether the path was touched more than once (it wastes bytes).
    pub fn is_wasted(&self, node: NodeId) -> bool {
        self.wasted.get(node as usize).copied().unwrap_or(false)
    }
}
