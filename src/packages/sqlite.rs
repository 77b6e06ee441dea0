//! A read-only reader of one table of an SQLite database held in memory, with its write-ahead
//! log applied: just enough of the file format (sqlite.org/fileformat2.html) to read rpm's
//! `Packages(hnum, blob)`. The bytes are hostile: every offset is checked, every page chain is
//! bounded by the page count, and a malformed file is an error, never a panic.

use std::collections::HashMap;

/// Why a database could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub &'static str);

type Result<T> = std::result::Result<T, Malformed>;

/// One database: the main file and the committed frames of its `-wal` file.
pub struct Database<'a> {
    file: &'a [u8],
    page_size: usize,
    usable: usize,
    pages: u32,
    /// Page number -> the newest committed WAL frame's page content.
    wal: HashMap<u32, &'a [u8]>,
    /// How many payload bytes may still be read: pages can be shared by hostile cells, so
    /// this bounds the work by the input's size.
    budget: std::cell::Cell<usize>,
}

fn be16(b: &[u8], at: usize) -> Result<usize> {
    b.get(at..at + 2)
        .map(|s| usize::from(u16::from_be_bytes([s[0], s[1]])))
        .ok_or(Malformed("truncated page"))
}

fn be32(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(Malformed("truncated page"))
}

/// An SQLite varint at `at`: its value and length.
fn varint(b: &[u8], at: usize) -> Result<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let byte = *b.get(at + i).ok_or(Malformed("truncated varint"))?;
        if i == 8 {
            return Ok(((v << 8) | u64::from(byte), 9));
        }
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Err(Malformed("bad varint"))
}

impl<'a> Database<'a> {
    pub fn open(file: &'a [u8], wal: Option<&'a [u8]>) -> Result<Database<'a>> {
        if file.get(..16) != Some(b"SQLite format 3\0") {
            return Err(Malformed("not an SQLite 3 database"));
        }
        let page_size = match be16(file, 16)? {
            1 => 65536,
            n if n >= 512 && n.is_power_of_two() => n,
            _ => return Err(Malformed("bad page size")),
        };
        let reserved = usize::from(*file.get(20).ok_or(Malformed("truncated header"))?);
        let usable = page_size
            .checked_sub(reserved)
            .filter(|&u| u >= 480)
            .ok_or(Malformed("bad reserved space"))?;
        let mut db = Database {
            file,
            page_size,
            usable,
            pages: u32::try_from(file.len() / page_size).unwrap_or(u32::MAX),
            wal: HashMap::new(),
            budget: std::cell::Cell::new(2 * (file.len() + wal.map_or(0, <[u8]>::len)) + (1 << 20)),
        };
        if let Some(wal) = wal.filter(|w| !w.is_empty()) {
            db.apply_wal(wal)?;
        }
        Ok(db)
    }

    /// Reads the committed frames of a WAL: those whose salts match the header's and whose
    /// cumulative checksums hold, up to the last commit frame.
    fn apply_wal(&mut self, wal: &'a [u8]) -> Result<()> {
        let magic = be32(wal, 0)?;
        let big_endian = match magic {
            0x377f_0682 => false,
            0x377f_0683 => true,
            _ => return Err(Malformed("not an SQLite WAL file")),
        };
        if be32(wal, 8)? as usize != self.page_size {
            return Err(Malformed("WAL page size differs from the database's"));
        }
        let salts = wal.get(16..24).ok_or(Malformed("truncated WAL header"))?;
        let mut sum = checksum(big_endian, (0, 0), &wal[..24]);
        if (be32(wal, 24)?, be32(wal, 28)?) != sum {
            // A WAL whose header does not check out holds nothing committed.
            return Ok(());
        }
        let frame_len = 24 + self.page_size;
        let mut pending: Vec<(u32, &'a [u8])> = Vec::new();
        let mut at = 32;
        while let Some(frame) = wal.get(at..at + frame_len) {
            if &frame[8..16] != salts {
                break;
            }
            sum = checksum(big_endian, sum, &frame[..8]);
            sum = checksum(big_endian, sum, &frame[24..]);
            if (be32(frame, 16)?, be32(frame, 20)?) != sum {
                break;
            }
            let page = be32(frame, 0)?;
            pending.push((page, &frame[24..]));
            let db_pages = be32(frame, 4)?;
            if db_pages != 0 {
                for (page, data) in pending.drain(..) {
                    self.wal.insert(page, data);
                }
                self.pages = db_pages;
            }
            at += frame_len;
        }
        Ok(())
    }

    /// Page `n` (1-based) as of the last commit.
    fn page(&self, n: u32) -> Result<&'a [u8]> {
        if n == 0 || n > self.pages {
            return Err(Malformed("page number out of range"));
        }
        if let Some(p) = self.wal.get(&n) {
            return Ok(p);
        }
        let start = (n as usize - 1) * self.page_size;
        self.file
            .get(start..start + self.page_size)
            .ok_or(Malformed("page beyond the end of the file"))
    }

    /// The rows of table `name`: `(rowid, columns)`, each column's raw value.
    pub fn table(&self, name: &str) -> Result<Vec<(i64, Vec<Value>)>> {
        let mut root = None;
        for (_, row) in self.rows(1)? {
            if let [Value::Text(kind), Value::Text(n), _, Value::Int(page), ..] = row.as_slice() {
                if kind == b"table" && n == name.as_bytes() {
                    root = u32::try_from(*page).ok();
                }
            }
        }
        let root = root.ok_or(Malformed("no such table"))?;
        self.rows(root)
    }

    /// The number of pages that exist: the file's and the WAL's.
    fn existing(&self) -> u32 {
        let file = self.file.len() / self.page_size + self.wal.len();
        u32::try_from(file).unwrap_or(u32::MAX)
    }

    /// Every row of the table b-tree rooted at `root`, walked without recursion; a page seen
    /// twice (a cycle, or a page shared by two parents) is an error.
    fn rows(&self, root: u32) -> Result<Vec<(i64, Vec<Value>)>> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        let mut visited = std::collections::HashSet::new();
        while let Some(n) = stack.pop() {
            if !visited.insert(n) {
                return Err(Malformed("b-tree page reached twice"));
            }
            let page = self.page(n)?;
            let header = if n == 1 { 100 } else { 0 };
            let kind = *page.get(header).ok_or(Malformed("truncated page"))?;
            let cells = be16(page, header + 3)?;
            let pointers = header + if kind == 0x05 { 12 } else { 8 };
            match kind {
                0x05 => {
                    stack.push(be32(page, header + 8)?);
                    for c in (0..cells).rev() {
                        let cell = be16(page, pointers + 2 * c)?;
                        stack.push(be32(page, cell)?);
                    }
                }
                0x0d => {
                    for c in 0..cells {
                        let cell = be16(page, pointers + 2 * c)?;
                        out.push(self.leaf_cell(page, cell)?);
                    }
                }
                _ => return Err(Malformed("not a table b-tree page")),
            }
        }
        Ok(out)
    }

    fn leaf_cell(&self, page: &'a [u8], at: usize) -> Result<(i64, Vec<Value>)> {
        let (size, a) = varint(page, at)?;
        let (rowid, b) = varint(page, at + a)?;
        let start = at + a + b;
        let payload = self.payload(page, start, size)?;
        Ok((rowid as i64, record(&payload)?))
    }

    /// A cell's payload: its local part, then its overflow pages.
    fn payload(&self, page: &[u8], start: usize, size: u64) -> Result<Vec<u8>> {
        let size = usize::try_from(size).map_err(|_| Malformed("payload too large"))?;
        let left = self
            .budget
            .get()
            .checked_sub(size)
            .ok_or(Malformed("payloads larger than the database"))?;
        self.budget.set(left);
        let u = self.usable;
        let x = u - 35;
        let local = if size <= x {
            size
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + ((size - m) % (u - 4));
            if k <= x { k } else { m }
        };
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(
            page.get(start..start + local)
                .ok_or(Malformed("cell beyond its page"))?,
        );
        if local < size {
            let mut next = be32(page, start + local)?;
            let mut hops = 0u32;
            while out.len() < size {
                hops += 1;
                if next == 0 || hops > self.existing() {
                    return Err(Malformed("broken overflow chain"));
                }
                let p = self.page(next)?;
                next = be32(p, 0)?;
                let take = (size - out.len()).min(u - 4);
                out.extend_from_slice(p.get(4..4 + take).ok_or(Malformed("truncated page"))?);
            }
        }
        Ok(out)
    }
}

