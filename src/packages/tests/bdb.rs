//! rpm's Berkeley DB `Packages` reader on hash databases built here byte by byte from Berkeley
//! DB's page layout (the real-tool test, with `db5.3_load` and rpm's own `bdb_ro` reader, is
//! tests/packages_rpm_bdb.rs), on every truncation and corruption of them, and the per-layer
//! history it feeds: which layer installed, upgraded or removed each package, and a one-line
//! problem for a database that cannot be read.

use super::super::{Change, Ecosystem, find, read_rpm_bdb};
use super::rpm::{header, package};
use crate::testutil::{TarBuilder, app_user, image_of};

#[derive(Clone, Copy)]
pub(super) struct Layout {
    page: usize,
    big_endian: bool,
    checksum: bool,
}

pub(super) const LE: Layout = Layout {
    page: 512,
    big_endian: false,
    checksum: false,
};

impl Layout {
    fn overhead(self) -> usize {
        if self.checksum { 32 } else { 26 }
    }

    fn put16(self, page: &mut [u8], at: usize, v: usize) {
        let v = v as u16;
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        page[at..at + 2].copy_from_slice(&b);
    }

    fn put32(self, page: &mut [u8], at: usize, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        page[at..at + 4].copy_from_slice(&b);
    }
}

/// A hash database as rpm kept it: key 0 holds the next instance number, keys 1.. the headers.
/// Values over a quarter page go to overflow chains (pages 1..), the hash pages follow them.
pub(super) fn database(values: &[Vec<u8>], l: Layout) -> Vec<u8> {
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = vec![(
        0u32.to_le_bytes().to_vec(),
        (values.len() as u32 + 1).to_le_bytes().to_vec(),
    )];
    for (i, v) in values.iter().enumerate() {
        items.push(((i as u32 + 1).to_le_bytes().to_vec(), v.clone()));
    }
    let room = l.page - l.overhead();
    let mut overflow: Vec<Vec<u8>> = Vec::new();
    // Each pair's key item and value item, the value inline or an H_OFFPAGE reference.
    let mut pairs = Vec::new();
    for (key, value) in &items {
        let mut k = vec![1u8];
        k.extend_from_slice(key);
        let v = if value.len() <= l.page / 4 {
            let mut v = vec![1u8];
            v.extend_from_slice(value);
            v
        } else {
            let first = overflow.len() as u32 + 1;
            let chunks: Vec<&[u8]> = value.chunks(room).collect();
            for (j, chunk) in chunks.iter().enumerate() {
                let n = first + j as u32;
                let mut p = vec![0u8; l.page];
                l.put32(&mut p, 8, n);
                l.put32(&mut p, 12, if j == 0 { 0 } else { n - 1 });
                l.put32(&mut p, 16, if j + 1 < chunks.len() { n + 1 } else { 0 });
                l.put16(&mut p, 20, 1);
                l.put16(&mut p, 22, chunk.len());
                p[25] = 7;
                p[l.overhead()..l.overhead() + chunk.len()].copy_from_slice(chunk);
                overflow.push(p);
            }
            let mut v = vec![3u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            l.put32(&mut v, 4, first);
            l.put32(&mut v, 8, value.len() as u32);
            v
        };
        pairs.push((k, v));
    }
    let mut hash_pages: Vec<Vec<(Vec<u8>, Vec<u8>)>> = vec![Vec::new()];
    let mut used = 0;
    for pair in pairs {
        let need = 4 + pair.0.len() + pair.1.len();
        if used + need > room {
            hash_pages.push(Vec::new());
            used = 0;
        }
        used += need;
        hash_pages.last_mut().unwrap().push(pair);
    }
    let first_hash = overflow.len() + 1;
    let mut out = vec![0u8; l.page];
    let last = (first_hash + hash_pages.len() - 1) as u32;
    out[12..16].copy_from_slice(&if l.big_endian {
        0x0006_1561u32.to_be_bytes()
    } else {
        0x0006_1561u32.to_le_bytes()
    });
    l.put32(&mut out, 16, 9);
    l.put32(&mut out, 20, l.page as u32);
    out[25] = 8;
    out[26] = u8::from(l.checksum);
    l.put32(&mut out, 32, last);
    for p in overflow {
        out.extend(p);
    }
    for (i, pairs) in hash_pages.iter().enumerate() {
        let mut p = vec![0u8; l.page];
        l.put32(&mut p, 8, (first_hash + i) as u32);
        l.put16(&mut p, 20, 2 * pairs.len());
        p[25] = 13;
        let mut end = l.page;
        for (j, item) in pairs.iter().flat_map(|(k, v)| [k, v]).enumerate() {
            end -= item.len();
            p[end..end + item.len()].copy_from_slice(item);
            l.put16(&mut p, l.overhead() + 2 * j, end);
        }
        l.put16(&mut p, 22, end);
        out.extend(p);
    }
    out
}

fn big_package() -> Vec<u8> {
    let files: Vec<String> = (0..120)
        .map(|i| format!("/usr/share/big/file-{i:03}"))
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    package("big", "1", &files, &[])
}

#[test]
fn rpm_packages_are_read_from_hash_pages_and_overflow_chains() {
    // A header with no files (a meta-package) stays in its hash page even at 512 B a page.
    let small = header(&[
        (1000, 6, b"tiny\0".to_vec(), 1),
        (1001, 6, b"1\0".to_vec(), 1),
    ]);
    assert!(small.len() <= 128, "tiny must stay inline: {}", small.len());
    for layout in [
        LE,
        Layout {
            big_endian: true,
            ..LE
        },
        Layout {
            checksum: true,
            ..LE
        },
        Layout { page: 4096, ..LE },
    ] {
        let values = [
            package("bash", "5.2.26", &["/usr/bin/bash"], &["glibc"]),
            big_package(),
            small.clone(),
        ];
        let db = database(&values, layout);
        let r = read_rpm_bdb(&db).unwrap();
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["bash", "big", "tiny"]);
        assert_eq!(r[0].version, "5.2.26-1.fc40");
        assert_eq!(r[0].depends, ["glibc"]);
        assert_eq!(r[1].files.len(), 120);
        assert_eq!(r[1].files[119], b"/usr/share/big/file-119");
        assert!(r[2].files.is_empty());
    }
    // At 512 bytes a page, the big header spans several overflow pages.
    assert!(big_package().len() > 3 * 512);
}

