//! Tests of merging layers: whiteouts, opaque directories, overwrites, statuses and sizes.

use super::*;
use crate::layer::{Budget, Keep, index};
use crate::testutil::TarBuilder;

pub fn tree_of(layers: Vec<TarBuilder>) -> Tree {
    Tree::build(layers.into_iter().map(|b| {
        let tar = b.finish();
        let keep = Keep {
            capture: crate::layer::CaptureRule::NONE,
            fingerprints: true,
        };
        index(tar.as_slice(), &Budget::default(), keep).unwrap().0
    }))
}

fn visible_paths(tree: &Tree, snap: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = (1..tree.paths.len() as NodeId)
        .filter(|&n| snap.visible(n).is_some())
        .map(|n| tree.paths.display(n))
        .collect();
    out.sort();
    out
}

fn node(tree: &Tree, path: &str) -> NodeId {
    tree.paths
        .find(path.trim_start_matches('/').as_bytes())
        .unwrap()
}

#[test]
fn whiteout_hides_lower_file() {
    let tree = tree_of(vec![
        TarBuilder::new()
            .dir("etc/")
            .file("etc/a", 5)
            .file("etc/b", 7),
        TarBuilder::new().dir("etc/").whiteout("etc/a"),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/etc", "/etc/b"]);
    assert_eq!(snap.status(node(&tree, "/etc/a")), Status::Removed);
    assert_eq!(snap.size(node(&tree, "/etc")), 7);
    assert_eq!(snap.size(node(&tree, "/etc/a")), 5);
    assert_eq!(snap.change_size(ROOT), 5);
}

#[test]
fn opaque_dir_empties_lower_dir() {
    let tree = tree_of(vec![
        TarBuilder::new()
            .dir("d/")
            .file("d/x", 1)
            .dir("d/sub/")
            .file("d/sub/y", 2),
        TarBuilder::new().dir("d/").opaque("d").file("d/new", 3),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/d", "/d/new"]);
    assert_eq!(snap.status(node(&tree, "/d/sub/y")), Status::Removed);
    assert_eq!(snap.status(node(&tree, "/d/new")), Status::Added);
    assert_eq!(snap.total_size(), 3);
}

#[test]
fn directory_whiteout_removes_whole_subtree() {
    let tree = tree_of(vec![
        TarBuilder::new()
            .dir("app/")
            .dir("app/.git/")
            .file("app/.git/HEAD", 10)
            .file("app/main", 4),
        TarBuilder::new().dir("app/").whiteout("app/.git"),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/app", "/app/main"]);
    assert_eq!(snap.status(node(&tree, "/app/.git")), Status::Removed);
    assert_eq!(snap.size(node(&tree, "/app/.git")), 10);
    assert_eq!(snap.changes_below(node(&tree, "/app")), 2);
}

#[test]
fn overwrite_marks_modified_and_identical_dir_unchanged() {
    let tree = tree_of(vec![
        TarBuilder::new().dir("bin/").file("bin/tool", 100),
        TarBuilder::new()
            .dir("bin/")
            .file("bin/tool", 30)
            .file("bin/new", 1),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(snap.status(node(&tree, "/bin")), Status::Unchanged);
    assert_eq!(snap.status(node(&tree, "/bin/tool")), Status::Modified);
    assert_eq!(snap.status(node(&tree, "/bin/new")), Status::Added);
    assert_eq!(snap.size(node(&tree, "/bin")), 31);
    let first = Snapshot::at(&tree, 0);
    assert_eq!(first.size(ROOT), 100);
}

#[test]
fn file_replacing_directory_hides_its_children() {
    let tree = tree_of(vec![
        TarBuilder::new().dir("x/").file("x/inner", 9),
        TarBuilder::new().file("x", 2),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/x"]);
    assert_eq!(snap.status(node(&tree, "/x/inner")), Status::Removed);
}

#[test]
fn missing_parent_directories_are_implied() {
    let tree = tree_of(vec![TarBuilder::new().file("a/b/c", 1)]);
    let snap = Snapshot::at(&tree, 0);
    assert_eq!(visible_paths(&tree, &snap), ["/a", "/a/b", "/a/b/c"]);
    assert_eq!(snap.status(node(&tree, "/a")), Status::Added);
    assert_eq!(
        snap.entry(&tree, node(&tree, "/a")).unwrap().kind,
        crate::layer::EntryKind::Dir
    );
}

#[test]
fn whiteout_of_missing_path_changes_nothing() {
    let tree = tree_of(vec![
        TarBuilder::new().file("a", 1),
        TarBuilder::new().whiteout("never"),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/a"]);
    assert_eq!(snap.changes_below(ROOT), 0);
}

#[test]
fn deletion_then_readd_in_same_layer_is_modified() {
    let tree = tree_of(vec![
        TarBuilder::new().dir("d/").file("d/f", 1),
        TarBuilder::new().whiteout("d").dir("d/").file("d/f", 2),
    ]);
    let snap = Snapshot::at(&tree, 1);
    assert_eq!(visible_paths(&tree, &snap), ["/d", "/d/f"]);
    assert_eq!(snap.status(node(&tree, "/d/f")), Status::Modified);
}

#[test]
fn entries_stay_compact() {
    assert!(std::mem::size_of::<Entry>() <= 32);
}
