//! Where an archive's files are: a directory on disk, or a tar whose headers are scanned once
//! (seeking past the data, never reading it) into a table of byte ranges.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Largest JSON member (manifest, index, config) read into memory.
const MAX_JSON: u64 = 64 << 20;
/// Symlinks followed in a row before giving up (a loop).
const MAX_LINKS: usize = 16;

/// One regular file inside a tar: where its data starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub offset: u64,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    File(Member),
    /// A symlink or hard link, by the normalised name it points to.
    Link(String),
}

/// The files of an archive, by normalised name (`blobs/sha256/ab…`, `manifest.json`).
#[derive(Debug, Clone)]
pub struct Members(Store);

#[derive(Debug, Clone)]
enum Store {
    Dir(PathBuf),
    Tar {
        path: PathBuf,
        table: HashMap<String, Slot>,
    },
}

/// Why an archive's files could not be listed or read: one line naming the member.
pub type MemberError = String;

impl Members {
    /// The files of an OCI layout directory.
    pub fn dir(path: &Path) -> Members {
        Members(Store::Dir(path.to_path_buf()))
    }

    /// Lists a tar's members by reading only its headers.
    pub fn scan_tar(path: &Path) -> Result<Members, MemberError> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        let length = file
            .metadata()
            .map_err(|e| format!("cannot stat: {e}"))?
            .len();
        let mut head = [0u8; 4];
        (&file)
            .read_exact(&mut head)
            .map_err(|_| "not a tar archive (the file is too short)".to_string())?;
        match head {
            [0x1f, 0x8b, ..] => return Err(compressed("gzip")),
            [0x28, 0xb5, 0x2f, 0xfd] => return Err(compressed("zstd")),
            _ => {}
        }
        (&file)
            .seek(SeekFrom::Start(0))
            .map_err(|e| format!("cannot read: {e}"))?;
        let mut archive = tar::Archive::new(file);
        let entries = archive
            .entries_with_seek()
            .map_err(|e| format!("cannot read: {e}"))?;
        let mut table = HashMap::new();
        let mut last: Option<String> = None;
        for entry in entries {
            // The tar reader's messages can quote garbage header bytes: say where, not what.
            let entry = entry.map_err(|_| match &last {
                None => "not a tar archive (no valid tar header at the start)".to_string(),
                Some(name) => format!("corrupt tar archive: bad header after member {name}"),
            })?;
            let name = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            last = Some(name.clone());
            let kind = entry.header().entry_type();
            let slot = if kind.is_file() || kind == tar::EntryType::Continuous {
                let member = Member {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                };
                if member.offset.saturating_add(member.size) > length {
                    return Err(format!(
                        "truncated archive: member {name} needs {} bytes past the end of the file",
                        member.offset.saturating_add(member.size) - length
                    ));
                }
                Slot::File(member)
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                let target = if kind.is_symlink() {
                    resolve_relative(&name, &target)
                } else {
                    normalise(&target)
                };
                Slot::Link(target)
            } else {
                continue;
            };
            table.insert(name, slot);
        }
        if table.is_empty() {
            return Err("not a tar archive, or an empty one".into());
        }
        Ok(Members(Store::Tar {
            path: path.to_path_buf(),
            table,
        }))
    }

    /// Whether a member exists (and is a file, after following links).
    pub fn contains(&self, name: &str) -> bool {
        self.size(name).is_ok()
    }

    /// The size of a member in bytes.
    pub fn size(&self, name: &str) -> Result<u64, MemberError> {
        match &self.0 {
            Store::Dir(dir) => {
                let file = open_beneath(dir, name).map_err(|e| e.to_string())?;
                let meta = file
                    .metadata()
                    .map_err(|e| format!("cannot stat {}: {e}", shown(name)))?;
                Ok(meta.len())
            }
            Store::Tar { table, .. } => lookup(table, name).map(|m| m.size),
        }
    }

    /// Reads a small member (a JSON document) whole.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, MemberError> {
        let size = self.size(name)?;
        if size > MAX_JSON {
            return Err(format!(
                "{name} is {size} bytes, too large for a manifest or config"
            ));
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        self.open(name)?
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        Ok(data)
    }

    /// Opens a member for streaming: the file, or the tar seeked to the member and limited to it.
    pub fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, MemberError> {
        self.opener(name)?().map_err(|e| format!("cannot open {name}: {}", io_reason(&e)))
    }

    /// Where a member's bytes are, for telling two loads of the very same file apart from two
    /// copies: the canonical path of the file (and the member's offset in a tar).
    pub fn origin(&self, name: &str) -> Option<String> {
        match &self.0 {
            Store::Dir(dir) => {
                // The same file is the same device and inode, however it was reached.
                use std::os::unix::fs::MetadataExt;
                let meta = open_beneath(dir, name).ok()?.metadata().ok()?;
                Some(format!("file {}:{}", meta.dev(), meta.ino()))
            }
            Store::Tar { path, table } => {
                let member = lookup(table, name).ok()?;
                let path = std::fs::canonicalize(path).ok()?;
                Some(format!("{}@{}", path.display(), member.offset))
            }
        }
    }

    /// Member `name` from byte `offset` on (seeking, nothing before it is read).
    pub fn open_from(&self, name: &str, offset: u64) -> io::Result<Box<dyn Read + Send>> {
        match &self.0 {
            Store::Dir(dir) => {
                let mut file = open_beneath(dir, name)?;
                file.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(file))
            }
            Store::Tar { path, table } => {
                let member = lookup(table, name).map_err(io::Error::other)?;
                let mut file = File::open(path)?;
                let offset = offset.min(member.size);
                file.seek(SeekFrom::Start(member.offset + offset))?;
                Ok(Box::new(file.take(member.size - offset)))
            }
        }
    }

    /// A deferred [`Members::open`], for a worker thread to call. Fails now if the member is absent.
    #[expect(clippy::type_complexity, reason = "the shape LayerJob::open takes")]
    pub fn opener(
        &self,
        name: &str,
    ) -> Result<Box<dyn FnOnce() -> io::Result<Box<dyn Read + Send>> + Send>, MemberError> {
        match &self.0 {
            Store::Dir(dir) => {
                self.size(name)?;
                let (dir, name) = (dir.clone(), name.to_string());
                Ok(Box::new(move || {
                    Ok(Box::new(open_beneath(&dir, &name)?) as Box<dyn Read + Send>)
                }))
            }
            Store::Tar { path, table } => {
                let member = lookup(table, name)?;
                let path = path.clone();
                Ok(Box::new(move || {
                    let mut file = File::open(path)?;
                    file.seek(SeekFrom::Start(member.offset))?;
                    Ok(Box::new(file.take(member.size)) as Box<dyn Read + Send>)
                }))
            }
        }
    }
}

