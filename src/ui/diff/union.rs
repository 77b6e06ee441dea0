//! The union of two final filesystems in one path trie: every path visible in A or in B, with
//! its kind on each side, how it changed (as the diff module's comparison says), and sizes summed
//! up the directories. Built with flat passes over the node ids (a child is always interned after
//! its parent), no recursion.

use crate::analysis::Analysis;
use crate::diff::{Aspects, Comparison, PathChange};
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
    /// In both, with different content, mode, owner, kind or link target.
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

/// One side's visible entries, as (union node, entry).
fn side(paths: &mut Paths, image: &Image, analysis: &Analysis) -> Vec<(NodeId, Entry)> {
    let tree = &image.tree;
    let mut out = Vec::new();
    for (node, state) in analysis.final_state.iter().enumerate().skip(1) {
        let Some(visible) = *state else { continue };
        let node = node as NodeId;
        let entry = tree.entry_at(node, visible);
        let path = tree.paths.path(node);
        // `path` is absolute; the trie takes it relative.
        out.push((
            paths.intern(path.strip_prefix(b"/").unwrap_or(&path)),
            entry,
        ));
    }
    out
}

fn file_bytes(e: &Entry) -> u64 {
    if e.kind.is_file_like() { e.size } else { 0 }
}

impl From<PathChange> for Change {
    fn from(c: PathChange) -> Change {
        match c {
            PathChange::Added => Change::Added,
            PathChange::Removed => Change::Removed,
            PathChange::Changed => Change::Changed,
        }
    }
}

impl UnionTree {
    /// The union of A's and B's final filesystems, each path marked as `comparison` (the diff
    /// module's one result) says: the UI never decides on its own what changed.
    pub fn build(
        a: (&Image, &Analysis),
        b: (&Image, &Analysis),
        comparison: &Comparison,
    ) -> UnionTree {
        let mut paths = Paths::new();
        let side_a = side(&mut paths, a.0, a.1);
        let side_b = side(&mut paths, b.0, b.1);
        let n = paths.len();
        let mut nodes = vec![UnionNode::EMPTY; n];
        for (node, entry) in side_a {
            let n = &mut nodes[node as usize];
            n.a = Some(entry.kind);
            n.bytes_a = file_bytes(&entry);
        }
        for (node, entry) in side_b {
            let n = &mut nodes[node as usize];
            n.b = Some(entry.kind);
            n.bytes_b = file_bytes(&entry);
        }
        for f in &comparison.files {
            let relative = f.path.strip_prefix(b"/").unwrap_or(&f.path);
            // Every changed path is visible on one side, so it is in the trie.
            if let Some(node) = paths
                .find(relative)
                .and_then(|id| nodes.get_mut(id as usize))
            {
                node.change = f.change.into();
                node.aspects = f.aspects;
                node.changes = 1;
            }
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
    use crate::image::{ImageConfig, IndexOptions};
    use crate::testutil::{TarBuilder, image_with};
    use crate::{analysis, diff};

    /// Read as `plummet diff --ui` reads it: with content fingerprints.
    fn loaded(layers: Vec<TarBuilder>) -> (Image, Analysis) {
        let options = IndexOptions {
            content_digests: true,
            ..IndexOptions::default()
        };
        let image = image_with(layers, ImageConfig::default(), &options);
        let analysis = analysis::analyze(&image);
        (image, analysis)
    }

    fn union_of(a: Vec<TarBuilder>, b: Vec<TarBuilder>) -> UnionTree {
        let (ia, aa) = loaded(a);
        let (ib, ab) = loaded(b);
        let comparison = diff::compare((&ia, &aa), (&ib, &ab));
        UnionTree::build((&ia, &aa), (&ib, &ab), &comparison)
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
    fn a_same_size_rewrite_is_changed_as_in_the_report() {
        let u = union_of(
            vec![TarBuilder::new().file_bytes(b"app/config", b"listen = 8080\n")],
            vec![TarBuilder::new().file_bytes(b"app/config", b"listen = 9090\n")],
        );
        let config = at(&u, "app/config");
        assert_eq!(config.change, Change::Changed);
        assert_eq!(config.aspects.names(), vec!["content"]);
        assert_eq!(config.delta(), 0);
        assert_eq!(at(&u, "app").changes, 1);
        assert_eq!(u.counts(), (0, 0, 1));
    }

    #[test]
    fn a_directory_owner_change_through_an_opaque_directory_is_changed() {
        let app = || {
            TarBuilder::new()
                .dir_owned("app/", 1000, 1000)
                .dir_owned("app/node_modules/", 1000, 1000)
                .file_owned(
                    "app/node_modules/index.js",
                    b"module.exports = 1;\n",
                    1000,
                    1000,
                )
        };
        // B replaces node_modules as root, with the same file copied back with its owner.
        let replaced = TarBuilder::new()
            .dir("app/node_modules/")
            .opaque("app/node_modules")
            .file_owned(
                "app/node_modules/index.js",
                b"module.exports = 1;\n",
                1000,
                1000,
            );
        let u = union_of(vec![app()], vec![app(), replaced]);
        let modules = at(&u, "app/node_modules");
        assert_eq!(modules.change, Change::Changed);
        assert_eq!(modules.aspects.names(), vec!["owner"]);
        assert_eq!(
            at(&u, "app/node_modules/index.js").change,
            Change::Unchanged
        );
        assert_eq!(u.counts(), (0, 0, 1));
    }

    #[test]
    fn changes_and_aspects_are_the_comparisons() {
        // Kind and owner changes, as `diff::files` decides them, with the union's own counts.
        let u = union_of(
            vec![
                TarBuilder::new()
                    .file("etc/x", 4)
                    .file_owned("etc/o", b"1234", 0, 0),
            ],
            vec![
                TarBuilder::new()
                    .dir("etc/x/")
                    .file_owned("etc/o", b"1234", 1000, 0),
            ],
        );
        assert_eq!(at(&u, "etc/x").aspects.names(), vec!["mode", "kind"]);
        assert_eq!(at(&u, "etc/o").aspects.names(), vec!["owner"]);
        assert_eq!(at(&u, "etc").changes, 2);
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
