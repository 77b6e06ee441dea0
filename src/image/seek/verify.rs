//! The compressed blob from a byte offset, one whole span at a time: each span is read in full
//! and checked against the SHA-256 chaining states the verified read recorded (see
//! [`super::chain`]) before any of its bytes is handed on, so a blob that changed is an error and never inflated into output.

use std::io::{self, Read};

use super::{SPAN, SeekMap};

pub struct Verified<'a> {
    inner: Box<dyn Read + Send>,
    map: &'a SeekMap,
    /// The next span to load.
    next: usize,
    buf: Vec<u8>,
    pos: usize,
}

impl<'a> Verified<'a> {
    /// Reads from byte `from` of the blob; `open(offset)` gives the blob from `offset` on,
    /// called with the start of `from`'s span.
    pub fn new(
        map: &'a SeekMap,
        from: u64,
        open: impl FnOnce(u64) -> io::Result<Box<dyn Read + Send>>,
    ) -> io::Result<Self> {
        let first = from / SPAN;
        let inner = open(first * SPAN)?;
        let mut verified = Verified {
            inner,
            map,
            next: usize::try_from(first).unwrap_or(usize::MAX),
            buf: Vec::new(),
            pos: 0,
        };
        verified.load()?;
        verified.pos = ((from - first * SPAN) as usize).min(verified.buf.len());
        Ok(verified)
    }

    /// Reads and checks the next span; leaves `buf` empty at the blob's end.
    fn load(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        if self.next >= self.map.spans.len() {
            return Ok(());
        }
        let start = self.next as u64 * SPAN;
        let len = SPAN.min(self.map.compressed_len.saturating_sub(start));
        (&mut self.inner).take(len).read_to_end(&mut self.buf)?;
        if (self.buf.len() as u64) < len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the blob ends at byte {}, before the {} bytes it had when it was verified",
                    start + self.buf.len() as u64,
                    self.map.compressed_len
                ),
            ));
        }
        if !super::chain::check(
            &self.map.spans,
            self.map.compressed_len,
            self.next,
            &self.buf,
        ) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob bytes {start}..{} do not match the SHA-256 recorded when the blob was verified (the blob changed or is corrupt)",
                    start + len
                ),
            ));
        }
        self.next += 1;
        Ok(())
    }
}

impl Read for Verified<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.load()?;
        }
        let n = buf.len().min(self.buf.len() - self.pos);
        buf[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
