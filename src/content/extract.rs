//! `plummet extract`: files, directories and symlinks of an image written beneath a directory,
//! with their paths in the image (`/etc/hosts` -> `DIR/etc/hosts`).
//!
//! Everything is created relative to a descriptor of DIR, one component at a time, with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` and `O_NOFOLLOW | O_EXCL`: a symlink the
//! image put in DIR (or one already there) is never followed, so nothing is written outside
//! DIR. Device nodes and FIFOs are skipped; setuid, setgid and sticky bits are dropped; owners
//! are set only with `--same-owner`. Existing files are not overwritten. A file's bytes go to a
//! temporary name beside it and get their real name only once its layer's blob is verified.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::ContentError;
use super::fetch::{self, ReadOptions, Wanted};
use super::locate::{self, kind_name};
use crate::image::Image;
use crate::layer::EntryKind;
use crate::tree::{NodeId, Snapshot};

/// What `extract` wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub bytes: u64,
    /// Paths not written, each with why (escaped).
    pub skipped: Vec<String>,
}

/// How to extract.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtractOptions {
    pub same_owner: bool,
    pub read: ReadOptions,
}

/// One file to write once its member has been read: where, and with what metadata.
#[derive(Debug, Clone)]
struct Output {
    path: Vec<u8>,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// Extracts `paths` as of `layer` beneath `dir` (created if missing).
pub fn extract(
    image: &Image,
    layer: usize,
    paths: &[Vec<u8>],
    dir: &Path,
    options: ExtractOptions,
) -> Result<Summary, ContentError> {
    let tree = &image.tree;
    let snapshot = Snapshot::at(tree, layer);
    let mut roots = Vec::new();
    for path in paths {
        roots.push(locate::lookup(tree, &snapshot, path, false)?.node);
    }
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, &e.to_string()))?;
    let root = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| out_err(dir, &e.to_string()))?;
    let writer = Writer { root, dir, options };
    let mut summary = Summary::default();
    // Member -> the files it becomes, per layer (a hardlinked file may be asked for twice).
    let mut members: BTreeMap<usize, BTreeMap<Wanted, Vec<Output>>> = BTreeMap::new();
    let mut nodes: Vec<NodeId> = Vec::new();
    for &node in &roots {
        nodes.push(node);
        nodes.extend(
            tree.paths
                .descendants(node)
                .filter(|&n| snapshot.visible(n).is_some()),
        );
    }
    nodes.sort_unstable();
    nodes.dedup();
    for node in nodes {
        let Some(visible) = snapshot.visible(node) else {
            continue;
        };
        let entry = tree.entry_at(node, visible);
        let rel = locate::relative(tree, node);
        if rel.is_empty() {
            continue;
        }
        match entry.kind {
            EntryKind::Dir => {
                writer.dir(&rel, entry.mode, entry.uid, entry.gid)?;
                summary.dirs += 1;
            }
            EntryKind::Symlink => {
                writer.symlink(&rel, tree.link(&entry), entry.uid, entry.gid)?;
                summary.symlinks += 1;
            }
            EntryKind::File | EntryKind::Hardlink => {
                let found = locate::lookup(tree, &snapshot, &rel, false)?;
                let member = locate::member(tree, &snapshot, found)?;
                members
                    .entry(member.layer)
                    .or_default()
                    .entry(Wanted {
                        path: member.path,
                        occurrence: member.occurrence,
                    })
                    .or_default()
                    .push(Output {
                        path: rel,
                        mode: entry.mode,
                        uid: entry.uid,
                        gid: entry.gid,
                    });
            }
            kind => summary.skipped.push(format!(
                "/{}: a {} (extract writes no device nodes or FIFOs)",
                crate::layer::excerpt(&rel),
                kind_name(kind)
            )),
        }
    }
    for (layer, wanted) in members {
        let (list, outputs): (Vec<Wanted>, Vec<Vec<Output>>) = wanted.into_iter().unzip();
        summary.bytes += writer.files(image, layer, &list, &outputs)?;
        summary.files += outputs.iter().map(|o| o.len() as u64).sum::<u64>();
    }
    Ok(summary)
}

