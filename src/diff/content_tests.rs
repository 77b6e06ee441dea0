//! Tests of content comparison: files of the same size whose bytes differ, read with content
//! fingerprints as `plummet diff` reads them, and without them as a fallback.

use super::*;
use crate::analysis::analyze;
use crate::image::{Image, IndexOptions};
use crate::layer::EntryKind;
use crate::testutil::{TarBuilder, app_user, image_with};

/// The index options of `plummet diff` (see `diff::load`), or the default ones of `ci`.
fn options(fingerprints: bool) -> IndexOptions {
    IndexOptions {
        content_digests: fingerprints,
        ..IndexOptions::default()
    }
}

/// One layer holding `app/config` with `content`, plus a file that never changes.
fn image(content: &[u8], fingerprints: bool) -> Image {
    let layer = TarBuilder::new()
        .dir("app/")
        .file("app/same.txt", 40)
        .file_bytes(b"app/config", content);
    image_with(vec![layer], app_user(), &options(fingerprints))
}

fn run(a: &Image, b: &Image) -> Comparison {
    compare((a, &analyze(a)), (b, &analyze(b)))
}

#[test]
fn same_size_different_bytes_is_a_content_change() {
    let a = image(b"listen = 8080\n", true);
    let b = image(b"listen = 9090\n", true);
    let c = run(&a, &b);
    let rows: Vec<_> = c
        .files
        .iter()
        .map(|f| {
            (
                f.display(),
                f.change,
                f.bytes_a,
                f.bytes_b,
                f.aspects.names(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [(
            "/app/config".to_string(),
            PathChange::Changed,
            14,
            14,
            vec!["content"]
        )]
    );
    assert_eq!(c.files[0].delta(), 0);
    let dirs: Vec<_> = c.dirs.iter().map(|d| (d.display(), d.changed)).collect();
    assert_eq!(dirs, [("/app".to_string(), 1)]);
    assert!(!c.is_empty());
}

#[test]
fn identical_bytes_are_unchanged() {
    let c = run(
        &image(b"listen = 8080\n", true),
        &image(b"listen = 8080\n", true),
    );
    assert!(c.files.is_empty(), "{:#?}", c.files);
}

#[test]
fn without_fingerprints_only_a_size_change_shows() {
    // `plummet ci` reads without fingerprints; a comparison of such images falls back to sizes.
    let c = run(
        &image(b"listen = 8080\n", false),
        &image(b"listen = 9090\n", false),
    );
    assert!(c.files.is_empty(), "{:#?}", c.files);
    let c = run(&image(b"a", false), &image(b"ab", false));
    assert_eq!(c.files[0].aspects.names(), ["content"]);
}

#[test]
fn a_hardlink_to_rewritten_bytes_is_a_content_change() {
    let image = |content: &[u8]| {
        let layer = TarBuilder::new()
            .dir("bin/")
            .file_bytes(b"bin/tool", content)
            .hardlink("bin/alias", "bin/tool");
        image_with(vec![layer], app_user(), &options(true))
    };
    let c = run(&image(b"version 1"), &image(b"version 2"));
    let rows: Vec<_> = c
        .files
        .iter()
        .map(|f| (f.display(), f.kind_b, f.aspects.names()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "/bin/alias".to_string(),
                Some(EntryKind::Hardlink),
                vec!["content"]
            ),
            (
                "/bin/tool".to_string(),
                Some(EntryKind::File),
                vec!["content"]
            ),
        ]
    );
}

#[test]
fn the_visible_entry_is_compared_not_an_overwritten_one() {
    // A rewrites the file in a second layer; B keeps the first version: the final bytes differ.
    let first = TarBuilder::new().file_bytes(b"config", b"one");
    let layers_a = vec![first, TarBuilder::new().file_bytes(b"config", b"two")];
    let layers_b = vec![TarBuilder::new().file_bytes(b"config", b"one")];
    let a = image_with(layers_a, app_user(), &options(true));
    let b = image_with(layers_b, app_user(), &options(true));
    assert_eq!(run(&a, &b).files[0].aspects.names(), ["content"]);
    let layers_c = vec![TarBuilder::new().file_bytes(b"config", b"two")];
    let c = image_with(layers_c, app_user(), &options(true));
    assert!(run(&a, &c).files.is_empty());
}

#[test]
fn json_files_list_a_same_size_rewrite() {
    let a = image(b"listen = 8080\n", true);
    let b = image(b"listen = 9090\n", true);
    let (aa, ab) = (analyze(&a), analyze(&b));
    let c = compare((&a, &aa), (&b, &ab));
    let text = json::to_string(&json::report((&a, &aa), (&b, &ab), &c, &[], 100));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["files"],
        serde_json::json!([{
            "path": "/app/config",
            "change": "changed",
            "kind_a": "file",
            "kind_b": "file",
            "bytes_a": 14,
            "bytes_b": 14,
            "delta": 0,
            "aspects": ["content"],
        }])
    );
    assert_eq!(v["summary"]["files_changed"], 1);
}
