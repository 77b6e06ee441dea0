//! One layer's tar stream -> a compact index of its entries (no tree yet).
//!
//! Paths are cleaned lexically (`./a//b/../c` -> `a/c`, never above the root) and stored as bytes in
//! one buffer per layer; whiteout markers become entries of their own kind. On request, regular
//! files get a content [`Fingerprint`] as they stream past.

mod budget;
mod fingerprint;
mod guard;

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

pub use budget::{Budget, Limits};
pub use fingerprint::Fingerprint;
pub use guard::MAX_HEADER_BYTES;
use guard::{HeaderGuard, check_complete};

/// The name prefix that marks a whiteout (a deletion of a lower path).
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// The marker that makes a directory opaque (hides everything below it in lower layers).
pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// The type of a tar entry, plus the two whiteout forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    /// `.wh.NAME`: the path is that of NAME.
    Whiteout,
    /// `.wh..wh..opq`: the path is that of the directory made opaque.
    Opaque,
}

impl EntryKind {
    /// Whether this entry is a deletion marker rather than a filesystem object.
    pub fn is_marker(self) -> bool {
        matches!(self, EntryKind::Whiteout | EntryKind::Opaque)
    }

    /// Whether this entry is a file-like object that counts as a touch of its path.
    pub fn is_file_like(self) -> bool {
        !matches!(
            self,
            EntryKind::Dir | EntryKind::Whiteout | EntryKind::Opaque
        )
    }
}

/// A span of bytes in a layer's name buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub offset: u32,
    pub len: u32,
}

/// One tar entry, with its path and link target stored in the layer's name buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawEntry {
    pub path: Span,
    /// Symlink or hardlink target; empty otherwise.
    pub link: Span,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub kind: EntryKind,
}

/// Small files whose content the analysis needs (package.json, key files), captured while
/// streaming so nothing is read twice.
#[derive(Debug, Clone)]
pub struct Capture {
    pub entry: u32,
    pub content: Vec<u8>,
}

/// The index of one layer: its entries in tar order.
#[derive(Debug, Default, Clone)]
pub struct LayerIndex {
    names: Vec<u8>,
    entries: Vec<RawEntry>,
    captures: Vec<Capture>,
    /// Parallel to `entries` when fingerprints were asked for (`None` for what is not a regular
    /// file or a hardlink to one); empty otherwise, so that `ci` pays nothing.
    fingerprints: Vec<Option<Fingerprint>>,
}

impl LayerIndex {
    pub fn entries(&self) -> &[RawEntry] {
        &self.entries
    }

    pub fn captures(&self) -> &[Capture] {
        &self.captures
    }

    /// The content fingerprint of entry `i`, when [`Keep::fingerprints`] was on and it is known.
    pub fn fingerprint(&self, i: usize) -> Option<Fingerprint> {
        self.fingerprints.get(i).copied().flatten()
    }

    /// Moves the captured files out, for the tree to keep without a copy.
    pub fn take_captures(&mut self) -> Vec<Capture> {
        std::mem::take(&mut self.captures)
    }

    /// Moves the fingerprints out (parallel to the entries, or empty), for the tree to keep.
    pub fn take_fingerprints(&mut self) -> Vec<Option<Fingerprint>> {
        std::mem::take(&mut self.fingerprints)
    }

    /// The cleaned path, relative to the root, without a leading `/` (empty for the root).
    pub fn path(&self, entry: &RawEntry) -> &[u8] {
        self.span(entry.path)
    }

    pub fn link(&self, entry: &RawEntry) -> &[u8] {
        self.span(entry.link)
    }

    fn span(&self, span: Span) -> &[u8] {
        let start = span.offset as usize;
        self.names
            .get(start..start + span.len as usize)
            .unwrap_or_default()
    }

    /// Approximate heap bytes held, for the index memory limit.
    pub fn heap_bytes(&self) -> u64 {
        (self.names.capacity()
            + self.entries.capacity() * std::mem::size_of::<RawEntry>()
            + self.fingerprints.capacity() * std::mem::size_of::<Option<Fingerprint>>()
            + self
                .captures
                .iter()
                .map(|c| c.content.capacity() + 32)
                .sum::<usize>()) as u64
    }

    /// The buffer every entry's path and link target are spans of (for the layer-index cache).
    pub fn names(&self) -> &[u8] {
        &self.names
    }

    /// The fingerprints parallel to the entries, or empty when none were taken.
    pub fn fingerprints(&self) -> &[Option<Fingerprint>] {
        &self.fingerprints
    }

