//! The final filesystems of two images compared path by path. The two trees live in two
//! different path tries, so they are walked side by side without recursion, each directory's
//! visible children sorted by name and merge-joined. Content is compared by size and, where both
//! images were read with them, by the files' content fingerprints (see `layer::Fingerprint`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::analysis::Analysis;
use crate::image::Image;
use crate::layer::{EntryKind, Fingerprint};
use crate::tree::{Entry, NodeId, ROOT, Tree, Visible};

/// One image's final filesystem.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    tree: &'a Tree,
    state: &'a [Option<Visible>],
}

impl<'a> Side<'a> {
    pub fn new(image: &'a Image, analysis: &'a Analysis) -> Side<'a> {
        Side {
            tree: &image.tree,
            state: &analysis.final_state,
        }
    }

    fn entry(self, node: NodeId) -> Option<Entry> {
        let v = (*self.state.get(node as usize)?)?;
        Some(self.tree.entry_at(node, v))
    }

    fn fingerprint(self, node: NodeId) -> Option<Fingerprint> {
        let v = (*self.state.get(node as usize)?)?;
        self.tree.fingerprint(v)
    }

    /// Visible children of a directory, sorted by name.
    fn children(self, node: NodeId) -> Vec<NodeId> {
        let mut v: Vec<NodeId> = self
            .tree
            .paths
            .children(node)
            .filter(|&c| self.state.get(c as usize).is_some_and(Option::is_some))
            .collect();
        v.sort_by(|&x, &y| self.tree.paths.name(x).cmp(self.tree.paths.name(y)));
        v
    }
}

/// How a path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathChange {
    Added,
    Removed,
    Changed,
}

impl PathChange {
    pub fn name(self) -> &'static str {
        match self {
            PathChange::Added => "added",
            PathChange::Removed => "removed",
            PathChange::Changed => "changed",
        }
    }
}

/// What changed about a path present in both images.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aspects {
    /// The bytes differ: the sizes differ, or both content fingerprints are known and differ.
    pub content: bool,
    pub mode: bool,
    /// uid or gid.
    pub owner: bool,
    pub kind: bool,
    pub link: bool,
}

impl Aspects {
    /// The names of the aspects that changed, in a fixed order.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.content, "content"),
            (self.mode, "mode"),
            (self.owner, "owner"),
            (self.kind, "kind"),
            (self.link, "link"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    fn any(self) -> bool {
        self.content || self.mode || self.owner || self.kind || self.link
    }
}

/// A path's permission bits (without the file type bits) and owner on one side, to say what a
/// mode or owner change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// setuid, setgid, sticky and rwx for user, group and others.
const PERMISSION_BITS: u32 = 0o7777;

impl Meta {
    fn of(e: &Entry) -> Meta {
        Meta {
            mode: e.mode & PERMISSION_BITS,
            uid: e.uid,
            gid: e.gid,
        }
    }
}

/// One path that differs between the final filesystems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Absolute path, as bytes.
    pub path: Vec<u8>,
    pub change: PathChange,
    pub kind_a: Option<EntryKind>,
    pub kind_b: Option<EntryKind>,
    /// File bytes in A and B (0 when absent or not file-like).
    pub bytes_a: u64,
    pub bytes_b: u64,
    /// For [`PathChange::Changed`], what differs.
    pub aspects: Aspects,
    /// Mode and owner in A and B (absent on a side without the path).
    pub meta_a: Option<Meta>,
    pub meta_b: Option<Meta>,
}

impl FileChange {
    pub fn delta(&self) -> i64 {
        super::delta(self.bytes_a, self.bytes_b)
    }

    /// Whether the path is a directory on every side it exists on.
    pub fn is_dir(&self) -> bool {
        [self.kind_a, self.kind_b]
            .into_iter()
            .flatten()
            .all(|k| k == EntryKind::Dir)
    }

    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.path).into_owned()
    }
}

/// A directory's share of the difference: sums over the changed files below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirChange {
    pub path: Vec<u8>,
    /// Bytes of the changed files below it, in A and in B.
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
}

impl DirChange {
    pub fn delta(&self) -> i64 {
        super::delta(self.bytes_a, self.bytes_b)
    }

    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.path).into_owned()
    }
}

fn bytes(e: Option<&Entry>) -> u64 {
    e.filter(|e| e.kind.is_file_like()).map_or(0, |e| e.size)
}

