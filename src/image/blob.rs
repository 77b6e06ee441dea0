//! A layer blob as a stream: compression sniffed from the first bytes, decompressed, and hashed on
//! both sides (blob digest and diff_id) while it is read, so verification costs no second pass.

use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::digest::{Algorithm, Digest, Hasher};
use super::seek::{Recorder, Recording, SeekMap, SpanHasher};

/// Read buffers are large so that decompressors and the tar parser work in big chunks.
pub const READ_BUFFER: usize = 256 * 1024;

/// How a layer blob is compressed, as recognised from its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Recognises a compression format from the first bytes of a blob.
    pub fn sniff(head: &[u8]) -> Result<Compression, BlobError> {
        match head {
            [0x1f, 0x8b, ..] => Ok(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Ok(Compression::Zstd),
            [0xfd, b'7', b'z', b'X', b'Z', ..] => Err(BlobError::Unsupported("xz")),
            [b'B', b'Z', b'h', ..] => Err(BlobError::Unsupported("bzip2")),
            _ => Ok(Compression::None),
        }
    }
}

/// What the blob is expected to hash to. `None` means unknown, so not checked.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
}

/// What reading the whole blob established.
#[derive(Debug, Clone)]
pub struct BlobSummary {
    pub compression: Compression,
    /// The blob's digest; `None` when verification was off.
    pub digest: Option<Digest>,
    /// The uncompressed tar's digest; `None` when verification was off.
    pub diff_id: Option<Digest>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    /// What zstd recompression would give (`--estimate-zstd`); `None` when not asked for.
    pub zstd: Option<super::recompress::ZstdEstimate>,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("unsupported layer compression {0} (plummet reads gzip, zstd and plain tar)")]
    Unsupported(&'static str),
    #[error("blob digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error(
        "diff_id mismatch: the uncompressed layer hashes to {actual}, the config says {expected}"
    )]
    DiffIdMismatch { expected: Digest, actual: Digest },
}

/// Counts and hashes the raw (compressed) bytes as the decompressor consumes them.
struct Raw<R: Read> {
    inner: BufReader<Chain<Cursor<Vec<u8>>, R>>,
    hasher: Option<Hasher>,
    /// The SHA-256 of each span, when a seek map is being recorded.
    spans: Option<SpanHasher>,
    bytes: u64,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Raw<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.account(&buf[..n]);
        Ok(n)
    }
}

impl<R: Read> Raw<R> {
    fn account(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.hasher {
            h.update(data);
        }
        if let Some(s) = &mut self.spans {
            s.update(data);
        }
        self.bytes += data.len() as u64;
        if let Some(p) = &self.progress {
            p.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
    }
}

impl<R: Read> BufRead for Raw<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let buffered = self.inner.buffer();
        let amt = amt.min(buffered.len());
        // Hash exactly what the decoder consumed; the slice is copied out of the borrow first.
        if let Some(h) = &mut self.hasher {
            h.update(&buffered[..amt]);
        }
        if let Some(s) = &mut self.spans {
            s.update(&buffered[..amt]);
        }
        self.bytes += amt as u64;
        if let Some(p) = &self.progress {
            p.fetch_add(amt as u64, Ordering::Relaxed);
        }
        self.inner.consume(amt);
    }
}

enum Decoder<R: Read> {
    Plain(Box<Raw<R>>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<Raw<R>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, Raw<R>>>),
    /// Gzip read by the seek-map recorder.
    Recorded(Box<Recorder<Raw<R>>>),
}

/// A blob being read: yields the uncompressed tar stream.
pub struct Blob<R: Read> {
    decoder: Decoder<R>,
    compression: Compression,
    uncompressed: Option<Hasher>,
    uncompressed_bytes: u64,
    max_uncompressed: u64,
    /// Plain blob hashed once: the diff_id is also the blob digest.
    same_stream: bool,
    /// The blob digest comes from the span hasher (a map is recorded).
    chained: bool,
    expected: Expected,
}