/// The WAL's cumulative checksum over `data` (a multiple of 8 bytes).
fn checksum(big_endian: bool, (mut s0, mut s1): (u32, u32), data: &[u8]) -> (u32, u32) {
    let word = |c: &[u8]| {
        let b = [c[0], c[1], c[2], c[3]];
        if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    for pair in data.chunks_exact(8) {
        s0 = s0.wrapping_add(word(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(word(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

/// One column value of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    /// Floats are not needed here: kept as their raw bits.
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

/// Decodes a record: a header of serial types, then the values.
fn record(p: &[u8]) -> Result<Vec<Value>> {
    let (header_len, mut h) = varint(p, 0)?;
    let header_len = usize::try_from(header_len).map_err(|_| Malformed("bad record header"))?;
    if header_len > p.len() {
        return Err(Malformed("bad record header"));
    }
    let mut body = header_len;
    let mut out = Vec::new();
    while h < header_len {
        let (t, n) = varint(p, h)?;
        h += n;
        let int = |len: usize, body: usize| -> Result<i64> {
            let b = p
                .get(body..body + len)
                .ok_or(Malformed("truncated record"))?;
            let mut v: i64 = if b.first().is_some_and(|&x| x & 0x80 != 0) {
                -1
            } else {
                0
            };
            for &x in b {
                v = (v << 8) | i64::from(x);
            }
            Ok(v)
        };
        let (value, len) = match t {
            0 => (Value::Null, 0),
            1..=4 => (Value::Int(int(t as usize, body)?), t as usize),
            5 => (Value::Int(int(6, body)?), 6),
            6 => (Value::Int(int(8, body)?), 8),
            7 => (Value::Real(int(8, body)? as u64), 8),
            8 => (Value::Int(0), 0),
            9 => (Value::Int(1), 0),
            t if t >= 12 => {
                let len = usize::try_from((t - 12) / 2).map_err(|_| Malformed("bad length"))?;
                let bytes = p
                    .get(body..body.saturating_add(len))
                    .ok_or(Malformed("truncated record"))?
                    .to_vec();
                if t % 2 == 0 {
                    (Value::Blob(bytes), len)
                } else {
                    (Value::Text(bytes), len)
                }
            }
            _ => return Err(Malformed("reserved serial type")),
        };
        body += len;
        out.push(value);
    }
    Ok(out)
}
