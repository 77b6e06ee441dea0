//! Per-node marks the file tree shows: which finding covers a node (on the node itself or
//! inherited from a directory above it) and which paths waste bytes. Computed once per image;
//! a finding marks the tree only from the layer that adds it on.

use std::collections::HashMap;

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
    /// The findings on each node that has any: (layer that adds it, finding index), in report
    /// order.
    direct: HashMap<NodeId, Vec<(usize, usize)>>,
    /// The nearest node at or above each node that has findings.
    nearest: Vec<u32>,
    wasted: Vec<bool>,
}

impl Marks {
    /// Maps the analysis' findings and wasted paths onto the tree's nodes. Image-level findings
    /// (those on `/`) mark nothing: they would cover every path.
    pub fn new(paths: &Paths, analysis: &Analysis) -> Marks {
        let n = paths.len();
        let mut direct: HashMap<NodeId, Vec<(usize, usize)>> = HashMap::new();
        let mut nearest = vec![NONE; n];
        for (i, finding) in analysis.findings.iter().enumerate() {
            let Some(layer) = finding.layer else { continue };
            if finding.node == ROOT || finding.node as usize >= n {
                continue;
            }
            direct.entry(finding.node).or_default().push((layer, i));
            nearest[finding.node as usize] = finding.node;
        }
        // Parents have smaller ids than their children: one forward scan inherits marks.
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

    /// The finding covering `node` as of `layer`: one added at or below that layer, on the node
    /// or on the nearest directory above it that has one.
    pub fn finding(&self, paths: &Paths, node: NodeId, layer: usize) -> Option<FindingMark> {
        let mut at = self.nearest.get(node as usize).copied()?;
        while at != NONE {
            let found = self
                .direct
                .get(&at)
                .and_then(|list| list.iter().find(|(l, _)| *l <= layer));
            if let Some(&(_, i)) = found {
                return Some(if at == node {
                    FindingMark::Direct(i)
                } else {
                    FindingMark::Inherited(i)
                });
            }
            at = match paths.parent(at) {
                Some(p) => self.nearest.get(p as usize).copied().unwrap_or(NONE),
                None => NONE,
            };
        }
        None
    }

    /// Whether the path was touched more than once (it wastes bytes).
    pub fn is_wasted(&self, node: NodeId) -> bool {
        self.wasted.get(node as usize).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TarBuilder, app_user, image_of};

    #[test]
    fn finding_marks_only_layers_that_have_it() {
        let image = image_of(
            vec![
                TarBuilder::new().dir("tmp/").dir("tmp/work/"),
                TarBuilder::new().file("tmp/work/build.o", 40),
            ],
            app_user(),
        );
        let analysis = crate::analysis::analyze(&image);
        let paths = &image.tree.paths;
        let marks = Marks::new(paths, &analysis);
        let work = paths.find(b"tmp/work").unwrap();
        let file = paths.find(b"tmp/work/build.o").unwrap();
        assert_eq!(marks.finding(paths, work, 0), None);
        assert!(matches!(
            marks.finding(paths, work, 1),
            Some(FindingMark::Direct(_))
        ));
        assert!(matches!(
            marks.finding(paths, file, 1),
            Some(FindingMark::Inherited(_))
        ));
    }
}