/// Options for opening a blob.
#[derive(Debug, Clone)]
pub struct BlobOptions {
    /// Hash and compare against the expected digests.
    pub verify: bool,
    /// Stop with an error once this many uncompressed bytes came out (decompression bombs).
    pub max_uncompressed: u64,
    /// Incremented by the number of raw bytes read, for progress display.
    pub progress: Option<Arc<AtomicU64>>,
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
pub fn fill<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl<R: Read> Blob<R> {
    /// Sniffs the compression from the first bytes and sets up decompression and hashing.
    pub fn open(reader: R, expected: Expected, options: BlobOptions) -> Result<Self, BlobError> {
        Self::open_with(reader, expected, options, false)
    }

    /// As [`Blob::open`], also recording a seek map (gzip and plain blobs; see
    /// [`super::seek`]), which [`Blob::finish_recording`] returns once the blob is verified.
    pub fn open_recording(
        reader: R,
        expected: Expected,
        options: BlobOptions,
    ) -> Result<Self, BlobError> {
        Self::open_with(reader, expected, options, true)
    }

    fn open_with(
        mut reader: R,
        expected: Expected,
        options: BlobOptions,
        record: bool,
    ) -> Result<Self, BlobError> {
        let mut head = vec![0u8; 6];
        let filled = fill(&mut reader, &mut head)?;
        head.truncate(filled);
        let compression = Compression::sniff(&head)?;
        let hasher_for = |d: &Option<Digest>| {
            options
                .verify
                .then(|| Hasher::new(d.as_ref().map_or(Algorithm::Sha256, Digest::algorithm)))
        };
        // A plain blob is its own uncompressed stream: hash it once, on the uncompressed side.
        let algorithm_of =
            |d: &Option<Digest>| d.as_ref().map_or(Algorithm::Sha256, Digest::algorithm);
        let same_stream = compression == Compression::None
            && algorithm_of(&expected.digest) == algorithm_of(&expected.diff_id);
        // Recording a map of a SHA-256 blob: the span hasher computes the blob digest too, so
        // the spans cost no second pass over the bytes (see seek/chain.rs).
        let chained = record
            && options.verify
            && compression != Compression::Zstd
            && algorithm_of(&expected.digest) == Algorithm::Sha256;
        let raw = Raw {
            inner: BufReader::with_capacity(READ_BUFFER, Cursor::new(head).chain(reader)),
            hasher: if same_stream || chained {
                None
            } else {
                hasher_for(&expected.digest)
            },
            spans: chained.then(SpanHasher::default),
            bytes: 0,
            progress: options.progress,
        };
        let decoder = match compression {
            Compression::None => Decoder::Plain(Box::new(raw)),
            Compression::Gzip if record => Decoder::Recorded(Box::new(Recorder::new(raw))),
            Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(raw))),
            Compression::Zstd => {
                let mut z = zstd::stream::read::Decoder::with_buffer(raw)?;
                // Allow the largest windows zstd supports; layers are often compressed with --long.
                z.window_log_max(31)?;
                Decoder::Zstd(Box::new(z))
            }
        };
        Ok(Blob {
            decoder,
            compression,
            // A plain blob hashed once: by the span hasher when it runs.
            uncompressed: if same_stream && chained {
                None
            } else {
                hasher_for(&expected.diff_id)
            },
            chained,
            uncompressed_bytes: 0,
            max_uncompressed: options.max_uncompressed,
            same_stream,
            expected,
        })
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Reads whatever is left (bytes after the tar trailer still count towards the digests),
    /// then checks both digests.
    pub fn finish(self) -> Result<BlobSummary, BlobError> {
        self.finish_recording().map(|(summary, _)| summary)
    }

    /// As [`Blob::finish`], with the seek map when one was recorded and the blob verified
    /// against a known digest (a map is trusted only as far as the read that made it).
    pub fn finish_recording(mut self) -> Result<(BlobSummary, Option<SeekMap>), BlobError> {
        io::copy(&mut self, &mut io::sink())?;
        let mut recording = None;
        let mut raw = match self.decoder {
            Decoder::Plain(raw) => *raw,
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
            Decoder::Recorded(mut d) => {
                recording = Some(d.recording());
                d.into_inner()
            }
        };
        let (spans, chain_digest) = match raw.spans.take() {
            Some(hasher) => {
                let (spans, len, digest) = hasher.finish();
                (Some((spans, len)), Some(Digest::sha256_from_bytes(&digest)))
            }
            None => (None, None),
        };
        let diff_id = match self.uncompressed {
            Some(h) => Some(h.finish()),
            None if self.same_stream && self.chained => chain_digest.clone(),
            None => None,
        };
        let digest = if self.chained {
            chain_digest
        } else if self.same_stream {
            diff_id.clone()
        } else {
            raw.hasher.map(Hasher::finish)
        };
        if let (Some(expected), Some(actual)) = (&self.expected.digest, &digest) {
            if expected != actual {
                return Err(BlobError::DigestMismatch {
                    expected: expected.clone(),
                    actual: actual.clone(),
                });
            }
        }
        if let (Some(expected), Some(actual)) = (&self.expected.diff_id, &diff_id) {
            if expected != actual {
                return Err(BlobError::DiffIdMismatch {
                    expected: expected.clone(),
                    actual: actual.clone(),
                });
            }
        }
        let summary = BlobSummary {
            compression: self.compression,
            digest,
            diff_id,
            compressed_bytes: raw.bytes,
            uncompressed_bytes: self.uncompressed_bytes,
            zstd: None,
        };
        let verified = summary.digest.is_some()
            && (self.expected.digest.is_some() || self.expected.diff_id.is_some());
        let map = match (spans, recording) {
            (Some(spans), recording) if verified => seek_map(&summary, spans, recording),
            _ => None,
        };
        Ok((summary, map))
    }
}

impl<R: Read> Read for Blob<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = match &mut self.decoder {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Recorded(d) => d.read(buf),
        };
        let n = result.map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof || self.compression == Compression::None {
                e
            } else {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("corrupt {} stream: {e}", self.compression.name()),
                )
            }
        })?;
        if let Some(h) = &mut self.uncompressed {
            h.update(&buf[..n]);
        }
        self.uncompressed_bytes += n as u64;
        if self.uncompressed_bytes > self.max_uncompressed {
            return Err(io::Error::other(format!(
                "layer expands past the limit of {} uncompressed bytes (--max-layer-bytes)",
                self.max_uncompressed
            )));
        }
        Ok(n)
    }
}

/// The seek map of a verified blob from what its read recorded; `None` when the recording is
/// of no use (a gzip blob of several members).
fn seek_map(
    summary: &BlobSummary,
    (spans, compressed_len): (Vec<[u8; 32]>, u64),
    recording: Option<Recording>,
) -> Option<SeekMap> {
    let checkpoints = match (summary.compression, recording) {
        (Compression::None, None) => Vec::new(),
        (Compression::Gzip, Some(r)) if r.usable => r.checkpoints,
        _ => return None,
    };
    Some(SeekMap {
        compression: summary.compression,
        compressed_len,
        uncompressed_len: summary.uncompressed_bytes,
        spans,
        checkpoints,
        members: Vec::new(),
    })
}