#[test]
fn other_files_are_named_errors_not_guesses() {
    let err = |b: &[u8]| read_rpm_bdb(b).unwrap_err().to_string();
    assert_eq!(err(b"short"), "shorter than a Berkeley DB metadata page");
    assert_eq!(err(&[0u8; 4096]), "not a Berkeley DB hash database");
    let mut btree = database(&[], LE);
    btree[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
    assert_eq!(err(&btree), "a Berkeley DB database but not a hash one");
    let mut encrypted = database(&[], LE);
    encrypted[24] = 1;
    assert_eq!(err(&encrypted), "encrypted Berkeley DB database");
    let db = database(&[big_package()], LE);
    assert_eq!(
        err(&db[..db.len() - 512]),
        "truncated: the file ends before its last page"
    );
    // An SQLite rpmdb is not mistaken for one.
    assert!(read_rpm_bdb(b"SQLite format 3\0rest of the header and more").is_err());
}

#[test]
fn every_truncation_and_corruption_of_a_database_is_handled() {
    let db = database(
        &[
            package("bash", "5", &["/usr/bin/bash"], &["glibc"]),
            big_package(),
        ],
        LE,
    );
    for len in 0..db.len() {
        let _ = read_rpm_bdb(&db[..len]);
    }
    for at in 0..db.len() {
        for byte in [0x00, 0xff, 0x01, 0x07] {
            let mut bad = db.clone();
            bad[at] = byte;
            let _ = read_rpm_bdb(&bad);
        }
    }
    // The big header's chain (page 2 on) cut short, then turned into a loop.
    let mut cut = db.clone();
    cut[2 * 512 + 16..2 * 512 + 20].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(
        read_rpm_bdb(&cut).unwrap_err().to_string(),
        "broken overflow chain"
    );
    let mut cycle = db.clone();
    cycle[2 * 512 + 16..2 * 512 + 20].copy_from_slice(&2u32.to_le_bytes());
    assert!(read_rpm_bdb(&cycle).is_err());
}

#[test]
fn values_sharing_one_overflow_chain_are_bounded_by_the_file() {
    // Hundreds of items all pointing at one chain: the bytes gathered stay bounded.
    let mut db = database(&[big_package()], LE);
    let hash = db.len() - 512;
    let reference = {
        let p = &db[hash..];
        let at = usize::from(u16::from_le_bytes([p[26 + 6], p[26 + 7]]));
        p[at..at + 12].to_vec()
    };
    assert_eq!(reference[0], 3, "the big header must be on overflow pages");
    let mut page = vec![0u8; 512];
    page[25] = 13;
    let pairs = 25;
    page[20..22].copy_from_slice(&(2 * pairs as u16).to_le_bytes());
    let mut end = 512;
    for j in 0..2 * pairs {
        let item: &[u8] = if j % 2 == 0 { &[1, 9] } else { &reference };
        end -= item.len();
        page[end..end + item.len()].copy_from_slice(item);
        page[26 + 2 * j..28 + 2 * j].copy_from_slice(&(end as u16).to_le_bytes());
    }
    for _ in 0..200 {
        db.extend_from_slice(&page);
    }
    let last = (db.len() / 512 - 1) as u32;
    db[32..36].copy_from_slice(&last.to_le_bytes());
    assert_eq!(
        read_rpm_bdb(&db).unwrap_err().to_string(),
        "values larger than the database"
    );
}

#[test]
fn bdb_history_finds_install_upgrade_and_removal_layers() {
    let db = |pkgs: &[(&str, &str, &[&str])]| {
        let values: Vec<Vec<u8>> = pkgs
            .iter()
            .map(|(n, v, files)| package(n, v, files, &[]))
            .collect();
        database(&values, LE)
    };
    let base = TarBuilder::new()
        .file_bytes(
            b"var/lib/rpm/Packages",
            &db(&[
                ("glibc", "2.28", &["/usr/lib64/libc.so.6"]),
                ("tool", "1", &["/usr/bin/tool", "/usr/share/tool/a"]),
            ]),
        )
        .file("usr/lib64/libc.so.6", 1000)
        .file("usr/bin/tool", 300)
        .file("usr/share/tool/a", 20);
    let change = TarBuilder::new()
        .file_bytes(
            b"var/lib/rpm/Packages",
            &db(&[
                ("glibc", "2.28", &["/usr/lib64/libc.so.6"]),
                ("tool", "2", &["/usr/bin/tool"]),
                ("extra", "0.1", &["/opt/extra"]),
            ]),
        )
        .file("usr/bin/tool", 400)
        .file("opt/extra", 77);
    let remove = TarBuilder::new().file_bytes(
        b"var/lib/rpm/Packages",
        &db(&[("glibc", "2.28", &["/usr/lib64/libc.so.6"])]),
    );
    let inv = find(&image_of(vec![base, change, remove], app_user()).tree);
    let rows: Vec<(&str, usize, Change, u64, u64, bool)> = inv
        .list
        .iter()
        .map(|p| {
            assert_eq!(p.ecosystem, Ecosystem::Rpm);
            assert_eq!(p.location, "/var/lib/rpm");
            (
                p.name.as_str(),
                p.layer,
                p.change,
                p.bytes,
                p.files,
                p.visible,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("glibc", 0, Change::Installed, 1000, 1, true),
            ("tool", 0, Change::Installed, 320, 2, false),
            ("extra", 1, Change::Installed, 77, 1, false),
            ("tool", 1, Change::Upgraded, 400, 1, false),
            ("extra", 2, Change::Removed, 0, 0, false),
            ("tool", 2, Change::Removed, 0, 0, false),
        ]
    );
    assert!(inv.unreadable.is_empty());
}

#[test]
fn a_corrupt_database_is_named_and_the_other_ecosystems_are_read() {
    let good = database(
        &[package("glibc", "2.28", &["/usr/lib64/libc.so.6"], &[])],
        LE,
    );
    let base = TarBuilder::new()
        .file_bytes(b"var/lib/rpm/Packages", &good)
        .file("usr/lib64/libc.so.6", 1000);
    let broken = TarBuilder::new()
        .file_bytes(b"var/lib/rpm/Packages", &good[..good.len() - 100])
        .file_bytes(
            b"lib/apk/db/installed",
            b"P:musl\nV:1.2.4-r2\nF:lib\nR:libc.so\n\n",
        )
        .file("lib/libc.so", 10);
    let inv = find(&image_of(vec![base, broken], app_user()).tree);
    assert_eq!(inv.unreadable.len(), 1, "{:?}", inv.unreadable);
    let u = &inv.unreadable[0];
    assert_eq!(
        (u.layer, u.path.as_slice()),
        (1, &b"/var/lib/rpm/Packages"[..])
    );
    assert_eq!(
        u.why,
        "not a readable rpm Berkeley DB database (truncated: the file ends before its last page): its packages are not read"
    );
    // The state as of layer 1 is unknown: glibc is neither removed nor re-installed there.
    let rpm: Vec<_> = inv
        .list
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Rpm)
        .collect();
    assert_eq!(rpm.len(), 1);
    assert_eq!((rpm[0].layer, rpm[0].visible), (0, true));
    let musl = inv.list.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!((musl.layer, musl.bytes), (1, 10));
}

#[test]
fn the_sqlite_database_is_read_when_both_are_left() {
    // After `rpmdb --rebuilddb` to SQLite, a `Packages` left beside it is stale: rpm reads
    // the SQLite one.
    let stale = database(&[package("old", "1", &["/old"], &[])], LE);
    let sqlite = super::rpm::database(&[package("new", "2", &["/new"], &[])]);
    let layer = TarBuilder::new()
        .file_bytes(b"usr/lib/sysimage/rpm/Packages", &stale)
        .file_bytes(b"usr/lib/sysimage/rpm/rpmdb.sqlite", &sqlite)
        .file("new", 5)
        .file("old", 6);
    let inv = find(&image_of(vec![layer], app_user()).tree);
    let names: Vec<&str> = inv.list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["new"]);
    assert_eq!(inv.list[0].location, "/usr/lib/sysimage/rpm");
}

#[test]
fn a_database_too_large_to_keep_is_named_not_guessed() {
    let good = database(
        &[package("glibc", "2.28", &["/usr/lib64/libc.so.6"], &[])],
        LE,
    );
    let base = TarBuilder::new()
        .file_bytes(b"var/lib/rpm/Packages", &good)
        .file("usr/lib64/libc.so.6", 1000);
    let huge = TarBuilder::new().file("var/lib/rpm/Packages", (64 << 20) + 1);
    let inv = find(&image_of(vec![base, huge], app_user()).tree);
    assert_eq!(inv.unreadable.len(), 1, "{:?}", inv.unreadable);
    assert_eq!(inv.unreadable[0].layer, 1);
    assert_eq!(
        inv.unreadable[0].why,
        "larger than the 64 MiB read of an rpm database: its packages are not read"
    );
    // glibc is not reported removed: layer 1's state is unknown.
    assert_eq!(inv.list.len(), 1);
    assert!(inv.list[0].visible);
}
