//! The on-disk form of one cached layer index: a header naming what it is the index of, four
//! length-prefixed sections (names, entries, fingerprints, captured files) and an XXH3 checksum
//! of everything before it. Little-endian throughout.
//!
//! ```text
//! magic "PLMTIDX\0" | format u32 | flags u32 | capture id u16+bytes | digest u16+bytes
//! | diff_id u16+bytes | compression u8 | compressed u64 | uncompressed u64
//! | names u64+bytes | entries u64+(37 B each) | fingerprints u64+(8 B each)
//! | captures u64+(entry u32, len u32, bytes)... | xxh3-64 u64
//! ```
//!
//! A cache file is input like any other: the decoder checks every length against what is left
//! of the file before it allocates, every span against the name buffer, and the checksum before
//! it returns anything.

use std::io::{self, Read, Write};

use xxhash_rust::xxh3::Xxh3Default;

use crate::image::Digest;
use crate::image::blob::{BlobSummary, Compression};
use crate::image::index::IndexedLayer;
use crate::layer::{Capture, EntryKind, Fingerprint, LayerIndex, RawEntry, Span};

const MAGIC: &[u8; 8] = b"PLMTIDX\0";
/// The version of this format and of what the indexer puts in an index: bump it when either
/// changes, and every older entry is a miss.
pub const FORMAT: u32 = 1;
const FLAG_FINGERPRINTS: u32 = 1;
const ENTRY_BYTES: u64 = 37;

/// What an index was made with: a load reuses an entry only with the same profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub capture: String,
    pub fingerprints: bool,
}

