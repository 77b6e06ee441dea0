//! Tests of bytes shipped twice (issue 11.3): duplicate content at several visible paths, and
//! files a later layer ships again with only their metadata changed.

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

const BIG: usize = 70 * 1024;

fn content(byte: u8) -> Vec<u8> {
    vec![byte; BIG]
}

#[test]
fn the_same_content_at_two_visible_paths_is_a_duplicate() {
    let image = image_of(
        vec![
            TarBuilder::new().file("bin/sh", 10),
            TarBuilder::new()
                .file_bytes(b"opt/a/lib.so", &content(b'a'))
                .file_bytes(b"opt/b/lib.so", &content(b'a'))
                .file_bytes(b"opt/c/other.so", &content(b'c'))
                .file_bytes(b"opt/small1", b"same")
                .file_bytes(b"opt/small2", b"same"),
            TarBuilder::new().file_bytes(b"srv/lib.so", &content(b'a')),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let d: Vec<_> = a.findings_of(FindingKind::DuplicateContent).collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].bytes, 2 * BIG as u64);
    assert_eq!(d[0].files, 3);
    assert_eq!(d[0].layer, Some(2));
    assert!(
        d[0].reason
            .contains("/opt/a/lib.so, /opt/b/lib.so, /srv/lib.so"),
        "{}",
        d[0].reason
    );
    assert!(d[0].fix.contains("`/opt/a/lib.so`"), "{}", d[0].fix);
}

#[test]
fn a_deleted_copy_is_not_a_duplicate() {
    let image = image_of(
        vec![
            TarBuilder::new().file("bin/sh", 10),
            TarBuilder::new()
                .file_bytes(b"opt/a.bin", &content(b'a'))
                .file_bytes(b"opt/b.bin", &content(b'a')),
            TarBuilder::new().whiteout("opt/b.bin"),
        ],
        app_user(),
    );
    let a = analyze(&image);
    assert_eq!(a.findings_of(FindingKind::DuplicateContent).count(), 0);
}

#[test]
fn a_chown_that_ships_the_same_content_is_a_metadata_copy() {
    let mut owned = TarBuilder::new();
    for name in ["app/a.bin", "app/lib/b.bin"] {
        owned = owned.file_owned(name, &content(b'x'), 1000, 1000);
    }
    let image = image_of(
        vec![
            TarBuilder::new().file("bin/sh", 10),
            TarBuilder::new()
                .file_bytes(b"app/a.bin", &content(b'x'))
                .file_bytes(b"app/lib/b.bin", &content(b'x'))
                .file_bytes(b"app/c.txt", b"changed later"),
            owned.file_bytes(b"app/c.txt", b"really changed"),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let m: Vec<_> = a.findings_of(FindingKind::MetadataCopy).collect();
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(image.tree.paths.display(m[0].node), "/app");
    assert_eq!(m[0].layer, Some(2));
    assert_eq!(m[0].bytes, 2 * BIG as u64);
    assert_eq!(m[0].files, 2);
    assert!(
        m[0].reason.contains("owner changed on 2"),
        "{}",
        m[0].reason
    );
    assert!(m[0].fix.contains("COPY --chown="), "{}", m[0].fix);
}
