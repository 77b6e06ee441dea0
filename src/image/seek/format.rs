//! The on-disk form of a seek map, kept in the layer-index cache directory beside the layer's
//! index. Little-endian throughout:
//!
//! ```text
//! magic "PLMSEEK\0" | format u32 | compression u8 | compressed u64 | uncompressed u64
//! | spans u64+(32 B each) | checkpoints u64+(bit u64, out u64, window u32+bytes)...
//! | members u64+(hash u64, occurrence u32, start u64)... | xxh3-64 u64
//! ```
//!
//! A cache file is input like any other: the checksum is checked before anything is parsed,
//! every count against what is left of the file before it allocates, and every offset against
//! the blob's sizes; checkpoints and members must be in order. A file that fails any of it is
//! discarded and the map recorded again.

use std::io::Write;

use super::{Checkpoint, MemberAt, SPAN, SeekMap, WINDOW};
use crate::image::blob::Compression;

const MAGIC: &[u8; 8] = b"PLMSEEK\0";
/// Bump when the format or what a map means changes: older files are then misses.
pub const FORMAT: u32 = 2;
/// Largest seek map read (a 64 GiB layer's map is well under it).
pub const MAX_FILE: u64 = 256 << 20;

/// Why a seek map file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a plummet seek map")]
    Magic,
    #[error("written by another seek map format ({0}, this plummet reads {FORMAT})")]
    Version(u32),
    #[error("checksum mismatch")]
    Checksum,
    #[error("truncated: {0} is cut short")]
    Truncated(&'static str),
    #[error("corrupt: {0}")]
    Corrupt(&'static str),
}

pub fn encode(map: &SeekMap, out: &mut dyn Write) -> std::io::Result<()> {
    let mut b = Vec::with_capacity(64 + map.spans.len() * 32 + map.checkpoints.len() * WINDOW);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&FORMAT.to_le_bytes());
    b.push(match map.compression {
        Compression::None => 0,
        Compression::Gzip => 1,
        Compression::Zstd => 2,
    });
    b.extend_from_slice(&map.compressed_len.to_le_bytes());
    b.extend_from_slice(&map.uncompressed_len.to_le_bytes());
    b.extend_from_slice(&(map.spans.len() as u64).to_le_bytes());
    for s in &map.spans {
        b.extend_from_slice(s);
    }
    b.extend_from_slice(&(map.checkpoints.len() as u64).to_le_bytes());
    for c in &map.checkpoints {
        b.extend_from_slice(&c.bit.to_le_bytes());
        b.extend_from_slice(&c.out.to_le_bytes());
        b.extend_from_slice(&(c.window.len() as u32).to_le_bytes());
        b.extend_from_slice(&c.window);
    }
    b.extend_from_slice(&(map.members.len() as u64).to_le_bytes());
    for m in &map.members {
        b.extend_from_slice(&m.hash.to_le_bytes());
        b.extend_from_slice(&m.occurrence.to_le_bytes());
        b.extend_from_slice(&m.start.to_le_bytes());
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&b);
    b.extend_from_slice(&sum.to_le_bytes());
    out.write_all(&b)
}

/// A cursor that never reads past the end.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.bytes.len() {
            return Err(DecodeError::Truncated(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes(
            b.try_into().map_err(|_| DecodeError::Truncated(what))?,
        ))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(
            b.try_into().map_err(|_| DecodeError::Truncated(what))?,
        ))
    }

    /// A count of items of `size` bytes each, checked against what is left.
    fn count(&mut self, size: usize, what: &'static str) -> Result<usize, DecodeError> {
        let n = self.u64(what)?;
        match usize::try_from(n) {
            Ok(n) if n.checked_mul(size).is_some_and(|b| b <= self.bytes.len()) => Ok(n),
            _ => Err(DecodeError::Truncated(what)),
        }
    }
}

pub fn decode(file: &[u8]) -> Result<SeekMap, DecodeError> {
    if file.len() < MAGIC.len() || &file[..MAGIC.len()] != MAGIC {
        return Err(DecodeError::Magic);
    }
    let Some(body_len) = file.len().checked_sub(8) else {
        return Err(DecodeError::Truncated("the checksum"));
    };
    let (body, sum) = file.split_at(body_len);
    let mut c = Cursor { bytes: body };
    c.take(MAGIC.len(), "the magic")?;
    let version = c.u32("the format")?;
    if version != FORMAT {
        return Err(DecodeError::Version(version));
    }
    if sum != xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() {
        return Err(DecodeError::Checksum);
    }
    let compression = match c.take(1, "the compression")?[0] {
        0 => Compression::None,
        1 => Compression::Gzip,
        _ => return Err(DecodeError::Corrupt("unknown compression")),
    };
    let compressed_len = c.u64("the compressed size")?;
    let uncompressed_len = c.u64("the uncompressed size")?;
    if compression == Compression::None && compressed_len != uncompressed_len {
        return Err(DecodeError::Corrupt("a plain blob of two sizes"));
    }
    let spans_n = c.count(32, "the spans")?;
    if spans_n as u64 != compressed_len.div_ceil(SPAN) {
        return Err(DecodeError::Corrupt("the spans do not cover the blob"));
    }
    let mut spans = Vec::with_capacity(spans_n);
    for _ in 0..spans_n {
        let s = c.take(32, "the spans")?;
        spans.push(
            s.try_into()
                .map_err(|_| DecodeError::Truncated("the spans"))?,
        );
    }
    let checkpoints_n = c.count(20, "the checkpoints")?;
    let mut checkpoints: Vec<Checkpoint> = Vec::with_capacity(checkpoints_n);
    for _ in 0..checkpoints_n {
        let bit = c.u64("a checkpoint")?;
        let out = c.u64("a checkpoint")?;
        let len = c.u32("a checkpoint")? as usize;
        if len > WINDOW || len == 0 {
            return Err(DecodeError::Corrupt(
                "a checkpoint's window is not 1 to 32 KiB",
            ));
        }
        let window = c.take(len, "a checkpoint's window")?.to_vec();
        let ordered = checkpoints
            .last()
            .is_none_or(|p| p.bit < bit && p.out < out);
        if !ordered || bit / 8 >= compressed_len || out >= uncompressed_len {
            return Err(DecodeError::Corrupt(
                "a checkpoint lies outside the blob or out of order",
            ));
        }
        if compression != Compression::Gzip {
            return Err(DecodeError::Corrupt(
                "a checkpoint in a blob that is not gzip",
            ));
        }
        checkpoints.push(Checkpoint { bit, out, window });
    }
    let members_n = c.count(20, "the members")?;
    let mut members: Vec<MemberAt> = Vec::with_capacity(members_n);
    for _ in 0..members_n {
        let hash = c.u64("a member")?;
        let occurrence = c.u32("a member")?;
        let start = c.u64("a member")?;
        let member = MemberAt {
            hash,
            occurrence,
            start,
        };
        if members
            .last()
            .is_some_and(|p| (p.hash, p.occurrence) >= (hash, occurrence))
        {
            return Err(DecodeError::Corrupt("the members are out of order"));
        }
        if start >= uncompressed_len {
            return Err(DecodeError::Corrupt("a member lies outside the layer"));
        }
        members.push(member);
    }
    if !c.bytes.is_empty() {
        return Err(DecodeError::Corrupt("bytes after the members"));
    }
    Ok(SeekMap {
        compression,
        compressed_len,
        uncompressed_len,
        spans,
        checkpoints,
        members,
    })
}
