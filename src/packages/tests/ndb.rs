//! rpm's ndb `Packages.db` reader on databases built here from rpm's `rpmpkg.c` layout (no
//! real tool here writes one: Debian's rpm has no ndb backend), on every truncation and
//! corruption of them, and in the per-layer history.

use super::super::{Change, find, read_rpm_ndb};
use super::rpm::package;
use crate::testutil::{TarBuilder, app_user, image_of};

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u64, 0u64);
    for &x in data {
        a = (a + u64::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    ((b << 16) | a) as u32
}

/// A `Packages.db` with one slot page: blob i in slot i (package index i + 1), with a free
/// slot between the first two as rpm leaves after an erase.
fn database(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0u8; 4096];
    out[..4].copy_from_slice(b"RpmP");
    out[8..12].copy_from_slice(&7u32.to_le_bytes());
    out[12..16].copy_from_slice(&1u32.to_le_bytes());
    for slot in 2..256 {
        out[slot * 16..slot * 16 + 4].copy_from_slice(b"Slot");
    }
    for (i, blob) in blobs.iter().enumerate() {
        let index = i as u32 + 1;
        let start = out.len();
        let mut block = Vec::new();
        for v in [u32::from_le_bytes(*b"BlbS"), index, 7, blob.len() as u32] {
            block.extend_from_slice(&v.to_le_bytes());
        }
        block.extend_from_slice(blob);
        while (block.len() + 12) % 16 != 0 {
            block.push(0);
        }
        let sum = adler32(&block);
        for v in [sum, blob.len() as u32, u32::from_le_bytes(*b"BlbE")] {
            block.extend_from_slice(&v.to_le_bytes());
        }
        let slot = if i == 0 { 2 } else { 3 + i } * 16;
        for (j, v) in [index, (start / 16) as u32, (block.len() / 16) as u32]
            .iter()
            .enumerate()
        {
            out[slot + 4 + 4 * j..slot + 8 + 4 * j].copy_from_slice(&v.to_le_bytes());
        }
        out.extend(block);
    }
    out
}

#[test]
fn rpm_packages_are_read_from_ndb_slots_and_blobs() {
    let db = database(&[
        package("bash", "5.2.26", &["/usr/bin/bash"], &["glibc"]),
        package("glibc", "2.38", &["/usr/lib64/libc.so.6"], &[]),
    ]);
    let r = read_rpm_ndb(&db).unwrap();
    let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["bash", "glibc"]);
    assert_eq!(r[0].depends, ["glibc"]);
    assert_eq!(r[1].files, [b"/usr/lib64/libc.so.6".to_vec()]);
    // RFC 1950's checksum, the reader's and this builder's, on the common test vector.
    assert_eq!(super::super::ndb::adler32(b"Wikipedia"), 0x11E6_0398);
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    let long = vec![0xffu8; 100_000];
    assert_eq!(super::super::ndb::adler32(&long), adler32(&long));
}

#[test]
fn a_damaged_ndb_file_is_a_named_error() {
    let db = database(&[package("bash", "5", &["/usr/bin/bash"], &[])]);
    let err = |b: &[u8]| read_rpm_ndb(b).unwrap_err().to_string();
    assert_eq!(err(b"SQLite format 3\0"), "not an rpm ndb database");
    assert_eq!(
        err(&db[..4000]),
        "truncated: the file ends before its slot pages"
    );
    assert_eq!(
        err(&db[..db.len() - 1]),
        "truncated: a blob beyond the end of the file"
    );
    let mut flipped = db.clone();
    flipped[4096 + 40] ^= 1;
    assert_eq!(err(&flipped), "blob checksum mismatch");
    for len in 0..db.len() {
        let _ = read_rpm_ndb(&db[..len]);
    }
    for at in 0..db.len() {
        for byte in [0x00, 0xff, 0x01] {
            let mut bad = db.clone();
            bad[at] = byte;
            let _ = read_rpm_ndb(&bad);
        }
    }
}

#[test]
fn ndb_history_and_the_newer_format_wins() {
    let v1 = database(&[package("zypper", "1.14", &["/usr/bin/zypper"], &[])]);
    let v2 = database(&[package("zypper", "1.15", &["/usr/bin/zypper"], &[])]);
    // A stale Berkeley DB file beside it (left by a conversion) is not read.
    let stale = super::bdb::database(&[package("old", "1", &["/old"], &[])], super::bdb::LE);
    let base = TarBuilder::new()
        .file_bytes(b"usr/lib/sysimage/rpm/Packages.db", &v1)
        .file_bytes(b"usr/lib/sysimage/rpm/Packages", &stale)
        .file("usr/bin/zypper", 900)
        .file("old", 3);
    let upgrade = TarBuilder::new()
        .file_bytes(b"usr/lib/sysimage/rpm/Packages.db", &v2)
        .file("usr/bin/zypper", 950);
    let inv = find(&image_of(vec![base, upgrade], app_user()).tree);
    let rows: Vec<(&str, usize, Change, u64, bool)> = inv
        .list
        .iter()
        .map(|p| (p.name.as_str(), p.layer, p.change, p.bytes, p.visible))
        .collect();
    assert_eq!(
        rows,
        [
            ("zypper", 0, Change::Installed, 900, false),
            ("zypper", 1, Change::Upgraded, 950, true),
        ]
    );
    assert_eq!(inv.list[1].location, "/usr/lib/sysimage/rpm");
}
