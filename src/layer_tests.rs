//! Tests of the layer indexer on tars built in memory.

use super::*;
use crate::testutil::{TarBuilder, gzip};

/// Entries only: no captures, no fingerprints (what `plummet ci` asks for, less its captures).
const PLAIN: Keep = Keep {
    capture: CaptureRule::NONE,
    fingerprints: false,
};

fn run(tar: &[u8]) -> LayerIndex {
    index(tar, &Budget::default(), PLAIN).unwrap().0
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
fn accepts_layer_ending_right_after_last_file_data() {
    // umoci 0.4.7 `insert`: no padding after the last member, no end-of-archive blocks.
    let mut tar = TarBuilder::new()
        .file("a", 700)
        .file("b", 5)
        .finish_without_trailer();
    tar.truncate(tar.len() - (512 - 5));
    let layer = run(&tar);
    assert_eq!(layer.entries().len(), 2);
    assert_eq!(layer.entries()[1].size, 5);
}

#[test]
fn last_member_short_by_less_than_a_block_is_an_error() {
    // Padding may be missing, data may not: 300 of 400 bytes is a truncated member.
    let mut tar = TarBuilder::new().file("a", 400).finish_without_trailer();
    tar.truncate(512 + 300);
    let err = index(tar.as_slice(), &Budget::default(), PLAIN).unwrap_err();
    assert_eq!(
        err.to_string(),
        "truncated tar member a: the layer ends after 300 of its 400 bytes of data"
    );
}

#[test]
fn truncated_content_is_an_error() {
    let mut tar = TarBuilder::new().file("a", 4000).finish();
    tar.truncate(512 + 1000);
    assert!(index(tar.as_slice(), &Budget::default(), PLAIN).is_err());
}

#[test]
fn random_bytes_are_an_error() {
    let junk: Vec<u8> = (0..2048u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(index(junk.as_slice(), &Budget::default(), PLAIN).is_err());
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
    let err = index(tar.as_slice(), &budget, PLAIN).unwrap_err();
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
    let (layer, _) = index(
        tar.as_slice(),
        &Budget::default(),
        Keep {
            capture: CaptureRule::keep_all(pick),
            fingerprints: false,
        },
    )
    .unwrap();
    assert_eq!(layer.captures().len(), 1);
    assert_eq!(layer.captures()[0].entry, 0);
    assert_eq!(layer.captures()[0].content, b"{\"devDependencies\":{}}");
}

#[test]
fn gzip_input_is_not_a_tar() {
    // The indexer reads tars only; decompression belongs to image::blob.
    let tar = gzip(&TarBuilder::new().file("a", 1).finish());
    assert!(index(tar.as_slice(), &Budget::default(), PLAIN).is_err());
}

/// Indexes with fingerprints on, capturing `package.json` files as the analysis does.
fn fingerprinted(tar: &[u8]) -> LayerIndex {
    fn pick(path: &[u8], _: u64) -> bool {
        path.ends_with(b"package.json")
    }
    let keep = Keep {
        capture: CaptureRule::keep_all(pick),
        fingerprints: true,
    };
    index(tar, &Budget::default(), keep).unwrap().0
}

/// Deterministic bytes that are not one repeated value.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn fingerprints_are_off_unless_asked_for() {
    let tar = TarBuilder::new().file("a", 10).finish();
    let layer = run(&tar);
    assert_eq!(layer.fingerprint(0), None);
    assert!(layer.fingerprints.is_empty());
}

#[test]
fn fingerprint_hashes_the_whole_content_of_regular_files_only() {
    // Larger than one copy buffer, so streaming must equal hashing at once.
    let big = pattern(300 * 1024, 1);
    let manifest = br#"{"name":"app","devDependencies":{}}"#;
    let tar = TarBuilder::new()
        .dir("app/")
        .file_bytes(b"app/big.bin", &big)
        .file_bytes(b"app/package.json", manifest)
        .file_bytes(b"app/empty", b"")
        .symlink("app/link", "big.bin")
        .whiteout("app/old")
        .finish();
    let layer = fingerprinted(&tar);
    let got: Vec<_> = (0..layer.entries().len())
        .map(|i| layer.fingerprint(i))
        .collect();
    assert_eq!(
        got,
        [
            None,
            Some(Fingerprint::of(&big)),
            Some(Fingerprint::of(manifest)),
            Some(Fingerprint::of(b"")),
            None,
            None,
        ]
    );
    // The captured file is hashed from its captured head, and still captured in full.
    assert_eq!(layer.captures()[0].content, manifest);
}

#[test]
fn same_size_different_bytes_get_different_fingerprints() {
    let tar = TarBuilder::new()
        .file_bytes(b"a", &pattern(5000, 1))
        .file_bytes(b"b", &pattern(5000, 2))
        .file_bytes(b"c", &pattern(5000, 1))
        .finish();
    let layer = fingerprinted(&tar);
    assert_ne!(layer.fingerprint(0), layer.fingerprint(1));
    assert_eq!(layer.fingerprint(0), layer.fingerprint(2));
}

#[test]
fn a_hardlink_takes_the_fingerprint_of_the_latest_target_before_it() {
    let (first, second) = (pattern(100, 1), pattern(100, 2));
    let tar = TarBuilder::new()
        .file_bytes(b"bin/tool", &first)
        .hardlink("bin/alias", "bin/tool")
        .file_bytes(b"bin/tool", &second)
        .hardlink("bin/alias2", "./bin/tool")
        .hardlink("bin/chained", "bin/alias2")
        .symlink("bin/sym", "tool")
        .hardlink("bin/to_symlink", "bin/sym")
        .hardlink("bin/dangling", "bin/missing")
        .finish();
    let layer = fingerprinted(&tar);
    let at = |i: usize| layer.fingerprint(i);
    assert_eq!(at(1), Some(Fingerprint::of(&first)));
    assert_eq!(at(3), Some(Fingerprint::of(&second)));
    assert_eq!(at(4), Some(Fingerprint::of(&second)));
    assert_eq!((at(6), at(7)), (None, None));
}

#[test]
fn a_fingerprint_costs_eight_bytes_per_entry() {
    assert_eq!(std::mem::size_of::<Option<Fingerprint>>(), 8);
}

#[test]
fn tar_errors_are_one_escaped_line_without_the_input() {
    // A host file read as a layer: the parser's message quotes its "name" field.
    let mut block = vec![0u8; 1024];
    let text = b"root:$6$secret-hash\n\x1b]0;title\x07daemon:*:19000\nmore\n";
    block[..text.len()].copy_from_slice(text);
    block[100..108].copy_from_slice(b"\x1b[31mxx\n");
    let err = index(block.as_slice(), &Budget::default(), PLAIN)
        .unwrap_err()
        .to_string();
    assert!(!err.contains('\n') && !err.contains('\x1b'), "{err:?}");
    assert!(err.chars().count() <= 303, "{err:?}");
}
