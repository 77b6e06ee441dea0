//! rpm's database readers on databases built here byte by byte from the SQLite file format and
//! rpm's header layout (the real-tool test is tests/packages_rpm.rs), and on every truncation
//! and single-byte corruption of them: an error or a result, never a panic.

use super::super::{read_rpm_header, read_rpmdb};

const PAGE: usize = 512;

fn varint(v: u64, out: &mut Vec<u8>) {
    assert!(v < 1 << 14);
    if v >= 0x80 {
        out.push(0x80 | (v >> 7) as u8);
    }
    out.push((v & 0x7f) as u8);
}

enum Col<'a> {
    Null,
    Int(u8),
    Text(&'a str),
    Blob(&'a [u8]),
}

fn record(cols: &[Col]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut body = Vec::new();
    for c in cols {
        match c {
            Col::Null => varint(0, &mut types),
            Col::Int(v) => {
                varint(1, &mut types);
                body.push(*v);
            }
            Col::Text(t) => {
                varint(2 * t.len() as u64 + 13, &mut types);
                body.extend_from_slice(t.as_bytes());
            }
            Col::Blob(b) => {
                varint(2 * b.len() as u64 + 12, &mut types);
                body.extend_from_slice(b);
            }
        }
    }
    let mut out = Vec::new();
    varint(types.len() as u64 + 1, &mut out);
    out.extend(types);
    out.extend(body);
    out
}

/// A table leaf page holding `rows` (rowid, record); payloads beyond the local maximum spill to
/// overflow pages numbered from `next_page`, appended to `overflow`.
fn leaf(
    first: bool,
    rows: &[(u64, Vec<u8>)],
    next_page: u32,
    overflow: &mut Vec<Vec<u8>>,
) -> Vec<u8> {
    let mut page = vec![0u8; PAGE];
    let header = if first { 100 } else { 0 };
    page[header] = 0x0d;
    page[header + 3..header + 5].copy_from_slice(&(rows.len() as u16).to_be_bytes());
    let mut end = PAGE;
    let u = PAGE;
    for (i, (rowid, payload)) in rows.iter().enumerate() {
        let mut cell = Vec::new();
        varint(payload.len() as u64, &mut cell);
        varint(*rowid, &mut cell);
        let x = u - 35;
        let local = if payload.len() <= x {
            payload.len()
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + ((payload.len() - m) % (u - 4));
            if k <= x { k } else { m }
        };
        cell.extend_from_slice(&payload[..local]);
        if local < payload.len() {
            let first_overflow = next_page + overflow.len() as u32;
            cell.extend_from_slice(&first_overflow.to_be_bytes());
            let chunks: Vec<&[u8]> = payload[local..].chunks(u - 4).collect();
            for (j, chunk) in chunks.iter().enumerate() {
                let mut p = vec![0u8; PAGE];
                let next = if j + 1 < chunks.len() {
                    first_overflow + j as u32 + 1
                } else {
                    0
                };
                p[..4].copy_from_slice(&next.to_be_bytes());
                p[4..4 + chunk.len()].copy_from_slice(chunk);
                overflow.push(p);
            }
        }
        end -= cell.len();
        page[end..end + cell.len()].copy_from_slice(&cell);
        let ptr = header + 8 + 2 * i;
        page[ptr..ptr + 2].copy_from_slice(&(end as u16).to_be_bytes());
    }
    page[header + 5..header + 7].copy_from_slice(&(end as u16).to_be_bytes());
    page
}

/// An rpmdb.sqlite with the Packages table at page 2 holding `blobs`.
pub(super) fn database(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut overflow = Vec::new();
    let schema = record(&[
        Col::Text("table"),
        Col::Text("Packages"),
        Col::Text("Packages"),
        Col::Int(2),
        Col::Text(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)",
        ),
    ]);
    let mut page1 = leaf(true, &[(1, schema)], 0, &mut Vec::new());
    // Page 2 is an interior page over one leaf per row (pages 3, 4, ...): the walk must go
    // through both kinds; overflow pages follow the leaves.
    let first_overflow = 3 + blobs.len() as u32;
    let mut leaves = Vec::new();
    for (i, b) in blobs.iter().enumerate() {
        let row = (i as u64 + 1, record(&[Col::Null, Col::Blob(b)]));
        leaves.push(leaf(false, &[row], first_overflow, &mut overflow));
    }
    let mut page2 = vec![0u8; PAGE];
    page2[0] = 0x05;
    let cells = blobs.len().saturating_sub(1);
    page2[3..5].copy_from_slice(&(cells as u16).to_be_bytes());
    page2[8..12].copy_from_slice(&(2 + blobs.len() as u32).to_be_bytes());
    let mut end = PAGE;
    for i in 0..cells {
        let mut cell = (3 + i as u32).to_be_bytes().to_vec();
        varint(i as u64 + 1, &mut cell);
        end -= cell.len();
        page2[end..end + cell.len()].copy_from_slice(&cell);
        page2[12 + 2 * i..14 + 2 * i].copy_from_slice(&(end as u16).to_be_bytes());
    }
    page1[..16].copy_from_slice(b"SQLite format 3\0");
    page1[16..18].copy_from_slice(&(PAGE as u16).to_be_bytes());
    page1[18] = 2;
    page1[19] = 2;
    let pages = 2 + leaves.len() as u32 + overflow.len() as u32;
    page1[28..32].copy_from_slice(&pages.to_be_bytes());
    let mut out = page1;
    out.extend(page2);
    for p in leaves.into_iter().chain(overflow) {
        out.extend(p);
    }
    out
}