    /// Rebuilds an index from its parts (the layer-index cache's decoder), checking what the
    /// rest of plummet relies on: every span lies in `names`, fingerprints are absent or one per
    /// entry, and every capture names an entry.
    pub fn from_parts(
        names: Vec<u8>,
        entries: Vec<RawEntry>,
        captures: Vec<Capture>,
        fingerprints: Vec<Option<Fingerprint>>,
    ) -> Result<LayerIndex, &'static str> {
        let inside = |s: Span| {
            (s.offset as usize)
                .checked_add(s.len as usize)
                .is_some_and(|end| end <= names.len())
        };
        if !entries.iter().all(|e| inside(e.path) && inside(e.link)) {
            return Err("a path lies outside the name buffer");
        }
        if !fingerprints.is_empty() && fingerprints.len() != entries.len() {
            return Err("fingerprints do not match the entries");
        }
        if captures.iter().any(|c| c.entry as usize >= entries.len()) {
            return Err("a captured file names no entry");
        }
        Ok(LayerIndex {
            names,
            entries,
            captures,
            fingerprints,
        })
    }

    /// Builds an index directly, for tests and for sources that list entries without a tar.
    pub fn push(&mut self, path: &[u8], link: &[u8], kind: EntryKind, size: u64, mode: u32) {
        let path = self.push_name(path);
        let link = self.push_name(link);
        self.entries.push(RawEntry {
            path,
            link,
            size,
            mode,
            uid: 0,
            gid: 0,
            kind,
        });
    }

    fn push_name(&mut self, bytes: &[u8]) -> Span {
        let offset = self.names.len() as u32;
        self.names.extend_from_slice(bytes);
        Span {
            offset,
            len: bytes.len() as u32,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The tar parser's messages quote header bytes (names, numeric fields) of the input: they are
    /// shown on one line, escaped and cut short.
    #[error("{}", one_line(&.0.to_string()))]
    Io(#[from] io::Error),
    #[error("limit reached: {0}")]
    Limit(String),
    /// The stream ended inside a member's data.
    #[error("truncated tar member {path}: the layer ends after {read} of its {size} bytes of data")]
    Truncated { path: String, read: u64, size: u64 },
}

/// Which small files the indexer reads for the analysis, and which of what it read it keeps:
/// the analysis scans many small files for secrets while they stream past, but keeps only the
/// few it needs later, so memory stays bounded by what is kept.
#[derive(Debug, Clone, Copy)]
pub struct CaptureRule {
    /// Whether to read a regular file's content (at most [`MAX_CAPTURE`] bytes), given its
    /// cleaned path and size.
    pub read: fn(path: &[u8], size: u64) -> bool,
    /// Whether to keep the content read, given the cleaned path and the content.
    pub keep: fn(path: &[u8], content: &[u8]) -> bool,
    /// Names the rule and its revision for the layer-index cache: an index is reused only by a
    /// load with the same id, so change the id whenever `read` or `keep` changes what they
    /// select. Empty for a rule that must never be cached.
    pub id: &'static str,
}

impl CaptureRule {
    /// Reads and keeps nothing.
    pub const NONE: CaptureRule = CaptureRule {
        read: |_, _| false,
        keep: |_, _| false,
        id: "none",
    };

    /// Keeps every file `read` selects.
    pub fn keep_all(read: fn(&[u8], u64) -> bool) -> CaptureRule {
        CaptureRule {
            read,
            keep: |_, _| true,
            id: "",
        }
    }
}

/// The largest content [`index`] keeps for one captured file, whatever the rule says (package
/// databases such as dpkg's status file run to megabytes; the rule bounds each kind tighter).
/// Captured bytes count against the index's memory limit (`--max-index-bytes`).
pub const MAX_CAPTURE: u64 = 32 << 20;

/// What [`index`] keeps besides the entries themselves.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// Which small files to keep the content of.
    pub capture: CaptureRule,
    /// Fingerprint every regular file's content (for `plummet diff`; costs a hash of every byte
    /// and 8 bytes per entry).
    pub fingerprints: bool,
}

/// Reads a whole uncompressed layer tar and indexes its entries.
///
/// A stream that ends where a header would start is accepted as the end of the archive: real
/// layers written without the two zero blocks exist (umoci 0.4.7 `insert`).
pub fn index<R: Read>(
    reader: R,
    budget: &Budget,
    keep: Keep,
) -> Result<(LayerIndex, R), IndexError> {
    index_noting(reader, budget, keep, None)
}

/// One tar member as [`index_noting`] passes it: enough to say where its headers start in the
/// uncompressed stream (the end of the previous member's data, rounded up to a block).
#[derive(Debug, Clone, Copy)]
pub struct Passed<'a> {
    pub kind: tar::EntryType,
    /// The path as the headers give it (not cleaned).
    pub path: &'a [u8],
    /// Offset of the member's data in the uncompressed stream.
    pub data_start: u64,
    /// The member's data size as the tar reader skips it.
    pub size: u64,
}

