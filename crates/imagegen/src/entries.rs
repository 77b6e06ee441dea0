//! Expansion of a layer's ops into the exact list of tar entries written, shared by the tar
//! writer and the oracle so both see the same entries (including automatic parent directories).

use std::collections::BTreeSet;

use crate::spec::{Content, LayerSpec, Op};

/// The type of a tar entry. Whiteouts are regular files named `.wh.*`, as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
    Hardlink,
}

/// One tar entry, with its path cleaned and absolute (`/a/b`).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub path: Vec<u8>,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Symlink target as given; hard link target cleaned and absolute.
    pub link: Vec<u8>,
    pub content: Option<&'a Content>,
}

/// Cleans a path into absolute form: no empty or `.` components, `..` pops. Root is `/`.
pub fn clean(path: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in path.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return b"/".to_vec();
    }
    parts
        .iter()
        .flat_map(|p| std::iter::once(&b'/').chain(p.iter()))
        .copied()
        .collect()
}

/// `/a/b/c` -> (`/a/b`, `c`); `/a` -> (`/`, `a`).
pub fn split_parent(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|b| *b == b'/') {
        Some(0) => (b"/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (b"/", path),
    }
}

/// `parent` + `/` + `name`, without doubling the root slash.
pub fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = if parent == b"/" {
        Vec::new()
    } else {
        parent.to_vec()
    };
    out.push(b'/');
    out.extend_from_slice(name);
    out
}

/// The entries a layer's tar holds, in order.
pub fn layer_entries(layer: &LayerSpec) -> Vec<Entry<'_>> {
    let mut out = Vec::with_capacity(layer.ops.len());
    let mut written_dirs: BTreeSet<Vec<u8>> = BTreeSet::new();
    for op in &layer.ops {
        let entry = op_entry(op);
        if layer.auto_parents {
            push_parents(&entry.path, &mut written_dirs, &mut out);
        }
        if entry.kind == EntryKind::Dir {
            written_dirs.insert(entry.path.clone());
        }
        out.push(entry);
    }
    out
}

fn push_parents<'a>(path: &[u8], written: &mut BTreeSet<Vec<u8>>, out: &mut Vec<Entry<'a>>) {
    let mut missing = Vec::new();
    let mut dir = split_parent(path).0;
    while dir != b"/" && !written.contains(dir) {
        missing.push(dir.to_vec());
        dir = split_parent(dir).0;
    }
    for dir in missing.into_iter().rev() {
        written.insert(dir.clone());
        out.push(entry(dir, EntryKind::Dir, 0o755));
    }
}

fn entry<'a>(path: Vec<u8>, kind: EntryKind, mode: u32) -> Entry<'a> {
    Entry {
        path,
        kind,
        size: 0,
        mode,
        uid: 0,
        gid: 0,
        link: Vec::new(),
        content: None,
    }
}

fn op_entry(op: &Op) -> Entry<'_> {
    match op {
        Op::Dir {
            path,
            mode,
            uid,
            gid,
        } => Entry {
            uid: *uid,
            gid: *gid,
            ..entry(clean(path), EntryKind::Dir, *mode)
        },
        Op::File {
            path,
            size,
            mode,
            uid,
            gid,
            content,
        } => Entry {
            size: *size,
            uid: *uid,
            gid: *gid,
            content: Some(content),
            ..entry(clean(path), EntryKind::File, *mode)
        },
        Op::Symlink { path, target } => Entry {
            link: target.clone(),
            ..entry(clean(path), EntryKind::Symlink, 0o777)
        },
        Op::Hardlink { path, target } => Entry {
            link: clean(target),
            ..entry(clean(path), EntryKind::Hardlink, 0o644)
        },
        Op::Whiteout { path } => {
            let path = clean(path);
            let (parent, name) = split_parent(&path);
            let marker = [b".wh.".as_slice(), name].concat();
            entry(join(parent, &marker), EntryKind::File, 0o644)
        }
        Op::Opaque { dir } => entry(join(&clean(dir), b".wh..wh..opq"), EntryKind::File, 0o644),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_normalizes() {
        assert_eq!(clean(b"//app/./x/../y/"), b"/app/y");
        assert_eq!(clean(b"app"), b"/app");
        assert_eq!(clean(b"/"), b"/");
    }

    #[test]
    fn parents_are_written_once_before_children() {
        let layer = LayerSpec::new(vec![
            Op::random("/a/b/c", 1),
            Op::random("/a/b/d", 1),
            Op::whiteout("/a/e"),
        ]);
        let paths: Vec<_> = layer_entries(&layer).into_iter().map(|e| e.path).collect();
        let want: Vec<&[u8]> = vec![b"/a", b"/a/b", b"/a/b/c", b"/a/b/d", b"/a/.wh.e"];
        assert_eq!(paths, want);
    }
}
