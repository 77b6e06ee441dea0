//! Where a file's bytes wait until its blob is verified: memory up to a few MiB, then an
//! anonymous temporary file (`O_TMPFILE`: it has no name and disappears with the process), so a
//! large file never sits whole in memory and nothing reaches the output before the digest check.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Bytes kept in memory before spilling to a temporary file.
const IN_MEMORY: usize = 4 << 20;

/// A file's bytes, or the first `limit` of them.
#[derive(Debug)]
pub struct Spool {
    memory: Vec<u8>,
    file: Option<File>,
    kept: u64,
    limit: u64,
    /// Bytes offered, kept or not: the file's size once it was read whole.
    total: u64,
    /// Whether bytes past `IN_MEMORY` may go to a temporary file (else they are not kept).
    spill: bool,
}

impl Spool {
    /// Keeps every byte, spilling to a temporary file past a few MiB.
    pub fn unbounded() -> Spool {
        Spool::new(u64::MAX, true)
    }

    /// Keeps the first `limit` bytes in memory and only counts the rest.
    pub fn in_memory(limit: u64) -> Spool {
        Spool::new(limit, false)
    }

    fn new(limit: u64, spill: bool) -> Spool {
        Spool {
            memory: Vec::new(),
            file: None,
            kept: 0,
            limit,
            total: 0,
            spill,
        }
    }

    /// Bytes offered so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether bytes were offered past the limit.
    pub fn truncated(&self) -> bool {
        self.total > self.kept
    }

    /// The bytes kept, when they are all in memory.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.file.is_none().then_some(self.memory.as_slice())
    }

    /// Takes the bytes kept in memory.
    pub fn into_bytes(self) -> Result<Vec<u8>, Spool> {
        if self.file.is_none() {
            Ok(self.memory)
        } else {
            Err(self)
        }
    }

    /// Copies the kept bytes to `out`.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> io::Result<u64> {
        match &mut self.file {
            None => {
                out.write_all(&self.memory)?;
                Ok(self.memory.len() as u64)
            }
            Some(file) => {
                file.seek(SeekFrom::Start(0))?;
                io::copy(file, out)
            }
        }
    }

    /// Reads `reader` to its end into the spool.
    pub fn fill(&mut self, reader: &mut dyn Read) -> io::Result<()> {
        io::copy(reader, self).map(|_| ())
    }

    fn temporary() -> io::Result<File> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            std::env::temp_dir(),
            OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| {
            io::Error::other(format!(
                "cannot create a temporary file in {} for a large file: {e}",
                std::env::temp_dir().display()
            ))
        })?;
        Ok(File::from(fd))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.total += buf.len() as u64;
        let room = self.limit.saturating_sub(self.kept);
        let take = &buf[..buf.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
        if take.is_empty() {
            return Ok(buf.len());
        }
        if self.file.is_none() && self.memory.len() + take.len() > IN_MEMORY {
            if !self.spill {
                let fits = IN_MEMORY.saturating_sub(self.memory.len());
                self.memory.extend_from_slice(&take[..fits.min(take.len())]);
                self.kept = self.memory.len() as u64;
                self.limit = self.kept;
                return Ok(buf.len());
            }
            let mut file = Spool::temporary()?;
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(take)?,
            None => self.memory.extend_from_slice(take),
        }
        self.kept += take.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_small_files_in_memory() {
        let mut s = Spool::unbounded();
        s.write_all(b"hello").unwrap();
        assert_eq!(s.bytes(), Some(&b"hello"[..]));
        assert!(!s.truncated());
    }

    #[test]
    fn spills_large_files_to_a_temporary_file_and_copies_them_back() {
        let mut s = Spool::unbounded();
        let data: Vec<u8> = (0..IN_MEMORY + 1000).map(|i| (i % 251) as u8).collect();
        s.fill(&mut data.as_slice()).unwrap();
        assert!(s.bytes().is_none());
        let mut out = Vec::new();
        assert_eq!(s.copy_to(&mut out).unwrap(), data.len() as u64);
        assert_eq!(out, data);
    }

    #[test]
    fn a_limited_spool_keeps_the_head_and_counts_the_rest() {
        let mut s = Spool::in_memory(4);
        s.write_all(b"abcdefgh").unwrap();
        assert_eq!(s.bytes(), Some(&b"abcd"[..]));
        assert_eq!(s.total(), 8);
        assert!(s.truncated());
    }
}
