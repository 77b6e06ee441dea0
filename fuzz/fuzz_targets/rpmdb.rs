//! Fuzzes rpm's database readers: the SQLite page reader with its WAL, the Berkeley DB hash
//! reader (`Packages`), the ndb reader (`Packages.db`), and the header decoder.
//! Any bytes must give packages or an error, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::packages::{read_rpm_bdb, read_rpm_header, read_rpm_ndb, read_rpmdb};

fuzz_target!(|data: &[u8]| {
    let _ = read_rpm_header(data);
    let _ = read_rpm_bdb(data);
    let _ = read_rpm_ndb(data);
    // The first two bytes say where the database ends and the WAL begins.
    let (split, rest) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_be_bytes([*a, *b])), rest),
        _ => return,
    };
    let (db, wal) = rest.split_at(split.min(rest.len()));
    let _ = read_rpmdb(db, Some(wal));
    let _ = read_rpmdb(rest, None);
});