fn out_err(dir: &Path, why: &str) -> ContentError {
    ContentError::Output(format!("{}: {why}", dir.display()))
}

/// Suffix of the temporary name a file is written under until its blob is verified.
const PARTIAL: &[u8] = b".plummet-partial";

struct Writer<'a> {
    root: OwnedFd,
    dir: &'a Path,
    options: ExtractOptions,
}

impl Writer<'_> {
    fn refuse(&self, rel: &[u8], why: &str) -> ContentError {
        ContentError::Output(format!(
            "refusing to write /{} under {}: {why}",
            crate::layer::excerpt(rel),
            self.dir.display()
        ))
    }

    fn failed(&self, rel: &[u8], e: impl std::fmt::Display) -> ContentError {
        ContentError::Output(format!(
            "cannot write /{} under {}: {e}",
            crate::layer::excerpt(rel),
            self.dir.display()
        ))
    }

    /// Opens (creating as needed) the directory holding `rel`, never through a symlink.
    fn parent(&self, rel: &[u8]) -> Result<(OwnedFd, Vec<u8>), ContentError> {
        let mut parts: Vec<&[u8]> = rel.split(|&b| b == b'/').collect();
        let name = parts.pop().unwrap_or_default().to_vec();
        let mut fd = rustix::io::dup(&self.root).map_err(|e| self.failed(rel, e))?;
        for (i, part) in parts.iter().enumerate() {
            match rustix::fs::mkdirat(&fd, *part, Mode::from_raw_mode(0o755)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(self.failed(rel, e)),
            }
            fd = rustix::fs::openat2(
                &fd,
                *part,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
            )
            .map_err(|e| {
                let at = crate::layer::excerpt(&parts[..=i].join(&b'/'));
                match e {
                    Errno::LOOP | Errno::NOTDIR | Errno::XDEV => self.refuse(
                        rel,
                        &format!("{at} there is not a directory but a symlink or file, which could lead outside it"),
                    ),
                    other => self.failed(rel, other),
                }
            })?;
        }
        Ok((fd, name))
    }

    fn dir(&self, rel: &[u8], mode: u32, uid: u32, gid: u32) -> Result<(), ContentError> {
        let (parent, name) = self.parent(rel)?;
        match rustix::fs::mkdirat(&parent, name.as_slice(), Mode::from_raw_mode(0o700)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(self.failed(rel, e)),
        }
        let fd = rustix::fs::openat2(
            &parent,
            name.as_slice(),
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
        )
        .map_err(|e| match e {
            Errno::LOOP | Errno::NOTDIR => self.refuse(rel, "a symlink or file is already there"),
            other => self.failed(rel, other),
        })?;
        // Owner rwx, so the directory can be filled; no setgid or sticky bit.
        rustix::fs::fchmod(&fd, Mode::from_raw_mode((mode & 0o777) | 0o700))
            .map_err(|e| self.failed(rel, e))?;
        self.own(&fd, rel, uid, gid)
    }

    fn own(&self, fd: impl AsFd, rel: &[u8], uid: u32, gid: u32) -> Result<(), ContentError> {
        if !self.options.same_owner {
            return Ok(());
        }
        rustix::fs::fchown(
            fd,
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )
        .map_err(|e| self.failed(rel, format!("cannot set owner {uid}:{gid}: {e}")))
    }

    fn symlink(&self, rel: &[u8], target: &[u8], uid: u32, gid: u32) -> Result<(), ContentError> {
        let (parent, name) = self.parent(rel)?;
        rustix::fs::symlinkat(target, &parent, name.as_slice()).map_err(|e| match e {
            Errno::EXIST => self.refuse(
                rel,
                "something is already there (extract does not overwrite)",
            ),
            other => self.failed(rel, other),
        })?;
        if self.options.same_owner {
            rustix::fs::chownat(
                &parent,
                name.as_slice(),
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
                AtFlags::SYMLINK_NOFOLLOW,
            )
            .map_err(|e| self.failed(rel, format!("cannot set owner {uid}:{gid}: {e}")))?;
        }
        Ok(())
    }

    /// Creates `rel`'s temporary file, exclusively and never through a symlink.
    fn create(&self, rel: &[u8]) -> Result<(OwnedFd, Vec<u8>, File), ContentError> {
        let (parent, name) = self.parent(rel)?;
        if rustix::fs::statat(&parent, name.as_slice(), AtFlags::SYMLINK_NOFOLLOW).is_ok() {
            return Err(self.refuse(
                rel,
                "something is already there (extract does not overwrite)",
            ));
        }
        let mut temp = name.clone();
        temp.extend_from_slice(PARTIAL);
        let fd = rustix::fs::openat2(
            &parent,
            temp.as_slice(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
        )
        .map_err(|e| self.failed(rel, e))?;
        Ok((parent, name, File::from(fd)))
    }

    /// Reads the members of one layer into their files; returns the bytes written.
    fn files(
        &self,
        image: &Image,
        layer: usize,
        wanted: &[Wanted],
        outputs: &[Vec<Output>],
    ) -> Result<u64, ContentError> {
        let mut open: Vec<Vec<(OwnedFd, Vec<u8>, File)>> = Vec::with_capacity(outputs.len());
        let result = (|| {
            for outs in outputs {
                let mut files = Vec::with_capacity(outs.len());
                for o in outs {
                    files.push(self.create(&o.path)?);
                }
                open.push(files);
            }
            let mut written = 0u64;
            fetch::read_members(
                &fetch::Blobs::of(image),
                layer,
                wanted,
                self.options.read,
                &mut |i, member| {
                    let files = open
                        .get_mut(i)
                        .ok_or_else(|| io::Error::other("no output"))?;
                    let mut buf = vec![0u8; 256 * 1024];
                    loop {
                        let n = member.read(&mut buf)?;
                        if n == 0 {
                            break;
                        }
                        for (_, _, f) in files.iter_mut() {
                            f.write_all(&buf[..n])?;
                        }
                        written += n as u64;
                    }
                    Ok(())
                },
            )?;
            Ok::<u64, ContentError>(written)
        })();
        // Verified (or failed): give each file its name, or remove what was written.
        let mut first_error = result.as_ref().err().map(ToString::to_string);
        for (files, outs) in open.iter().zip(outputs) {
            for ((parent, name, file), o) in files.iter().zip(outs) {
                let mut temp = name.clone();
                temp.extend_from_slice(PARTIAL);
                if first_error.is_some() {
                    let _ = rustix::fs::unlinkat(parent, temp.as_slice(), AtFlags::empty());
                    continue;
                }
                let done = rustix::fs::fchmod(file, Mode::from_raw_mode(o.mode & 0o777))
                    .map_err(|e| self.failed(&o.path, e))
                    .and_then(|()| self.own(file, &o.path, o.uid, o.gid))
                    .and_then(|()| {
                        rustix::fs::renameat(parent, temp.as_slice(), parent, name.as_slice())
                            .map_err(|e| self.failed(&o.path, e))
                    });
                if let Err(e) = done {
                    let _ = rustix::fs::unlinkat(parent, temp.as_slice(), AtFlags::empty());
                    first_error.get_or_insert(e.to_string());
                }
            }
        }
        match (result, first_error) {
            (Err(e), _) => Err(e),
            (Ok(_), Some(e)) => Err(ContentError::Output(e)),
            (Ok(n), None) => Ok(n),
        }
    }
}

#[cfg(test)]
#[path = "extract_tests.rs"]
mod tests;