/// An rpm header: (tag, type, value bytes, count) entries and their data store.
pub(super) fn header(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, kind, value, count) in entries {
        for v in [*tag, *kind, data.len() as u32, *count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(value);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend(index);
    out.extend(data);
    out
}

fn strings(items: &[&str]) -> (Vec<u8>, u32) {
    let mut v = Vec::new();
    for s in items {
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    (v, items.len() as u32)
}

pub(super) fn package(name: &str, version: &str, files: &[&str], requires: &[&str]) -> Vec<u8> {
    let mut dirs: Vec<&str> = Vec::new();
    let mut bases = Vec::new();
    let mut index = Vec::new();
    for f in files {
        let (dir, base) = f.split_at(f.rfind('/').unwrap() + 1);
        let i = dirs.iter().position(|d| *d == dir).unwrap_or_else(|| {
            dirs.push(dir);
            dirs.len() - 1
        });
        bases.push(base);
        index.extend_from_slice(&(i as u32).to_be_bytes());
    }
    let s = |v: &str| (format!("{v}\0").into_bytes(), 1);
    let (base, nb) = strings(&bases);
    let (dir, nd) = strings(&dirs);
    let (req, nr) = strings(requires);
    let e = |tag, kind, (v, n): (Vec<u8>, u32)| (tag, kind, v, n);
    header(&[
        e(1000, 6, s(name)),
        e(1001, 6, s(version)),
        e(1002, 6, s("1.fc40")),
        e(1049, 8, (req, nr)),
        e(1116, 4, (index, files.len() as u32)),
        e(1117, 8, (base, nb)),
        e(1118, 8, (dir, nd)),
    ])
}

#[test]
fn rpm_packages_are_read_from_sqlite_rows_and_overflow_pages() {
    let big: Vec<String> = (0..60)
        .map(|i| format!("/usr/share/big/file-{i:03}"))
        .collect();
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    let db = database(&[
        package(
            "bash",
            "5.2.26",
            &["/usr/bin/bash", "/usr/bin/sh"],
            &["glibc", "/bin/sh"],
        ),
        package("big", "1", &big, &[]),
    ]);
    assert!(db.len() / PAGE > 4, "the second row must overflow");
    let r = read_rpmdb(&db, None).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].name.as_str(), r[0].version.as_str()),
        ("bash", "5.2.26-1.fc40")
    );
    assert_eq!(
        r[0].files,
        [b"/usr/bin/bash".to_vec(), b"/usr/bin/sh".to_vec()]
    );
    assert_eq!(r[0].depends, ["glibc", "/bin/sh"]);
    assert_eq!(r[1].files.len(), 60);
    assert_eq!(r[1].files[59], b"/usr/share/big/file-059");
}

/// The WAL checksum, written apart from the reader's.
fn wal_sum(s: (u32, u32), data: &[u8]) -> (u32, u32) {
    let (mut a, mut b) = s;
    for w in data.chunks(8) {
        a = a
            .wrapping_add(u32::from_le_bytes(w[0..4].try_into().unwrap()))
            .wrapping_add(b);
        b = b
            .wrapping_add(u32::from_le_bytes(w[4..8].try_into().unwrap()))
            .wrapping_add(a);
    }
    (a, b)
}

