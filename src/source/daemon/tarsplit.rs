//! A layer tar rebuilt byte for byte from a Docker layer store: the `tar-split.json.gz` that the
//! daemon keeps for every layer (each header and padding as raw bytes, each file's name and
//! size) with the files' contents read from the layer's overlay2 `diff` directory. This is what
//! the daemon itself does to export a layer, so the result hashes to the layer's diff_id, which
//! the indexer checks.
//!
//! Names come from the daemon's metadata but are still treated as untrusted: no `..`, no
//! absolute paths, no symlink anywhere on the way (a directory replaced by a symlink in the
//! layer must not lead outside it), and only regular files of the recorded size are read. The
//! kernel enforces the first two: files are opened with `openat2` relative to the `diff`
//! directory with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` (Linux 5.6+), which also saves
//! walking the store's own path again for every file.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// A line of `tar-split.json.gz` is one of these (vbatts/tar-split `storage.Entry`).
#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(default)]
    name: Option<String>,
    /// The name as bytes (base64) when it is not UTF-8.
    #[serde(default)]
    name_raw: Option<String>,
    #[serde(default)]
    size: Option<i64>,
    /// Raw tar bytes (base64) for a segment; a CRC-64 of the content for a file.
    #[serde(default)]
    payload: Option<String>,
}

const FILE: u8 = 1;
const SEGMENT: u8 = 2;

/// Longest `tar-split` line accepted: a segment holds one header block run (PAX records
/// included), never a file's content.
const MAX_LINE: u64 = 16 << 20;

/// The layer tar as a stream.
pub struct Reassembled {
    lines: BufReader<flate2::read::MultiGzDecoder<File>>,
    tar_split: PathBuf,
    diff: PathBuf,
    /// The `diff` directory, which every file is opened beneath.
    root: OwnedFd,
    line: Vec<u8>,
    line_number: u64,
    pending: Vec<u8>,
    offset: usize,
    file: Option<Open>,
    /// An error met after part of a read was filled, returned by the next read.
    failed: Option<io::Error>,
}

struct Open {
    file: File,
    left: u64,
    name: PathBuf,
}

impl Reassembled {
    /// Opens `tar_split` (gzip JSON lines); file contents come from `diff`.
    pub fn open(tar_split: &Path, diff: &Path) -> io::Result<Reassembled> {
        let file = File::open(tar_split).map_err(|e| named(tar_split, e))?;
        let root = rustix::fs::open(
            diff,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| named(diff, e.into()))?;
        Ok(Reassembled {
            lines: BufReader::with_capacity(64 * 1024, flate2::read::MultiGzDecoder::new(file)),
            tar_split: tar_split.to_path_buf(),
            diff: diff.to_path_buf(),
            root,
            line: Vec::new(),
            line_number: 0,
            pending: Vec::new(),
            offset: 0,
            file: None,
            failed: None,
        })
    }