fn lookup(table: &HashMap<String, Slot>, name: &str) -> Result<Member, MemberError> {
    let mut current = normalise(name);
    for _ in 0..MAX_LINKS {
        match table.get(&current) {
            Some(Slot::File(m)) => return Ok(*m),
            Some(Slot::Link(target)) => current = target.clone(),
            None if current == normalise(name) => return Err(format!("missing member {name}")),
            None => {
                return Err(format!(
                    "member {name} links to {current}, which is missing"
                ));
            }
        }
    }
    Err(format!("member {name} is a symlink loop"))
}

fn compressed(kind: &str) -> MemberError {
    format!(
        "the archive is {kind}-compressed; plummet reads archives as tars without unpacking them, \
         so decompress it first"
    )
}

/// A member name for a message: escaped and cut short (names come from the image's manifests).
fn shown(name: &str) -> String {
    crate::layer::excerpt(name.as_bytes())
}

/// Opens member `name` of the layout directory `dir` for reading, confined beneath it: a symlink
/// may point to another member but never out of the directory (an OCI or docker-save directory
/// from someone else could otherwise make plummet read `/etc/shadow` or `/proc/self/environ`),
/// and only a regular file is opened (a FIFO or a device would block or never end).
pub fn open_beneath(dir: &Path, name: &str) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags, ResolveFlags};
    use rustix::io::Errno;

    let fail = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let root = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| fail(format!("cannot open the directory: {e}")))?;
    let fd = rustix::fs::openat2(
        &root,
        normalise(name),
        // NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
    )
    .map_err(|e| {
        let name = shown(name);
        fail(match e {
            Errno::NOENT => format!("missing {name}: no such file"),
            Errno::XDEV => format!("{name} is a link that points outside the image directory"),
            Errno::LOOP => format!("{name} is a link that loops or is a /proc magic link"),
            other => format!("cannot open {name}: {other}"),
        })
    })?;
    let file = File::from(fd);
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot stat {}: {e}", shown(name))))?;
    if !meta.is_file() {
        return Err(fail(format!(
            "{} is not a regular file (a directory, device, FIFO or socket)",
            shown(name)
        )));
    }
    Ok(file)
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        _ => e.to_string(),
    }
}