/// A little-endian-checksum WAL of `frames` (page, content, commit size or 0).
fn wal(frames: &[(u32, &[u8], u32)], corrupt_last: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0x377f_0682u32, 3_007_000, PAGE as u32, 0, 7, 9] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut sum = wal_sum((0, 0), &out);
    out.extend_from_slice(&sum.0.to_be_bytes());
    out.extend_from_slice(&sum.1.to_be_bytes());
    for (i, (page, content, commit)) in frames.iter().enumerate() {
        let mut head = Vec::new();
        for v in [*page, *commit, 7, 9] {
            head.extend_from_slice(&v.to_be_bytes());
        }
        sum = wal_sum(sum, &head[..8]);
        sum = wal_sum(sum, content);
        let bad = u32::from(corrupt_last && i + 1 == frames.len());
        head.extend_from_slice(&(sum.0 ^ bad).to_be_bytes());
        head.extend_from_slice(&sum.1.to_be_bytes());
        out.extend(head);
        out.extend_from_slice(content);
    }
    out
}

#[test]
fn committed_wal_frames_replace_pages_and_the_rest_are_ignored() {
    let old = database(&[package("bash", "5.2.26", &["/usr/bin/bash"], &[])]);
    let new = database(&[package("bash", "5.2.32", &["/usr/bin/bash"], &[])]);
    let page3 = &new[2 * PAGE..3 * PAGE];
    let version = |wal: &[u8]| read_rpmdb(&old, Some(wal)).unwrap()[0].version.clone();
    assert_eq!(version(&wal(&[(3, page3, 3)], false)), "5.2.32-1.fc40");
    // Not committed: the last frame has no database size.
    assert_eq!(version(&wal(&[(3, page3, 0)], false)), "5.2.26-1.fc40");
    // A frame whose checksum fails ends the log.
    assert_eq!(version(&wal(&[(3, page3, 3)], true)), "5.2.26-1.fc40");
    assert_eq!(version(&[]), "5.2.26-1.fc40");
    assert!(read_rpmdb(&old, Some(b"not a wal file at all, no")).is_err());
}

#[test]
fn every_truncation_and_corruption_of_a_database_is_handled() {
    let db = database(&[
        package("bash", "5", &["/usr/bin/bash"], &["glibc"]),
        package("big", "1", &["/a/b"; 40], &[]),
    ]);
    for len in 0..db.len() {
        let _ = read_rpmdb(&db[..len], None);
    }
    for at in 0..db.len() {
        for byte in [0x00, 0xff, 0x02] {
            let mut bad = db.clone();
            bad[at] = byte;
            let _ = read_rpmdb(&bad, None);
        }
    }
    // A b-tree page that points at itself.
    let mut cycle = db.clone();
    cycle[PAGE] = 0x05;
    cycle[PAGE + 8..PAGE + 12].copy_from_slice(&2u32.to_be_bytes());
    cycle[PAGE + 3..PAGE + 5].copy_from_slice(&0u16.to_be_bytes());
    assert!(read_rpmdb(&cycle, None).is_err());
}

#[test]
fn malformed_headers_are_skipped_not_trusted() {
    let good = package("bash", "5", &["/usr/bin/bash"], &[]);
    assert_eq!(read_rpm_header(&good).unwrap().name, "bash");
    for len in 0..good.len() {
        let _ = read_rpm_header(&good[..len]);
    }
    // Counts far beyond the blob.
    let mut huge = good.clone();
    huge[..4].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    assert!(read_rpm_header(&huge).is_none());
    // A directory index out of range drops that file only.
    let bad = header(&[
        (1000, 6, b"x\0".to_vec(), 1),
        (
            1116,
            4,
            [0u32, 9].iter().flat_map(|v| v.to_be_bytes()).collect(),
            2,
        ),
        (1117, 8, b"a\0b\0".to_vec(), 2),
        (1118, 8, b"/d/\0".to_vec(), 1),
    ]);
    assert_eq!(read_rpm_header(&bad).unwrap().files, [b"/d/a".to_vec()]);
    // A string array whose count exceeds its data.
    let lying = header(&[
        (1000, 6, b"x\0".to_vec(), 1),
        (1049, 8, b"a\0".to_vec(), 1000),
    ]);
    assert!(read_rpm_header(&lying).unwrap().depends.is_empty());
}
