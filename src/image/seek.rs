//! Random access into a layer blob: a seek map, recorded while the blob is read in full and
//! verified once, lets a later read start near a tar member instead of at the blob's first byte.
//!
//! A map holds (see docs/files.md):
//! - for every span of [`SPAN`] compressed bytes, the blob's SHA-256 chaining state after it (the
//!   digest itself for the last; see [`chain`]), so that a read that no longer covers the whole
//!   blob still checks every byte it uses before anything comes out of it;
//! - for gzip blobs, inflate checkpoints about every [`INTERVAL`] uncompressed bytes (zran-style:
//!   the bit where a deflate block starts and the 32 KiB of output before it), so a read inflates
//!   at most one interval before the member;
//! - where each regular file's tar header starts in the uncompressed stream, by a hash of its
//!   cleaned path and its occurrence in the layer.
//!
//! Resuming needs no decompressor state: deflate blocks only refer back to the last 32 KiB of
//! output, so a raw inflater given that window (as a stored block in front) and the compressed
//! bits from the block's start (shifted to a byte boundary) goes on exactly as the full read did.

mod chain;
pub mod format;
mod members;
mod record;
mod resume;
mod verify;

use std::io::{self, Read};

pub use self::chain::SpanHasher;
pub use self::members::Members;
pub use self::record::{Recorder, Recording};
pub use self::resume::Resume;
pub use self::verify::Verified;
use super::blob::Compression;

/// Compressed bytes per verified span.
pub const SPAN: u64 = 1 << 20;
/// Uncompressed bytes between two inflate checkpoints.
pub const INTERVAL: u64 = 4 << 20;
/// Most checkpoints one map holds (memory: 32 KiB each); past it the interval doubles.
pub const MAX_CHECKPOINTS: usize = 512;
/// Deflate's window: what a resumed inflater needs of the output before its first block.
pub const WINDOW: usize = 32 * 1024;

/// Where a deflate block starts, and the output before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Bit offset in the blob (8 × byte + bit within the byte, least significant bit first).
    pub bit: u64,
    /// Uncompressed bytes before it.
    pub out: u64,
    /// The last (up to) 32 KiB of that output.
    pub window: Vec<u8>,
}

/// Where a tar member's headers start in the uncompressed stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MemberAt {
    /// XXH3-64 of the cleaned path (as [`crate::layer::clean_path`] gives it).
    pub hash: u64,
    /// How many members of that path come before it in the layer.
    pub occurrence: u32,
    /// Offset of its first header block (extension headers included).
    pub start: u64,
}

/// What one verified read of a blob recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekMap {
    pub compression: Compression,
    pub compressed_len: u64,
    pub uncompressed_len: u64,
    /// The blob's SHA-256 chaining state after each [`SPAN`] of it; for the last (shorter)
    /// span, the blob's SHA-256.
    pub spans: Vec<[u8; 32]>,
    /// Sorted by position; empty for a plain blob.
    pub checkpoints: Vec<Checkpoint>,
    /// Sorted by (hash, occurrence).
    pub members: Vec<MemberAt>,
}

/// The hash members are looked up by.
pub fn path_hash(cleaned: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(cleaned)
}

impl SeekMap {
    /// Where the `occurrence`-th member named `cleaned` starts, when the map knows it.
    pub fn member(&self, cleaned: &[u8], occurrence: u32) -> Option<u64> {
        let key = (path_hash(cleaned), occurrence);
        self.members
            .binary_search_by(|m| (m.hash, m.occurrence).cmp(&key))
            .ok()
            .and_then(|i| self.members.get(i))
            .map(|m| m.start)
    }

    /// The uncompressed stream from offset `start` (or a little before it: the returned offset),
    /// given a way to read the compressed blob from a byte offset. Every compressed byte used is
    /// checked against its span's SHA-256 before anything is inflated from it.
    pub fn open_at<'a>(
        &'a self,
        start: u64,
        open: impl FnOnce(u64) -> io::Result<Box<dyn Read + Send>>,
    ) -> io::Result<(u64, Box<dyn Read + Send + 'a>)> {
        match self.compression {
            Compression::None => {
                let from = start.min(self.compressed_len);
                let verified = Verified::new(self, from, open)?;
                Ok((from, Box::new(verified)))
            }
            Compression::Gzip => {
                let checkpoint = self
                    .checkpoints
                    .iter()
                    .take_while(|c| c.out <= start)
                    .last();
                match checkpoint {
                    Some(c) => {
                        let verified = Verified::new(self, c.bit / 8, open)?;
                        let resumed = Resume::new(verified, (c.bit % 8) as u32, &c.window)?;
                        Ok((c.out, Box::new(resumed)))
                    }
                    None => {
                        let verified = Verified::new(self, 0, open)?;
                        Ok((0, Box::new(Resume::gzip(verified))))
                    }
                }
            }
            Compression::Zstd => Err(io::Error::other("no seek map for zstd blobs")),
        }
    }
}

/// Reads and drops `n` bytes.
pub fn skip(reader: &mut dyn Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut reader.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the blob ends before the member",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