/// As [`index`], and calls `note` with every member (global headers included), in tar order;
/// `None` costs nothing. The seek-map recorder uses it to learn where each file starts.
pub fn index_noting<R: Read>(
    reader: R,
    budget: &Budget,
    keep: Keep,
    mut note: Option<&mut dyn FnMut(Passed<'_>)>,
) -> Result<(LayerIndex, R), IndexError> {
    let left = Rc::new(Cell::new(None));
    let data = Rc::new(Cell::new(0));
    let mut archive = tar::Archive::new(HeaderGuard {
        inner: reader,
        left: Rc::clone(&left),
        position: 0,
        data: Rc::clone(&data),
    });
    let mut layer = LayerIndex::default();
    let mut scratch = Vec::new();
    // The content read for the capture rule, reused from file to file.
    let mut head = Vec::new();
    let mut hasher = fingerprint::Hasher::default();
    let mut entries = archive.entries()?;
    loop {
        left.set(Some(MAX_HEADER_BYTES));
        let next = entries.next();
        left.set(None);
        let Some(entry) = next else { break };
        let mut entry = entry?;
        data.set(0);
        if let Some(note) = note.as_mut() {
            note(Passed {
                kind: entry.header().entry_type(),
                path: &entry.path_bytes(),
                data_start: entry.raw_file_position(),
                size: entry.size(),
            });
        }
        let before = layer.entries.len();
        head.clear();
        let files = Files {
            scratch: &mut scratch,
            head: &mut head,
        };
        add_entry(&mut entry, &mut layer, files, budget, keep.capture)?;
        // Read the rest of the content here, disarmed, so the parser only reads headers.
        let added = layer.entries.get(before).map(|e| e.kind);
        if keep.fingerprints && added == Some(EntryKind::File) {
            let fingerprint = hasher.fingerprint(&head, &mut entry)?;
            layer.fingerprints.push(Some(fingerprint));
        } else {
            io::copy(&mut entry, &mut io::sink())?;
            if keep.fingerprints && added.is_some() {
                layer.fingerprints.push(None);
            }
        }
        check_complete(&entry, data.get())?;
    }
    fingerprint::resolve_hardlinks(&mut layer);
    layer.names.shrink_to_fit();
    layer.entries.shrink_to_fit();
    layer.fingerprints.shrink_to_fit();
    Ok((layer, archive.into_inner().inner))
}

/// A short, escaped excerpt of bytes from an image for an error message: escaped as every
/// output escapes image strings ([`crate::escape::bytes`]), at most 120 bytes of input.
pub fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 120;
    let mut text = crate::escape::bytes(bytes.get(..MAX).unwrap_or(bytes));
    if bytes.len() > MAX {
        text.push_str("...");
    }
    text
}

/// A message on one line for errors that may carry input bytes: escaped as every output
/// escapes image strings (newlines, ESC), at most 300 characters of it.
pub fn one_line(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", crate::escape::text(&text[..cut])),
        None => crate::escape::text(text).into_owned(),
    }
}

/// Buffers reused from entry to entry: the cleaned path, and the content read for the capture
/// rule (left there for the fingerprint, which must hash it too).
struct Files<'a> {
    scratch: &'a mut Vec<u8>,
    head: &'a mut Vec<u8>,
}

