//! rpm's database: the SQLite rpmdb of current Fedora, UBI, Rocky and Alma images
//! (`var/lib/rpm/rpmdb.sqlite` or `usr/lib/sysimage/rpm/rpmdb.sqlite`, plus its `-wal`), one row
//! per package in `Packages(hnum, blob)`, or the Berkeley DB hash file `Packages` of CentOS/RHEL
//! 7 and 8, Amazon Linux 2 and older Fedora, one value per package, or rpm's own `Packages.db`
//! (ndb) of openSUSE and SLE 15, one blob per slot; each blob is an rpm header: a count of index entries
//! and the size of the data store (big-endian u32s), the entries (tag, type, offset, count), then
//! the data. Headers are hostile input: every entry is bounds-checked and a bad one is skipped.

use super::sqlite::{Database, Malformed, Value};
use super::{Record, bdb, ndb};

const NAME: u32 = 1000;
const VERSION: u32 = 1001;
const RELEASE: u32 = 1002;
const EPOCH: u32 = 1003;
const PROVIDENAME: u32 = 1047;
const REQUIRENAME: u32 = 1049;
const DIRINDEXES: u32 = 1116;
const BASENAMES: u32 = 1117;
const DIRNAMES: u32 = 1118;

const INT32: u32 = 4;
const STRING: u32 = 6;
const STRING_ARRAY: u32 = 8;
const I18NSTRING: u32 = 9;

/// rpm's own limits on a header (`hdrblobVerifyInfo`): at most 0xffff entries and 256 MiB of data.
const MAX_ENTRIES: usize = 0xffff;
const MAX_DATA: usize = 256 << 20;

/// The packages of an rpmdb.sqlite (and its WAL).
pub fn parse_sqlite(db: &[u8], wal: Option<&[u8]>) -> Result<Vec<Record>, Malformed> {
    let db = Database::open(db, wal)?;
    let mut out = Vec::new();
    for (_, row) in db.table("Packages")? {
        let Some(Value::Blob(blob)) = row.get(1) else {
            continue;
        };
        if let Some(r) = parse_header(blob) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The packages of a Berkeley DB `Packages` file. Values that are not headers (rpm keeps its
/// next instance number under key 0) are skipped.
pub fn parse_bdb(db: &[u8]) -> Result<Vec<Record>, Malformed> {
    let mut out = Vec::new();
    bdb::values(db, |blob| {
        if let Some(r) = parse_header(blob) {
            out.push(r);
        }
    })?;
    Ok(out)
}

/// The packages of an ndb `Packages.db`.
pub fn parse_ndb(db: &[u8]) -> Result<Vec<Record>, Malformed> {
    let mut out = Vec::new();
    ndb::values(db, |blob| {
        if let Some(r) = parse_header(blob) {
            out.push(r);
        }
    })?;
    Ok(out)
}

/// One header's package; `None` when it is malformed or has no name.
pub fn parse_header(blob: &[u8]) -> Option<Record> {
    let header = Header::new(blob)?;
    let name = header.string(NAME)?;
    let version = header.string(VERSION).unwrap_or_default();
    let release = header.string(RELEASE).unwrap_or_default();
    let mut full = format!("{version}-{release}");
    if let Some(epoch) = header.int32s(EPOCH).and_then(|e| e.first().copied()) {
        full = format!("{epoch}:{full}");
    }
    let mut files = Vec::new();
    if let (Some(base), Some(dirs), Some(index)) = (
        header.strings(BASENAMES),
        header.strings(DIRNAMES),
        header.int32s(DIRINDEXES),
    ) {
        if base.len() == index.len() {
            for (b, i) in base.iter().zip(&index) {
                let Some(dir) = dirs.get(*i as usize) else {
                    continue;
                };
                files.push(super::join(b"/", &[*dir, *b].concat()));
            }
        }
    }
    let names = |tag| -> Vec<String> {
        header
            .strings(tag)
            .unwrap_or_default()
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    };
    Some(Record {
        name,
        version: full,
        files,
        depends: names(REQUIRENAME),
        provides: names(PROVIDENAME),
    })
}

struct Header<'a> {
    entries: &'a [u8],
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn new(blob: &'a [u8]) -> Option<Header<'a>> {
        let il = u32::from_be_bytes(blob.get(0..4)?.try_into().ok()?) as usize;
        let dl = u32::from_be_bytes(blob.get(4..8)?.try_into().ok()?) as usize;
        if il > MAX_ENTRIES || dl > MAX_DATA {
            return None;
        }
        let entries = blob.get(8..8 + il * 16)?;
        let data = blob.get(8 + il * 16..8 + il * 16 + dl)?;
        Some(Header { entries, data })
    }

    /// The (type, data from its offset, count) of `tag`.
    fn find(&self, tag: u32) -> Option<(u32, &'a [u8], usize)> {
        self.entries.chunks_exact(16).find_map(|e| {
            let field = |i: usize| u32::from_be_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
            (field(0) == tag).then(|| {
                let data = self.data.get(field(8) as usize..)?;
                Some((field(4), data, field(12) as usize))
            })?
        })
    }

    fn string(&self, tag: u32) -> Option<String> {
        let (kind, data, _) = self.find(tag)?;
        if !matches!(kind, STRING | I18NSTRING | STRING_ARRAY) {
            return None;
        }
        let end = data.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&data[..end]).into_owned())
    }

    fn strings(&self, tag: u32) -> Option<Vec<&'a [u8]>> {
        let (kind, mut data, count) = self.find(tag)?;
        if !matches!(kind, STRING_ARRAY | I18NSTRING | STRING) || count > data.len() {
            return None;
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let end = data.iter().position(|&b| b == 0)?;
            out.push(&data[..end]);
            data = &data[end + 1..];
        }
        Some(out)
    }

    fn int32s(&self, tag: u32) -> Option<Vec<u32>> {
        let (kind, data, count) = self.find(tag)?;
        if kind != INT32 {
            return None;
        }
        let bytes = data.get(..count.checked_mul(4)?)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}