/// A decoded entry.
#[derive(Debug)]
pub struct Decoded {
    pub profile: Profile,
    pub layer: IndexedLayer,
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a plummet layer-index cache entry")]
    Magic,
    #[error("written by another index format ({0}, this plummet reads {FORMAT})")]
    Version(u32),
    #[error("truncated: {0} is cut short")]
    Truncated(&'static str),
    #[error("corrupt: {0}")]
    Corrupt(&'static str),
    #[error("checksum mismatch")]
    Checksum,
}

/// Writes `layer` made with `profile`. The caller writes to a temporary file and renames it.
pub fn encode(layer: &IndexedLayer, profile: &Profile, out: impl Write) -> io::Result<()> {
    let mut w = Hashing {
        inner: out,
        state: Xxh3Default::new(),
    };
    let index = &layer.index;
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT.to_le_bytes())?;
    let flags = if profile.fingerprints {
        FLAG_FINGERPRINTS
    } else {
        0
    };
    w.write_all(&flags.to_le_bytes())?;
    short(&mut w, profile.capture.as_bytes())?;
    let text = |d: &Option<Digest>| d.as_ref().map(Digest::to_string).unwrap_or_default();
    short(&mut w, text(&layer.blob.digest).as_bytes())?;
    short(&mut w, text(&layer.blob.diff_id).as_bytes())?;
    w.write_all(&[compression_code(layer.blob.compression)])?;
    w.write_all(&layer.blob.compressed_bytes.to_le_bytes())?;
    w.write_all(&layer.blob.uncompressed_bytes.to_le_bytes())?;

    long(&mut w, index.names().len())?;
    w.write_all(index.names())?;
    long(&mut w, index.entries().len())?;
    for e in index.entries() {
        let mut b = [0u8; ENTRY_BYTES as usize];
        b[0..4].copy_from_slice(&e.path.offset.to_le_bytes());
        b[4..8].copy_from_slice(&e.path.len.to_le_bytes());
        b[8..12].copy_from_slice(&e.link.offset.to_le_bytes());
        b[12..16].copy_from_slice(&e.link.len.to_le_bytes());
        b[16..24].copy_from_slice(&e.size.to_le_bytes());
        b[24..28].copy_from_slice(&e.mode.to_le_bytes());
        b[28..32].copy_from_slice(&e.uid.to_le_bytes());
        b[32..36].copy_from_slice(&e.gid.to_le_bytes());
        b[36] = kind_code(e.kind);
        w.write_all(&b)?;
    }
    long(&mut w, index.fingerprints().len())?;
    for f in index.fingerprints() {
        w.write_all(&f.map_or(0, Fingerprint::get).to_le_bytes())?;
    }
    long(&mut w, index.captures().len())?;
    for c in index.captures() {
        w.write_all(&c.entry.to_le_bytes())?;
        let len = u32::try_from(c.content.len()).map_err(io::Error::other)?;
        w.write_all(&len.to_le_bytes())?;
        w.write_all(&c.content)?;
    }
    let sum = w.state.digest();
    w.inner.write_all(&sum.to_le_bytes())?;
    w.inner.flush()
}

fn short(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let len = u16::try_from(bytes.len()).map_err(io::Error::other)?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(bytes)
}

fn long(w: &mut impl Write, count: usize) -> io::Result<()> {
    w.write_all(&(count as u64).to_le_bytes())
}

/// Reads an entry of `file_len` bytes from `reader`, streaming: nothing is returned unless the
/// whole entry is there, consistent and matches its checksum.
pub fn decode(reader: impl Read, file_len: u64) -> Result<Decoded, DecodeError> {
    let mut r = Reader {
        inner: reader,
        state: Xxh3Default::new(),
        left: file_len,
    };
    let mut magic = [0u8; 8];
    r.fill(&mut magic, "the header").map_err(|e| match e {
        DecodeError::Truncated(_) => DecodeError::Magic,
        e => e,
    })?;
    if &magic != MAGIC {
        return Err(DecodeError::Magic);
    }
    let version = r.u32("the header")?;
    if version != FORMAT {
        return Err(DecodeError::Version(version));
    }
    let flags = r.u32("the header")?;
    let capture = r.short_text("the header")?;
    let digest = r.digest()?;
    let diff_id = r.digest()?;
    let compression = match r.u8("the header")? {
        0 => Compression::None,
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => return Err(DecodeError::Corrupt("unknown compression")),
    };
    let compressed_bytes = r.u64("the header")?;
    let uncompressed_bytes = r.u64("the header")?;

    let names_len = r.count(1, "the names")?;
    let names = r.bytes(names_len, "the names")?;
    let count = r.count(ENTRY_BYTES, "the entries")?;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        entries.push(r.entry()?);
    }
    let fingerprint_count = r.count(8, "the fingerprints")?;
    let mut fingerprints = Vec::with_capacity(fingerprint_count);
    for _ in 0..fingerprint_count {
        fingerprints.push(Fingerprint::from_stored(r.u64("the fingerprints")?));
    }
    let capture_count = r.count(8, "the captured files")?;
    let mut captures = Vec::with_capacity(capture_count);
    for _ in 0..capture_count {
        let entry = r.u32("the captured files")?;
        let len = r.u32("the captured files")? as usize;
        let content = r.bytes(len, "the captured files")?;
        captures.push(Capture { entry, content });
    }
    let sum = r.state.digest();
    let mut stored = [0u8; 8];
    r.fill_unhashed(&mut stored)?;
    if u64::from_le_bytes(stored) != sum {
        return Err(DecodeError::Checksum);
    }
    if r.left != 0 {
        return Err(DecodeError::Corrupt("bytes after the checksum"));
    }
    let index = LayerIndex::from_parts(names, entries, captures, fingerprints)
        .map_err(DecodeError::Corrupt)?;
    Ok(Decoded {
        profile: Profile {
            capture,
            fingerprints: flags & FLAG_FINGERPRINTS != 0,
        },
        layer: IndexedLayer {
            index,
            blob: BlobSummary {
                compression,
                digest,
                diff_id,
                compressed_bytes,
                uncompressed_bytes,
                zstd: None,
            },
        },
    })
}

fn compression_code(c: Compression) -> u8 {
    match c {
        Compression::None => 0,
        Compression::Gzip => 1,
        Compression::Zstd => 2,
    }
}

