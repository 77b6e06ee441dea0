//! The union of two final filesystems in one path trie: every path visible in A or in B, with
//! its entry on each side, how it changed, and sizes summed up the directories. Built with two
//! flat passes over the node ids (a child is always interned after its parent), no recursion.

use crate::analysis::Analysis;
use crate::diff::Aspects;
use crate::image::Image;
use crate::layer::EntryKind;
use crate::tree::{Entry, NodeId, Paths, ROOT};

/// How one path of the union differs between A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Unchanged,
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, with a different size, mode, owner, kind or link target.
    Changed,
}

/// One path of the union.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnionNode {
    pub a: Option<EntryKind>,
    pub b: Option<EntryKind>,
    pub change: Change,
    pub aspects: Aspects,
    /// File bytes at and below the path, in A and in B.
    pub bytes_a: u64,
    pub bytes_b: u64,
    /// Changed paths at and below this one.
    pub changes: u32,
}

impl UnionNode {
    const EMPTY: UnionNode = UnionNode {
        a: None,
        b: None,
        change: Change::Unchanged,
        aspects: Aspects {
            content: false,
            mode: false,
            owner: false,
            kind: false,
            link: false,
        },
        bytes_a: 0,
        bytes_b: 0,
        changes: 0,
    };

    /// `bytes_b - bytes_a`.
    pub fn delta(&self) -> i64 {
        crate::diff::delta(self.bytes_a, self.bytes_b)
    }

    /// A directory on every side it exists on.
    pub fn is_dir(&self) -> bool {
        [self.a, self.b]
            .into_iter()
            .flatten()
            .all(|k| k == EntryKind::Dir)
    }
}

/// Both final filesystems in one trie.
#[derive(Debug, Clone)]
pub struct UnionTree {
    pub paths: Paths,
    pub nodes: Vec<UnionNode>,
}

/// One side's visible entries, as (union node, entry, link target).
fn side<'a>(
    paths: &mut Paths,
    image: &'a Image,
    analysis: &Analysis,
) -> Vec<(NodeId, Entry, &'a [u8])> {
    let tree = &image.tree;
    let mut out = Vec::new();
    for (node, state) in analysis.final_state.iter().enumerate().skip(1) {
        let Some(visible) = *state else { continue };
        let node = node as NodeId;
        let entry = tree.entry_at(node, visible);
        let path = tree.paths.path(node);
        // `path` is absolute; the trie takes it relative.
        let union = paths.intern(path.strip_prefix(b"/").unwrap_or(&path));
        out.push((union, entry, tree.link(&entry)));
    }
    out
}

fn file_bytes(e: &Entry) -> u64 {
    if e.kind.is_file_like() { e.size } else { 0 }
}

/// What differs between the two entries of one path (the same rules as `diff::files`).
pub fn classify(a: Option<(&Entry, &[u8])>, b: Option<(&Entry, &[u8])>) -> (Change, Aspects) {
    match (a, b) {
        (None, None) => (Change::Unchanged, Aspects::default()),
        (None, Some(_)) => (Change::Added, Aspects::default()),
        (Some(_), None) => (Change::Removed, Aspects::default()),
        (Some((x, lx)), Some((y, ly))) => {
            let aspects = Aspects {
                content: x.kind.is_file_like() && y.kind.is_file_like() && x.size != y.size,
                mode: x.mode != y.mode,
                owner: x.uid != y.uid || x.gid != y.gid,
                kind: x.kind != y.kind,
                link: lx != ly,
            };
            let changed = !aspects.names().is_empty();
            let change = if changed {
                Change::Changed
            } else {
                Change::Unchanged
            };
            (change, aspects)
        }
    }
}

impl UnionTree {
    /// The union of A's and B's final filesystems.
    pub fn build(a: (&Image, &Analysis), b: (&Image, &Analysis)) -> UnionTree {
        let mut paths = Paths::new();
        let side_a = side(&mut paths, a.0, a.1);
        let side_b = side(&mut paths, b.0, b.1);
        let n = paths.len();
        let mut in_a: Vec<Option<(Entry, &[u8])>> = vec![None; n];
        for (node, entry, link) in side_a {
            in_a[node as usize] = Some((entry, link));
        }
        let mut in_b: Vec<Option<(Entry, &[u8])>> = vec![None; n];
        for (node, entry, link) in side_b {
            in_b[node as usize] = Some((entry, link));
        }
        let mut nodes = vec![UnionNode::EMPTY; n];
        for (i, node) in nodes.iter_mut().enumerate().skip(1) {
            let x = in_a[i].as_ref().map(|(e, l)| (e, *l));
            let y = in_b[i].as_ref().map(|(e, l)| (e, *l));
            let (change, aspects) = classify(x, y);
            *node = UnionNode {
                a: x.map(|(e, _)| e.kind),
                b: y.map(|(e, _)| e.kind),
                change,
                aspects,
                bytes_a: x.map_or(0, |(e, _)| file_bytes(e)),
                bytes_b: y.map_or(0, |(e, _)| file_bytes(e)),
                changes: u32::from(change != Change::Unchanged),
            };
        }
        // Children have larger ids than their parents: one reverse pass sums every subtree.
        for i in (1..n).rev() {
            let node = nodes[i];
            if let Some(p) = paths.parent(i as NodeId) {
                let parent = &mut nodes[p as usize];
                parent.bytes_a += node.bytes_a;
                parent.bytes_b += node.bytes_b;
                parent.changes += node.changes;
            }
        }
        if let Some(root) = nodes.get_mut(ROOT as usize) {
            root.a = Some(EntryKind::Dir);
            root.b = Some(EntryKind::Dir);
        }
        UnionTree { paths, nodes }
    }