    fn invalid(&self, what: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} line {}: {what}",
                self.tar_split.display(),
                self.line_number
            ),
        )
    }

    /// Reads the next entry into `pending` or `file`; `false` at the end.
    fn advance(&mut self) -> io::Result<bool> {
        loop {
            self.line.clear();
            let n = (&mut self.lines)
                .take(MAX_LINE)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| named(&self.tar_split, e))?;
            if n == 0 {
                return Ok(false);
            }
            self.line_number += 1;
            if self.line.last() != Some(&b'\n') && n as u64 == MAX_LINE {
                return Err(self.invalid("a line longer than 16 MiB"));
            }
            if self.line.trim_ascii().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_slice(&self.line)
                .map_err(|e| self.invalid(format!("malformed entry: {e}")))?;
            match entry.kind {
                SEGMENT => {
                    let payload = entry.payload.unwrap_or_default();
                    self.pending.clear();
                    STANDARD
                        .decode_vec(payload.as_bytes(), &mut self.pending)
                        .map_err(|e| self.invalid(format!("bad segment payload: {e}")))?;
                    self.offset = 0;
                    if !self.pending.is_empty() {
                        return Ok(true);
                    }
                }
                FILE => {
                    let size = entry.size.unwrap_or(0);
                    let size = u64::try_from(size)
                        .map_err(|_| self.invalid(format!("negative file size {size}")))?;
                    if size == 0 {
                        continue;
                    }
                    let name = match (&entry.name_raw, &entry.name) {
                        (Some(raw), _) => STANDARD
                            .decode(raw)
                            .map_err(|e| self.invalid(format!("bad name_raw: {e}")))?,
                        (None, Some(name)) => name.clone().into_bytes(),
                        (None, None) => return Err(self.invalid("a file entry without a name")),
                    };
                    let relative = self.relative(&name)?;
                    self.file = Some(self.open_content(&relative, size)?);
                    return Ok(true);
                }
                other => return Err(self.invalid(format!("unknown entry type {other}"))),
            }
        }
    }

    /// `name` as a path below the diff directory, or an error for `..` and empty names.
    fn relative(&self, name: &[u8]) -> io::Result<PathBuf> {
        let mut path = PathBuf::new();
        for part in name.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    return Err(self.invalid(format!(
                        "file name {:?} leaves the layer",
                        String::from_utf8_lossy(name)
                    )));
                }
                part => path.push(OsStr::from_bytes(part)),
            }
        }
        if path.as_os_str().is_empty() {
            return Err(self.invalid("a file entry with an empty name"));
        }
        Ok(path)
    }

    /// Opens a regular file of `size` bytes at `relative`, refusing symlinks on the way.
    fn open_content(&self, relative: &Path, size: u64) -> io::Result<Open> {
        let full = self.diff.join(relative);
        // No symlink on the way or at the end, nothing outside `diff`, and never block on a
        // FIFO put where a file was.
        let fd = open_beneath(&self.root, relative).map_err(|e| match e {
            Errno::LOOP | Errno::XDEV => self.invalid(format!(
                "{} goes through a symlink in the layer store",
                full.display()
            )),
            e => named(&full, e.into()),
        })?;
        let file = File::from(fd);
        let meta = file.metadata().map_err(|e| named(&full, e))?;
        if !meta.is_file() || meta.len() != size {
            return Err(self.invalid(format!(
                "{} in the layer store is not the regular file of {size} bytes the layer records",
                full.display()
            )));
        }
        Ok(Open {
            file,
            left: size,
            name: full,
        })
    }
}

/// Opens `relative` read-only beneath `root`, following no symlink at all.
pub fn open_beneath(root: &OwnedFd, relative: &Path) -> Result<OwnedFd, Errno> {
    rustix::fs::openat2(
        root,
        relative,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NONBLOCK,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
}

impl Read for Reassembled {
    /// Fills `buf` as far as the layer goes (headers are only 512 bytes: returning them one by
    /// one would make every reader above run for each); an error after some bytes is kept for
    /// the next call.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut filled = 0;
        while filled < buf.len() {
            match self.read_some(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if filled > 0 => {
                    self.failed = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
}

impl Reassembled {
    /// The next bytes of the current segment or file, moving on to the next entry when both
    /// are done; 0 at the end of the layer.
    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.offset < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.offset);
                buf[..n].copy_from_slice(&self.pending[self.offset..self.offset + n]);
                self.offset += n;
                return Ok(n);
            }
            if let Some(open) = &mut self.file {
                if open.left > 0 {
                    let want = usize::try_from(open.left)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let n = open
                        .file
                        .read(&mut buf[..want])
                        .map_err(|e| named(&open.name, e))?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("{} shrank while it was read", open.name.display()),
                        ));
                    }
                    open.left -= n as u64;
                    return Ok(n);
                }
                self.file = None;
            }
            if !self.advance()? {
                return Ok(0);
            }
        }
    }
}

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
#[path = "tarsplit_tests.rs"]
mod tests;
