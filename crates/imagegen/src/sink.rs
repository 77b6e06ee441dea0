//! Destinations for archive files: a streaming tar, a directory, or an in-memory map (used to
//! build broken variants). Writers name each file and its size, then stream its bytes.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use tar::EntryType;

use crate::spec::LongNameFormat;
use crate::tarwrite::{header, write_padding, write_trailer};

/// Streams the bytes of one file.
pub type Fill<'a> = &'a mut dyn FnMut(&mut dyn Write) -> io::Result<()>;

/// Where an archive's files go. Names are relative, `/`-separated, without a trailing slash.
pub trait Sink {
    /// Writes the file `name` of exactly `size` bytes produced by `fill`.
    fn file(&mut self, name: &str, size: u64, fill: Fill<'_>) -> io::Result<()>;
    /// Writes the directory `name` (needed for tars, where docker save lists directories).
    fn dir(&mut self, name: &str) -> io::Result<()>;
}

/// Writes a file whose bytes are already in memory.
pub fn put(sink: &mut dyn Sink, name: &str, bytes: &[u8]) -> io::Result<()> {
    sink.file(name, bytes.len() as u64, &mut |w| w.write_all(bytes))
}

/// A writer that hashes and counts what passes through it.
pub struct HashCount<W> {
    pub inner: W,
    pub hasher: Sha256,
    pub count: u64,
}

impl<W: Write> HashCount<W> {
    pub fn new(inner: W) -> HashCount<W> {
        HashCount {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The lowercase hex sha256 of everything written.
    pub fn hex(&self) -> String {
        hex(&self.hasher.clone().finalize())
    }
}

impl<W: Write> Write for HashCount<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Streams files into a tar (ustar headers, mtime 0, root owner) ending with a trailer.
pub struct TarSink<W: Write> {
    out: W,
}

impl<W: Write> TarSink<W> {
    pub fn new(out: W) -> TarSink<W> {
        TarSink { out }
    }

    /// Writes the end-of-archive trailer and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        write_trailer(&mut self.out)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Sink for TarSink<W> {
    fn file(&mut self, name: &str, size: u64, fill: Fill<'_>) -> io::Result<()> {
        let h = header(
            LongNameFormat::Pax,
            name.as_bytes(),
            b"",
            EntryType::Regular,
            size,
            0o644,
        );
        self.out.write_all(h.as_bytes())?;
        let mut counted = HashCount::new(&mut self.out);
        fill(&mut counted)?;
        if counted.count != size {
            return Err(io::Error::other(format!(
                "file {name} produced {} bytes but {size} were announced",
                counted.count
            )));
        }
        write_padding(size, &mut self.out)
    }

    fn dir(&mut self, name: &str) -> io::Result<()> {
        let dir = format!("{name}/");
        let h = header(
            LongNameFormat::Pax,
            dir.as_bytes(),
            b"",
            EntryType::Directory,
            0,
            0o755,
        );
        self.out.write_all(h.as_bytes())
    }
}

/// Writes files under a directory on disk.
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<DirSink> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(DirSink { root })
    }
}

impl Sink for DirSink {
    fn file(&mut self, name: &str, _size: u64, fill: Fill<'_>) -> io::Result<()> {
        let path = self.root.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = io::BufWriter::with_capacity(256 * 1024, fs::File::create(path)?);
        fill(&mut out)?;
        out.flush()
    }

    fn dir(&mut self, name: &str) -> io::Result<()> {
        fs::create_dir_all(self.root.join(name))
    }
}

/// Keeps files in memory, by name, so they can be edited before being written out.
#[derive(Clone, Debug, Default)]
pub struct MemSink {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Sink for MemSink {
    fn file(&mut self, name: &str, _size: u64, fill: Fill<'_>) -> io::Result<()> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.files.insert(name.to_string(), bytes);
        Ok(())
    }

    fn dir(&mut self, _name: &str) -> io::Result<()> {
        Ok(())
    }
}

impl MemSink {
    /// Writes the files, sorted by name, as a tar.
    pub fn to_tar(&self) -> io::Result<Vec<u8>> {
        let mut tar = TarSink::new(Vec::new());
        for (name, bytes) in &self.files {
            put(&mut tar, name, bytes)?;
        }
        tar.finish()
    }
}