/// `./a//b/` -> `a/b`; `..` pops a component (never above the root).
pub fn normalise(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A symlink target relative to the link's directory (absolute targets are from the tar's root).
pub fn resolve_relative(link: &str, target: &str) -> String {
    if target.starts_with('/') {
        return normalise(target);
    }
    match link.rsplit_once('/') {
        Some((dir, _)) => normalise(&format!("{dir}/{target}")),
        None => normalise(target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(entries: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
        for (name, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn reads_member_ranges_long_names_and_symlinks() {
        let long = format!("{}/layer.tar", "d".repeat(150));
        let tar = tar_with(
            &[("./manifest.json", b"[1]"), (&long, b"layer-bytes")],
            &[("other/layer.tar", &format!("../{long}"))],
        );
        let f = write(&tar);
        let m = Members::scan_tar(f.path()).unwrap();
        assert_eq!(m.read("manifest.json").unwrap(), b"[1]");
        assert_eq!(m.read(&long).unwrap(), b"layer-bytes");
        assert_eq!(m.read("other/layer.tar").unwrap(), b"layer-bytes");
        assert_eq!(m.size("other/layer.tar").unwrap(), 11);
        assert!(
            m.read("absent")
                .unwrap_err()
                .contains("missing member absent")
        );
    }

    #[test]
    fn truncated_tar_names_the_member() {
        let tar = tar_with(&[("a", &[7u8; 4000]), ("b", b"x")], &[]);
        let f = write(&tar[..2048]);
        let err = Members::scan_tar(f.path()).unwrap_err();
        assert!(err.contains("truncated archive: member a"), "{err}");
    }

    #[test]
    fn random_bytes_and_compressed_tars_are_rejected() {
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let err = Members::scan_tar(write(&noise).path()).unwrap_err();
        assert!(err.contains("not a"), "{err}");
        let gz = crate::testutil::gzip(&tar_with(&[("a", b"x")], &[]));
        let err = Members::scan_tar(write(&gz).path()).unwrap_err();
        assert!(err.contains("gzip-compressed"), "{err}");
        let err = Members::scan_tar(write(b"").path()).unwrap_err();
        assert!(err.contains("too short"), "{err}");
    }

    #[test]
    fn symlink_loops_are_errors() {
        let tar = tar_with(&[("x", b"1")], &[("a", "b"), ("b", "a")]);
        let m = Members::scan_tar(write(&tar).path()).unwrap();
        assert!(m.read("a").unwrap_err().contains("loop"));
    }

    #[test]
    fn normalises_names() {
        assert_eq!(normalise("./a//b/"), "a/b");
        assert_eq!(normalise("../../a/../b"), "b");
        assert_eq!(
            resolve_relative("x/y/layer.tar", "../z/layer.tar"),
            "x/z/layer.tar"
        );
    }
}