const KINDS: [EntryKind; 9] = [
    EntryKind::File,
    EntryKind::Dir,
    EntryKind::Symlink,
    EntryKind::Hardlink,
    EntryKind::CharDevice,
    EntryKind::BlockDevice,
    EntryKind::Fifo,
    EntryKind::Whiteout,
    EntryKind::Opaque,
];

fn kind_code(kind: EntryKind) -> u8 {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

struct Hashing<W> {
    inner: W,
    state: Xxh3Default,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.state.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads the entry, hashing what it reads and counting what is left of the file.
struct Reader<R> {
    inner: R,
    state: Xxh3Default,
    left: u64,
}

impl<R: Read> Reader<R> {
    fn fill_unhashed(&mut self, buf: &mut [u8]) -> Result<(), DecodeError> {
        if (buf.len() as u64) > self.left {
            return Err(DecodeError::Truncated("the checksum"));
        }
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => DecodeError::Truncated("the checksum"),
            _ => DecodeError::Io(e),
        })?;
        self.left -= buf.len() as u64;
        Ok(())
    }

    fn fill(&mut self, buf: &mut [u8], what: &'static str) -> Result<(), DecodeError> {
        // The checksum's 8 bytes must still follow.
        if (buf.len() as u64).saturating_add(8) > self.left {
            return Err(DecodeError::Truncated(what));
        }
        self.inner.read_exact(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => DecodeError::Truncated(what),
            _ => DecodeError::Io(e),
        })?;
        self.left -= buf.len() as u64;
        self.state.update(buf);
        Ok(())
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let mut b = [0u8; 1];
        self.fill(&mut b, what)?;
        Ok(b[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let mut b = [0u8; 4];
        self.fill(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let mut b = [0u8; 8];
        self.fill(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }

    /// A count of items of `item_bytes` each, refused when they could not fit in what is left.
    fn count(&mut self, item_bytes: u64, what: &'static str) -> Result<usize, DecodeError> {
        let n = self.u64(what)?;
        match n.checked_mul(item_bytes) {
            Some(total) if total.saturating_add(8) <= self.left => {
                usize::try_from(n).map_err(|_| DecodeError::Truncated(what))
            }
            _ => Err(DecodeError::Truncated(what)),
        }
    }

    fn bytes(&mut self, len: usize, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        if (len as u64).saturating_add(8) > self.left {
            return Err(DecodeError::Truncated(what));
        }
        let mut v = vec![0u8; len];
        self.fill(&mut v, what)?;
        Ok(v)
    }

    fn short_text(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let len = {
            let mut b = [0u8; 2];
            self.fill(&mut b, what)?;
            u16::from_le_bytes(b) as usize
        };
        String::from_utf8(self.bytes(len, what)?)
            .map_err(|_| DecodeError::Corrupt("a header string is not UTF-8"))
    }

    fn digest(&mut self) -> Result<Option<Digest>, DecodeError> {
        let text = self.short_text("the header")?;
        if text.is_empty() {
            return Ok(None);
        }
        Digest::parse(&text)
            .map(Some)
            .map_err(|_| DecodeError::Corrupt("a malformed digest"))
    }

    fn entry(&mut self) -> Result<RawEntry, DecodeError> {
        let mut b = [0u8; ENTRY_BYTES as usize];
        self.fill(&mut b, "the entries")?;
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut size = [0u8; 8];
        size.copy_from_slice(&b[16..24]);
        let kind = *KINDS
            .get(b[36] as usize)
            .ok_or(DecodeError::Corrupt("an unknown entry kind"))?;
        Ok(RawEntry {
            path: Span {
                offset: u32_at(0),
                len: u32_at(4),
            },
            link: Span {
                offset: u32_at(8),
                len: u32_at(12),
            },
            size: u64::from_le_bytes(size),
            mode: u32_at(24),
            uid: u32_at(28),
            gid: u32_at(32),
            kind,
        })
    }
}