/// Indexes one tar entry into `layer` (or skips it: root, global headers, aufs markers).
fn add_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    layer: &mut LayerIndex,
    files: Files<'_>,
    budget: &Budget,
    capture: CaptureRule,
) -> Result<(), IndexError> {
    let Files { scratch, head } = files;
    let header = entry.header();
    let kind = match header.entry_type() {
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link => EntryKind::Hardlink,
        tar::EntryType::Char => EntryKind::CharDevice,
        tar::EntryType::Block => EntryKind::BlockDevice,
        tar::EntryType::Fifo => EntryKind::Fifo,
        // Global PAX headers carry no file.
        tar::EntryType::XGlobalHeader => return Ok(()),
        _ => EntryKind::File,
    };
    let mode = header.mode().unwrap_or(0o644);
    let uid = header.uid().unwrap_or(0).try_into().unwrap_or(u32::MAX);
    let gid = header.gid().unwrap_or(0).try_into().unwrap_or(u32::MAX);
    let size = if kind == EntryKind::File {
        entry.size()
    } else {
        0
    };

    scratch.clear();
    clean_path(&entry.path_bytes(), scratch);
    if scratch.is_empty() {
        // The root directory itself: its metadata is not part of the analysis.
        return Ok(());
    }
    if scratch.len() > budget.limits.max_path_len {
        return Err(IndexError::Limit(format!(
            "a path of {} bytes is longer than the limit of {}",
            scratch.len(),
            budget.limits.max_path_len
        )));
    }
    let (kind, path_len) = match split_whiteout(scratch) {
        Some(Whiteout::Opaque { dir_len }) => (EntryKind::Opaque, dir_len),
        Some(Whiteout::Path { name_start }) => {
            // Rewrite `dir/.wh.name` into `dir/name` in place.
            scratch.drain(name_start..name_start + WHITEOUT_PREFIX.len());
            (EntryKind::Whiteout, scratch.len())
        }
        Some(Whiteout::Other) => return Ok(()),
        None => (kind, scratch.len()),
    };
    let path = layer.push_name(&scratch[..path_len]);
    let link = match kind {
        EntryKind::Hardlink => {
            scratch.clear();
            if let Some(target) = entry.link_name_bytes() {
                clean_path(&target, scratch);
            }
            layer.push_name(scratch)
        }
        EntryKind::Symlink => match entry.link_name_bytes() {
            Some(target) => layer.push_name(&target),
            None => Span::default(),
        },
        _ => Span::default(),
    };
    budget.charge(u64::from(path.len) + u64::from(link.len))?;
    budget.charge_file(size)?;
    if kind == EntryKind::File && size <= MAX_CAPTURE && (capture.read)(layer.span(path), size) {
        entry.take(MAX_CAPTURE).read_to_end(head)?;
        if (capture.keep)(layer.span(path), head) {
            budget.charge_capture(head.len() as u64)?;
            layer.captures.push(Capture {
                entry: layer.entries.len() as u32,
                content: head.clone(),
            });
        }
    }
    if layer.names.len() > u32::MAX as usize / 2 {
        return Err(IndexError::Limit(
            "path names of one layer exceed 2 GiB".into(),
        ));
    }
    layer.entries.push(RawEntry {
        path,
        link,
        size,
        mode,
        uid,
        gid,
        kind,
    });
    Ok(())
}

/// Cleans a tar path lexically: drops `.` and empty components, resolves `..` without ever
/// climbing above the root, and strips leading and trailing slashes.
pub fn clean_path(raw: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    for component in raw.split(|&b| b == b'/') {
        match component {
            b"" | b"." => {}
            b".." => {
                let cut = out[start..]
                    .iter()
                    .rposition(|&b| b == b'/')
                    .map_or(start, |p| start + p);
                out.truncate(cut);
            }
            name => {
                if out.len() > start {
                    out.push(b'/');
                }
                out.extend_from_slice(name);
            }
        }
    }
}

enum Whiteout {
    /// `dir/.wh..wh..opq`; `dir_len` is the length of `dir`.
    Opaque { dir_len: usize },
    /// `dir/.wh.name`; `name_start` is where `.wh.` begins.
    Path { name_start: usize },
    /// Another `.wh..wh.` marker (aufs hardlink bookkeeping): not a filesystem object.
    Other,
}

fn split_whiteout(path: &[u8]) -> Option<Whiteout> {
    let name_start = path.iter().rposition(|&b| b == b'/').map_or(0, |p| p + 1);
    let name = &path[name_start..];
    let dir_len = name_start.saturating_sub(1);
    if name == OPAQUE_MARKER {
        Some(Whiteout::Opaque { dir_len })
    } else if name.starts_with(b".wh..wh.") {
        Some(Whiteout::Other)
    } else if name.starts_with(WHITEOUT_PREFIX) && name.len() > WHITEOUT_PREFIX.len() {
        Some(Whiteout::Path { name_start })
    } else {
        None
    }
}

#[cfg(test)]
#[path = "layer_tests.rs"]
mod tests;
