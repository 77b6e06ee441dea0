//! The independent oracle: a naive simulation of the layered filesystem over a `BTreeMap`,
//! producing the figures plummet must report. Obviously correct beats fast here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::content::write_content;
use crate::entries::{Entry, EntryKind, join, layer_entries, split_parent};
use crate::findings::{Finding, findings};
use crate::spec::ImageSpec;

/// A path as bytes; serialized as a (lossy) UTF-8 string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PathBytes(pub Vec<u8>);

impl Serialize for PathBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

impl PartialEq<&str> for PathBytes {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// Everything plummet should find in an image.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expected {
    pub size_bytes: u64,
    pub user_size_bytes: u64,
    pub wasted_bytes: u64,
    pub user_wasted_ratio: f64,
    pub efficiency: f64,
    pub reclaimable_bytes: u64,
    pub runs_as_root: bool,
    pub layers: Vec<LayerFigures>,
    /// Paths touched two or more times, with their touches in order.
    pub wasted: Vec<WastedPath>,
    /// The final merged filesystem, sorted by path (directories included).
    pub files: Vec<VisibleFile>,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerFigures {
    pub index: usize,
    pub size_bytes: u64,
    pub file_count: u64,
    /// Distinct non-directory paths of this layer absent from the layers below.
    pub added: u64,
    /// Distinct non-directory paths of this layer present in the layers below.
    pub modified: u64,
    /// Non-directory paths below deleted by this layer's whiteouts and opaque dirs.
    pub removed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WastedPath {
    pub path: PathBytes,
    pub touches: Vec<u64>,
    pub total: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VisibleFile {
    pub path: PathBytes,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    /// The layer whose entry is visible.
    pub layer: usize,
    /// SHA-256 of the bytes of a regular file, or of the file a hardlink names in its own layer;
    /// `None` otherwise. Not serialized: it is for comparing two images' files (`plummet diff`).
    #[serde(skip)]
    pub content: Option<[u8; 32]>,
}

/// A node of the merged filesystem.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub layer: usize,
    pub content: Option<[u8; 32]>,
}

pub(crate) type Fs = BTreeMap<Vec<u8>, Node>;

/// Strict descendants of `dir` in `fs` (paths starting with `dir/`).
pub(crate) fn descendants(fs: &Fs, dir: &[u8]) -> Vec<Vec<u8>> {
    let prefix = if dir == b"/" {
        b"/".to_vec()
    } else {
        [dir, b"/"].concat()
    };
    fs.range(prefix.clone()..)
        .map(|(p, _)| p)
        .take_while(|p| p.starts_with(&prefix))
        .filter(|p| p.as_slice() != b"/")
        .cloned()
        .collect()
}

/// What a whiteout marker entry deletes, if it is one: `Some((dir, None))` for an opaque
/// marker of `dir`, `Some((parent, Some(target)))` for `.wh.name`.
fn marker(path: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let (parent, name) = split_parent(path);
    if name == b".wh..wh..opq" {
        return Some((parent.to_vec(), None));
    }
    let target = name.strip_prefix(b".wh.")?;
    Some((parent.to_vec(), Some(join(parent, target))))
}

struct Sim {
    fs: Fs,
    touches: BTreeMap<Vec<u8>, Vec<u64>>,
    entry_bytes: u64,
}

impl Sim {
    /// Deletes `paths` (and touches each deleted non-directory with 0); returns how many
    /// non-directories went.
    fn delete(&mut self, paths: Vec<Vec<u8>>) -> u64 {
        let mut removed = 0;
        for path in paths {
            if let Some(node) = self.fs.remove(&path)
                && node.kind != EntryKind::Dir
            {
                self.touches.entry(path).or_default().push(0);
                removed += 1;
            }
        }
        removed
    }

    fn apply_marker(&mut self, dir: &[u8], target: Option<&[u8]>) -> u64 {
        match target {
            None => {
                let below = descendants(&self.fs, dir);
                self.delete(below)
            }
            Some(target) if self.fs.contains_key(target) => {
                let mut doomed = descendants(&self.fs, target);
                doomed.push(target.to_vec());
                self.delete(doomed)
            }
            Some(_) => 0,
        }
    }

    /// Adds an entry. What it replaces of another shape is deleted, as overlayfs does: a file in
    /// the way of a directory, or everything below a directory a non-directory replaces.
    /// Returns how many non-directories that deleted.
    fn add(&mut self, e: &Entry<'_>, content: Option<[u8; 32]>, layer: usize, touch: bool) -> u64 {
        let mut removed = 0;
        let mut dir = split_parent(&e.path).0.to_vec();
        let mut ancestors = Vec::new();
        while dir != b"/" {
            ancestors.push(dir.clone());
            dir = split_parent(&dir).0.to_vec();
        }
        for dir in ancestors.into_iter().rev() {
            if self.fs.get(&dir).is_some_and(|n| n.kind != EntryKind::Dir) {
                removed += self.delete(vec![dir.clone()]);
            }
            self.fs.entry(dir.clone()).or_insert(Node {
                kind: EntryKind::Dir,
                size: 0,
                mode: 0o755,
                layer,
                content: None,
            });
        }
        let replaced_dir = self
            .fs
            .get(&e.path)
            .is_some_and(|n| n.kind == EntryKind::Dir);
        if e.kind != EntryKind::Dir {
            self.entry_bytes += e.size;
            if replaced_dir {
                let below = descendants(&self.fs, &e.path);
                removed += self.delete(below);
            }
            if touch {
                self.touches.entry(e.path.clone()).or_default().push(e.size);
            }
        }
        self.fs.insert(
            e.path.clone(),
            Node {
                kind: e.kind,
                size: e.size,
                mode: e.mode,
                layer,
                content,
            },
        );
        removed
    }
}

/// Computes the expected figures of `spec` by direct simulation.
pub fn expected(spec: &ImageSpec) -> Expected {
    let mut sim = Sim {
        fs: Fs::new(),
        touches: BTreeMap::new(),
        entry_bytes: 0,
    };
    let mut layers = Vec::new();
    let mut added_files = Vec::new();
    for (index, layer) in spec.layers.iter().enumerate() {
        let entries = layer_entries(layer);
        let below = sim.fs.clone();
        let mut removed = 0;
        for e in &entries {
            if let Some((dir, target)) = marker(&e.path) {
                removed += sim.apply_marker(&dir, target.as_deref());
            }
        }
        let contents = contents(&entries);
        let mut changed = BTreeSet::new();
        // A path written twice in one layer is touched once, by its last entry (as in dive).
        let last: BTreeMap<&[u8], usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| marker(&e.path).is_none())
            .map(|(i, e)| (e.path.as_slice(), i))
            .collect();
        for (i, e) in entries
            .iter()
            .enumerate()
            .filter(|(_, e)| marker(&e.path).is_none())
        {
            let touch = last.get(e.path.as_slice()) == Some(&i);
            removed += sim.add(e, contents[i], index, touch);
            if e.kind != EntryKind::Dir {
                changed.insert(e.path.clone());
                added_files.push((index, e.clone()));
            }
        }
        let added = changed.iter().filter(|p| !below.contains_key(*p)).count() as u64;
        layers.push(LayerFigures {
            index,
            size_bytes: entries.iter().map(|e| e.size).sum(),
            file_count: entries
                .iter()
                .filter(|e| e.kind != EntryKind::Dir && marker(&e.path).is_none())
                .count() as u64,
            added,
            modified: changed.len() as u64 - added,
            removed,
        });
    }
    summarize(spec, sim, layers, &added_files)
}

/// The SHA-256 of each entry's bytes: regular files hash what the tar writer writes, a hardlink
/// takes that of the latest entry of this layer at its target before it, the rest have none.
fn contents(entries: &[Entry<'_>]) -> Vec<Option<[u8; 32]>> {
    let mut by_path: BTreeMap<&[u8], [u8; 32]> = BTreeMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let digest = match (e.kind, e.content) {
            (EntryKind::File, _) if marker(&e.path).is_some() => None,
            (EntryKind::File, Some(content)) => {
                let mut hasher = Sha256::new();
                // Hashing into memory cannot fail; a failure would leave the digest unknown.
                write_content(content, e.size, &mut hasher)
                    .ok()
                    .map(|()| hasher.finalize().into())
            }
            (EntryKind::File, None) => Some(Sha256::digest(b"").into()),
            (EntryKind::Hardlink, _) => by_path.get(e.link.as_slice()).copied(),
            _ => None,
        };
        match digest {
            Some(d) => by_path.insert(&e.path, d),
            None => by_path.remove(e.path.as_slice()),
        };
        out.push(digest);
    }
    out
}

fn summarize(
    spec: &ImageSpec,
    sim: Sim,
    layers: Vec<LayerFigures>,
    added: &[(usize, Entry<'_>)],
) -> Expected {
    let size_bytes: u64 = layers.iter().map(|l| l.size_bytes).sum();
    let user_size_bytes = size_bytes - layers.first().map_or(0, |l| l.size_bytes);
    let all: u64 = sim.touches.values().flatten().sum();
    let smallest: u64 = sim.touches.values().filter_map(|t| t.iter().min()).sum();
    let wasted: Vec<WastedPath> = sim
        .touches
        .iter()
        .filter(|(_, t)| t.len() >= 2)
        .map(|(p, t)| WastedPath {
            path: PathBytes(p.clone()),
            touches: t.clone(),
            total: t.iter().sum(),
        })
        .collect();
    let wasted_bytes: u64 = wasted.iter().map(|w| w.total).sum();
    let visible_bytes: u64 = sim
        .fs
        .values()
        .filter(|n| n.kind != EntryKind::Dir)
        .map(|n| n.size)
        .sum();
    let user = spec.config.user.as_deref().unwrap_or("");
    let runs_as_root =
        matches!(user, "" | "root" | "0") || user.starts_with("root:") || user.starts_with("0:");
    Expected {
        size_bytes,
        user_size_bytes,
        wasted_bytes,
        user_wasted_ratio: if user_size_bytes == 0 {
            0.0
        } else {
            wasted_bytes as f64 / user_size_bytes as f64
        },
        efficiency: if all == 0 {
            1.0
        } else {
            smallest as f64 / all as f64
        },
        reclaimable_bytes: sim.entry_bytes - visible_bytes,
        runs_as_root,
        layers,
        wasted,
        files: sim
            .fs
            .iter()
            .map(|(p, n)| VisibleFile {
                path: PathBytes(p.clone()),
                kind: n.kind,
                size: n.size,
                mode: n.mode,
                layer: n.layer,
                content: n.content,
            })
            .collect(),
        findings: findings(added, &sim.fs, runs_as_root),
    }
}
