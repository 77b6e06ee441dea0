//! Tests of the layer indexer on tars built in memory.

use super::*;
use crate::testutil::{TarBuilder, gzip};

fn no_capture(_: &[u8], _: u64) -> bool {
    false
}

fn run(tar: &[u8]) -> LayerIndex {
    index(tar, &Budget::default(), no_capture).unwrap().0
}

fn listing(layer: &LayerIndex) -> Vec<(String, EntryKind, u64)> {
    layer
        .entries()
        .iter()
        .map(|e| {
            (
                String::from_utf8_lossy(layer.path(e)).into_owned(),
                e.kind,
                e.size,
            )
        })
        .collect()
}

#[test]
fn indexes_kinds_sizes_and_links() {
    let tar = TarBuilder::new()
        .dir("app/")
        .file("app/a.txt", 10)
        .symlink("app/link", "/etc/passwd")
        .hardlink("app/hard", "./app/a.txt")
        .finish();
    let layer = run(&tar);
    assert_eq!(
        listing(&layer),
        vec![
            ("app".into(), EntryKind::Dir, 0),
            ("app/a.txt".into(), EntryKind::File, 10),
            ("app/link".into(), EntryKind::Symlink, 0),
            ("app/hard".into(), EntryKind::Hardlink, 0),
        ]
    );
    assert_eq!(layer.link(&layer.entries()[2]), b"/etc/passwd");
    assert_eq!(layer.link(&layer.entries()[3]), b"app/a.txt");
}

#[test]
fn whiteouts_and_opaque_markers_become_entries() {
    let tar = TarBuilder::new()
        .whiteout("etc/old.conf")
        .whiteout("top")
        .opaque("var/cache")
        .file("x/.wh..wh.plnk", 0)
        .finish();
    let layer = run(&tar);
    assert_eq!(
        listing(&layer),
        vec![
            ("etc/old.conf".into(), EntryKind::Whiteout, 0),
            ("top".into(), EntryKind::Whiteout, 0),
            ("var/cache".into(), EntryKind::Opaque, 0),
        ]
    );
}

#[test]
fn cleans_paths_lexically_and_never_climbs_above_root() {
    let mut out = Vec::new();
    clean_path(b"./a//b/./c/", &mut out);
    assert_eq!(out, b"a/b/c");
    out.clear();
    clean_path(b"/../../etc/../x", &mut out);
    assert_eq!(out, b"x");
    out.clear();
    clean_path(b"./", &mut out);
    assert_eq!(out, b"");
}

#[test]
fn long_and_non_utf8_names_survive() {
    let long = format!("{}/file", "d".repeat(300));
    let tar = TarBuilder::new()
        .file(&long, 3)
        .file_bytes(b"bin/caf\xe9", b"abc")
        .finish();
    let layer = run(&tar);
    assert_eq!(layer.path(&layer.entries()[0]), long.as_bytes());
    assert_eq!(layer.path(&layer.entries()[1]), b"bin/caf\xe9");
}

#[test]
fn accepts_layer_without_end_of_archive_trailer() {
    let tar = TarBuilder::new()
        .file("a", 700)
        .file("b", 1)
        .finish_without_trailer();
    assert_eq!(run(&tar).entries().len(), 2);
}

#[test]
fn truncated_content_is_an_error() {
    let mut tar = TarBuilder::new().file("a", 4000).finish();
    tar.truncate(512 + 1000);
    assert!(index(tar.as_slice(), &Budget::default(), no_capture).is_err());
}

#[test]
fn random_bytes_are_an_error() {
    let junk: Vec<u8> = (0..2048u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(index(junk.as_slice(), &Budget::default(), no_capture).is_err());
}

#[test]
fn entry_limit_is_enforced() {
    let tar = TarBuilder::new()
        .file("a", 1)
        .file("b", 1)
        .file("c", 1)
        .finish();
    let budget = Budget::new(Limits {
        max_entries: 2,
        ..Limits::default()
    });
    let err = index(tar.as_slice(), &budget, no_capture).unwrap_err();
    assert!(err.to_string().contains("--max-entries"), "{err}");
}

#[test]
fn captures_selected_small_files() {
    fn pick(path: &[u8], _: u64) -> bool {
        path.ends_with(b"package.json")
    }
    let tar = TarBuilder::new()
        .file_bytes(b"app/package.json", b"{\"devDependencies\":{}}")
        .file("app/other", 5)
        .finish();
    let (layer, _) = index(tar.as_slice(), &Budget::default(), pick).unwrap();
    assert_eq!(layer.captures().len(), 1);
    assert_eq!(layer.captures()[0].entry, 0);
    assert_eq!(layer.captures()[0].content, b"{\"devDependencies\":{}}");
}

#[test]
fn gzip_input_is_not_a_tar() {
    // The indexer reads tars only; decompression belongs to image::blob.
    let tar = gzip(&TarBuilder::new().file("a", 1).finish());
    assert!(index(tar.as_slice(), &Budget::default(), no_capture).is_err());
}