fn aspects(a: Side<'_>, x: &Entry, b: Side<'_>, y: &Entry) -> Aspects {
    let rewritten = || match (a.fingerprint(x.node), b.fingerprint(y.node)) {
        (Some(fx), Some(fy)) => fx != fy,
        // Without both fingerprints, only a size change shows new content.
        _ => false,
    };
    Aspects {
        content: x.kind.is_file_like()
            && y.kind.is_file_like()
            && (x.size != y.size || rewritten()),
        // Permission bits only: Docker's layer tars carry the file type bits in the mode field
        // (0o40755 for a directory) and other tools' do not, which is no change to the file.
        mode: x.mode & PERMISSION_BITS != y.mode & PERMISSION_BITS,
        owner: x.uid != y.uid || x.gid != y.gid,
        kind: x.kind != y.kind,
        link: a.tree.link(x) != b.tree.link(y),
    }
}

/// Compares the final filesystems; changes come in tree order, names sorted bytewise.
pub fn compare(a: Side<'_>, b: Side<'_>) -> Vec<FileChange> {
    let mut out = Vec::new();
    // Pairs still to visit, pushed in reverse so that they pop in name order.
    let mut stack: Vec<(Option<NodeId>, Option<NodeId>)> = vec![(Some(ROOT), Some(ROOT))];
    while let Some((na, nb)) = stack.pop() {
        let is_root = na == Some(ROOT) || nb == Some(ROOT);
        let ea = na.and_then(|n| a.entry(n));
        let eb = nb.and_then(|n| b.entry(n));
        if !is_root {
            let change = match (&ea, &eb) {
                (Some(x), Some(y)) => {
                    let asp = aspects(a, x, b, y);
                    asp.any().then_some((PathChange::Changed, asp))
                }
                (None, Some(_)) => Some((PathChange::Added, Aspects::default())),
                (Some(_), None) => Some((PathChange::Removed, Aspects::default())),
                (None, None) => None,
            };
            if let Some((change, aspects)) = change {
                let path = match (na, nb) {
                    (Some(n), _) => a.tree.paths.path(n),
                    (None, Some(n)) => b.tree.paths.path(n),
                    (None, None) => Vec::new(),
                };
                out.push(FileChange {
                    path,
                    change,
                    kind_a: ea.map(|e| e.kind),
                    kind_b: eb.map(|e| e.kind),
                    bytes_a: bytes(ea.as_ref()),
                    bytes_b: bytes(eb.as_ref()),
                    aspects,
                    meta_a: ea.as_ref().map(Meta::of),
                    meta_b: eb.as_ref().map(Meta::of),
                });
            }
        }
        let dir = |e: &Option<Entry>| is_root || e.is_some_and(|e| e.kind == EntryKind::Dir);
        let ca = na
            .filter(|_| dir(&ea))
            .map(|n| a.children(n))
            .unwrap_or_default();
        let cb = nb
            .filter(|_| dir(&eb))
            .map(|n| b.children(n))
            .unwrap_or_default();
        let start = stack.len();
        let (mut i, mut j) = (0, 0);
        while i < ca.len() || j < cb.len() {
            let order = match (ca.get(i), cb.get(j)) {
                (Some(&x), Some(&y)) => a.tree.paths.name(x).cmp(b.tree.paths.name(y)),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    stack.push((Some(ca[i]), None));
                    i += 1;
                }
                Ordering::Greater => {
                    stack.push((None, Some(cb[j])));
                    j += 1;
                }
                Ordering::Equal => {
                    stack.push((Some(ca[i]), Some(cb[j])));
                    i += 1;
                    j += 1;
                }
            }
        }
        stack[start..].reverse();
    }
    out
}

/// Sums the changed non-directory paths into every directory above them (not `/`), largest
/// absolute delta first, then by path.
pub fn aggregate(files: &[FileChange]) -> Vec<DirChange> {
    let mut dirs: BTreeMap<&[u8], DirChange> = BTreeMap::new();
    for f in files.iter().filter(|f| !f.is_dir()) {
        let ends = f
            .path
            .iter()
            .enumerate()
            .skip(1)
            .filter(|&(_, &c)| c == b'/')
            .map(|(i, _)| i);
        for end in ends {
            let prefix = &f.path[..end];
            let d = dirs.entry(prefix).or_insert_with(|| DirChange {
                path: prefix.to_vec(),
                bytes_a: 0,
                bytes_b: 0,
                added: 0,
                removed: 0,
                changed: 0,
            });
            d.bytes_a += f.bytes_a;
            d.bytes_b += f.bytes_b;
            match f.change {
                PathChange::Added => d.added += 1,
                PathChange::Removed => d.removed += 1,
                PathChange::Changed => d.changed += 1,
            }
        }
    }
    let mut v: Vec<DirChange> = dirs.into_values().collect();
    v.sort_by(|x, y| {
        y.delta()
            .unsigned_abs()
            .cmp(&x.delta().unsigned_abs())
            .then_with(|| x.path.cmp(&y.path))
    });
    v
}
