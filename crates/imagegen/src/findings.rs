//! Expected findings: simple path and content rules over the files each layer adds and over
//! the final filesystem. One finding per (kind, layer, root path).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::content_prefix;
use crate::entries::{Entry, EntryKind, split_parent};
use crate::oracle::{Fs, PathBytes};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Git,
    NodeModules,
    AptLists,
    PackageCache,
    PythonBytecode,
    TempAndLogs,
    Docs,
    BuildTools,
    Secret,
    Setuid,
    WorldWritable,
    RunsAsRoot,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub path: PathBytes,
    /// None only for `runs_as_root`.
    pub layer: Option<usize>,
    /// Whether `path` still exists in the final filesystem.
    pub visible: bool,
    pub bytes: u64,
}

fn components(path: &[u8]) -> Vec<&[u8]> {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .collect()
}

fn rejoin(parts: &[&[u8]]) -> Vec<u8> {
    if parts.is_empty() {
        return b"/".to_vec();
    }
    parts
        .iter()
        .flat_map(|p| std::iter::once(&b'/').chain(p.iter()))
        .copied()
        .collect()
}

/// The path up to and including the first component sequence equal to `names`, when the
/// file lies strictly below it.
fn root_at(path: &[u8], names: &[&[u8]]) -> Option<Vec<u8>> {
    let parts = components(path);
    (0..parts.len().saturating_sub(names.len()))
        .find(|&i| parts[i..i + names.len()] == *names)
        .map(|i| rejoin(&parts[..i + names.len()]))
}

fn under(path: &[u8], dir: &[u8]) -> Option<Vec<u8>> {
    (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/')).then(|| dir.to_vec())
}

/// Kinds whose root is a fixed or named directory.
fn rooted(path: &[u8]) -> Option<(FindingKind, Vec<u8>)> {
    use FindingKind::*;
    let found = [
        (Git, root_at(path, &[b".git"])),
        (NodeModules, root_at(path, &[b"node_modules"])),
        (AptLists, under(path, b"/var/lib/apt/lists")),
        (PackageCache, under(path, b"/var/cache/apt/archives")),
        (PackageCache, under(path, b"/var/cache/apk")),
        (PackageCache, under(path, b"/usr/local/share/.cache/yarn")),
        (PackageCache, root_at(path, &[b".cache", b"pip"])),
        (PackageCache, root_at(path, &[b".npm"])),
        (PackageCache, root_at(path, &[b".cache"])),
    ];
    found
        .into_iter()
        .find_map(|(kind, root)| root.map(|r| (kind, r)))
}

/// Kinds aggregated per layer at the deepest common ancestor of the matched files.
fn aggregated(path: &[u8]) -> Option<FindingKind> {
    let (parent, name) = split_parent(path);
    let in_dirs = |dirs: &[&[u8]]| dirs.iter().any(|d| under(path, d).is_some());
    let parent_name = split_parent(parent).1;
    if name.ends_with(b".pyc")
        || name.ends_with(b".pyo")
        || components(path).contains(&b"__pycache__".as_slice())
    {
        Some(FindingKind::PythonBytecode)
    } else if in_dirs(&[b"/tmp", b"/var/tmp", b"/var/log"]) || name.ends_with(b".log") {
        Some(FindingKind::TempAndLogs)
    } else if in_dirs(&[b"/usr/share/doc", b"/usr/share/man", b"/usr/share/info"]) {
        Some(FindingKind::Docs)
    } else if (parent_name == b"bin"
        && [
            &b"gcc"[..],
            b"g++",
            b"cc",
            b"c++",
            b"clang",
            b"rustc",
            b"go",
            b"make",
        ]
        .contains(&name))
        || in_dirs(&[b"/usr/include", b"/usr/lib/gcc"])
    {
        Some(FindingKind::BuildTools)
    } else {
        None
    }
}

fn is_secret(e: &Entry<'_>) -> bool {
    let name = split_parent(&e.path).1;
    let pem_like = name.ends_with(b".pem") || name.ends_with(b".key");
    let private_pem = || {
        let head = e
            .content
            .map(|c| content_prefix(c, e.size, 256))
            .unwrap_or_default();
        let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line.starts_with(b"-----BEGIN ") && line.ends_with(b"PRIVATE KEY-----")
    };
    [
        &b"id_rsa"[..],
        b"id_ed25519",
        b"id_ecdsa",
        b".env",
        b".npmrc",
        b".netrc",
        b".git-credentials",
        b".pypirc",
    ]
    .contains(&name)
        || e.path.ends_with(b"/.aws/credentials")
        || e.path.ends_with(b"/.docker/config.json")
        || (pem_like && private_pem())
}

fn common_ancestor(a: &[u8], b: &[u8]) -> Vec<u8> {
    let (a, b) = (components(a), components(b));
    let n = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    rejoin(&a[..n])
}

/// All expected findings, sorted by (kind, layer, path).
pub(crate) fn findings(added: &[(usize, Entry<'_>)], fs: &Fs, runs_as_root: bool) -> Vec<Finding> {
    let mut groups: BTreeMap<(FindingKind, usize, Vec<u8>), u64> = BTreeMap::new();
    let mut spans: BTreeMap<(FindingKind, usize), (Vec<u8>, u64)> = BTreeMap::new();
    for (layer, e) in added.iter().filter(|(_, e)| e.kind == EntryKind::File) {
        if let Some((kind, root)) = rooted(&e.path) {
            *groups.entry((kind, *layer, root)).or_default() += e.size;
        }
        if let Some(kind) = aggregated(&e.path) {
            let parent = split_parent(&e.path).0;
            let span = spans
                .entry((kind, *layer))
                .or_insert_with(|| (parent.to_vec(), 0));
            span.0 = common_ancestor(&span.0, parent);
            span.1 += e.size;
        }
        if is_secret(e) {
            groups.insert((FindingKind::Secret, *layer, e.path.clone()), e.size);
        }
    }
    for ((kind, layer), (root, bytes)) in spans {
        groups.insert((kind, layer, root), bytes);
    }
    for (path, node) in fs {
        if node.kind == EntryKind::File && node.mode & 0o6000 != 0 {
            groups.insert((FindingKind::Setuid, node.layer, path.clone()), node.size);
        }
        let sticky_dir = node.kind == EntryKind::Dir && node.mode & 0o1000 != 0;
        if node.kind != EntryKind::Symlink && node.mode & 0o002 != 0 && !sticky_dir {
            groups.insert(
                (FindingKind::WorldWritable, node.layer, path.clone()),
                node.size,
            );
        }
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .map(|((kind, layer, path), bytes)| Finding {
            kind,
            visible: fs.contains_key(&path),
            path: PathBytes(path),
            layer: Some(layer),
            bytes,
        })
        .collect();
    if runs_as_root {
        out.push(Finding {
            kind: FindingKind::RunsAsRoot,
            path: PathBytes(b"/".to_vec()),
            layer: None,
            visible: true,
            bytes: 0,
        });
    }
    out
}