    pub fn node(&self, id: NodeId) -> UnionNode {
        self.nodes
            .get(id as usize)
            .copied()
            .unwrap_or(UnionNode::EMPTY)
    }

    /// Paths of each change kind (not counting `/`): added, removed, changed.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |c: Change| self.nodes.iter().skip(1).filter(|n| n.change == c).count();
        (
            count(Change::Added),
            count(Change::Removed),
            count(Change::Changed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis;
    use crate::image::ImageConfig;
    use crate::testutil::{TarBuilder, image_of};

    fn loaded(layers: Vec<TarBuilder>) -> (Image, Analysis) {
        let image = image_of(layers, ImageConfig::default());
        let analysis = analysis::analyze(&image);
        (image, analysis)
    }

    fn union_of(a: Vec<TarBuilder>, b: Vec<TarBuilder>) -> UnionTree {
        let (ia, aa) = loaded(a);
        let (ib, ab) = loaded(b);
        UnionTree::build((&ia, &aa), (&ib, &ab))
    }

    fn at(u: &UnionTree, path: &str) -> UnionNode {
        let id = u.paths.find(path.as_bytes()).unwrap();
        u.node(id)
    }

    #[test]
    fn union_holds_paths_of_both_sides_once() {
        let u = union_of(
            vec![TarBuilder::new().file("etc/a", 10).file("etc/same", 5)],
            vec![TarBuilder::new().file("etc/b", 20).file("etc/same", 5)],
        );
        assert_eq!(at(&u, "etc/a").change, Change::Removed);
        assert_eq!(at(&u, "etc/b").change, Change::Added);
        assert_eq!(at(&u, "etc/same").change, Change::Unchanged);
        let etc = at(&u, "etc");
        assert_eq!((etc.bytes_a, etc.bytes_b, etc.changes), (15, 25, 2));
        assert_eq!(etc.delta(), 10);
        assert_eq!(u.counts(), (1, 1, 0));
        // root, etc, a, same, b
        assert_eq!(u.paths.len(), 5);
    }

    #[test]
    fn deleted_paths_are_not_in_the_union() {
        let u = union_of(
            vec![
                TarBuilder::new().file("tmp/x", 10),
                TarBuilder::new().whiteout("tmp/x"),
            ],
            vec![TarBuilder::new().dir("tmp")],
        );
        assert!(
            u.paths
                .find(b"tmp/x")
                .is_none_or(|id| u.node(id).a.is_none())
        );
        assert_eq!(at(&u, "tmp").change, Change::Unchanged);
        assert_eq!(u.counts(), (0, 0, 0));
    }

    #[test]
    fn changed_entries_say_what_changed() {
        let u = union_of(
            vec![
                TarBuilder::new()
                    .file("big", 10)
                    .file_mode("exe", 3, 0o644)
                    .symlink("ln", "one"),
            ],
            vec![
                TarBuilder::new()
                    .file("big", 30)
                    .file_mode("exe", 3, 0o755)
                    .symlink("ln", "two"),
            ],
        );
        let big = at(&u, "big");
        assert_eq!(big.change, Change::Changed);
        assert_eq!(big.aspects.names(), vec!["content"]);
        assert_eq!(big.delta(), 20);
        assert_eq!(at(&u, "exe").aspects.names(), vec!["mode"]);
        assert_eq!(at(&u, "ln").aspects.names(), vec!["link"]);
    }

    #[test]
    fn classify_reports_kind_and_owner() {
        let file = Entry {
            node: 1,
            kind: EntryKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 4,
            link: crate::tree::NO_LINK,
        };
        let owned = Entry { uid: 1000, ..file };
        let dir = Entry {
            kind: EntryKind::Dir,
            size: 0,
            ..file
        };
        let (c, asp) = classify(Some((&file, b"")), Some((&owned, b"")));
        assert_eq!((c, asp.names()), (Change::Changed, vec!["owner"]));
        let (c, asp) = classify(Some((&file, b"")), Some((&dir, b"")));
        assert_eq!((c, asp.names()), (Change::Changed, vec!["kind"]));
        assert_eq!(
            classify(Some((&file, b"")), Some((&file, b""))).0,
            Change::Unchanged
        );
        assert_eq!(classify(None, Some((&file, b""))).0, Change::Added);
        assert_eq!(classify(Some((&file, b"")), None).0, Change::Removed);
    }

    #[test]
    fn deep_paths_build_without_recursion() {
        let deep: String = (0..3000).map(|i| format!("d{i}/")).collect::<String>() + "f";
        let u = union_of(
            vec![TarBuilder::new()],
            vec![TarBuilder::new().file(&deep, 7)],
        );
        let root = u.node(ROOT);
        assert_eq!((root.bytes_b, root.changes), (7, 3001));
    }
}
