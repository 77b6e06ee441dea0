//! Which entry holds a path's bytes as of one layer: the path looked up in the merged tree of
//! that layer (whiteouts and opaque directories applied by the snapshot), symlinks followed
//! inside the image, hardlinks taken to the file they share content with.

use crate::layer::{EntryKind, clean_path};
use crate::tree::{NodeId, ROOT, Snapshot, Tree};

/// How many symlinks one lookup may follow (Linux's limit).
const MAX_HOPS: usize = 40;
/// Hardlinks followed in a row (a chain, or a loop in a hostile layer).
const MAX_HARDLINKS: usize = 16;

/// A path found in the filesystem as of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The node reached (after symlinks, when they were followed).
    pub node: NodeId,
    /// The entry visible there, `None` for an implied directory.
    pub entry: Option<(usize, usize)>,
    pub kind: EntryKind,
}

/// Where a regular file's bytes are: the `occurrence`-th member named `path` in layer `layer`'s
/// tar (a layer may hold the same path twice; the later one wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub layer: usize,
    pub entry: usize,
    pub path: Vec<u8>,
    pub occurrence: u32,
    pub size: u64,
}

/// Why a path has no content to show. Paths in messages are escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error(
        "/{path}: no such file or directory as of layer {layer}; the nearest existing parent is {parent}"
    )]
    Missing {
        path: String,
        layer: usize,
        parent: String,
    },
    #[error("/{path} is a directory: use `plummet extract IMAGE /{path} -o DIR` for its files")]
    Directory { path: String },
    #[error("/{path} is a symlink to {target}, which does not exist as of layer {layer}")]
    Dangling {
        path: String,
        target: String,
        layer: usize,
    },
    #[error("/{path}: too many levels of symbolic links")]
    Loop { path: String },
    #[error("/{path} is a {kind}, which has no content to read")]
    Special { path: String, kind: &'static str },
    #[error("/{path} is a hardlink to {target}, which does not exist as of layer {layer}")]
    BrokenHardlink {
        path: String,
        target: String,
        layer: usize,
    },
}

/// A node's path relative to the root, as tar members name it (`etc/hosts`; empty for `/`).
pub fn relative(tree: &Tree, node: NodeId) -> Vec<u8> {
    let mut path = tree.paths.path(node);
    path.remove(0);
    path
}

/// Shown path of a node, escaped, without the leading slash.
fn shown(tree: &Tree, node: NodeId) -> String {
    crate::layer::excerpt(&relative(tree, node))
}

fn shown_abs(tree: &Tree, node: NodeId) -> String {
    format!("/{}", shown(tree, node))
}

/// Looks `path` (absolute or relative to the root) up as of `snapshot`'s layer. Symlinks on the
/// way are followed; the last component's symlink too when `follow_last`.
pub fn lookup(
    tree: &Tree,
    snapshot: &Snapshot,
    path: &[u8],
    follow_last: bool,
) -> Result<Found, LookupError> {
    let cleaned = clean(path);
    let mut pending: Vec<Vec<u8>> = components(&cleaned).rev().collect();
    let mut cur = ROOT;
    let mut hops = 0;
    let asked = crate::layer::excerpt(&cleaned);
    // Set while resolving the last component's symlink: a miss then names the link's target.
    let mut final_target: Option<Vec<u8>> = None;
    while let Some(name) = pending.pop() {
        if name == b".." {
            cur = tree.paths.parent(cur).unwrap_or(ROOT);
            continue;
        }
        let child = tree
            .paths
            .child(cur, &name)
            .filter(|&c| snapshot.visible(c).is_some());
        let Some(child) = child else {
            if let Some(target) = final_target {
                return Err(LookupError::Dangling {
                    path: asked,
                    target: format!("/{}", crate::layer::excerpt(&target)),
                    layer: snapshot.layer,
                });
            }
            let parent_is_dir = found(tree, snapshot, cur).kind == EntryKind::Dir;
            return Err(LookupError::Missing {
                path: asked,
                layer: snapshot.layer,
                parent: if parent_is_dir {
                    shown_abs(tree, cur)
                } else {
                    format!("{} (not a directory)", shown_abs(tree, cur))
                },
            });
        };
        let here = found(tree, snapshot, child);
        let last = pending.is_empty();
        if here.kind == EntryKind::Symlink && (!last || follow_last) {
            hops += 1;
            if hops > MAX_HOPS {
                return Err(LookupError::Loop { path: asked });
            }
            let Some((layer, entry)) = here.entry else {
                return Err(LookupError::Loop { path: asked });
            };
            let link = tree.link(&tree.layers[layer].entries[entry]);
            if link.starts_with(b"/") {
                cur = ROOT;
            }
            if last {
                let mut target = relative(tree, cur);
                target.push(b'/');
                target.extend_from_slice(link);
                final_target = Some(clean(&target));
            }
            pending.extend(components(link).rev());
            continue;
        }
        cur = child;
    }
    Ok(found(tree, snapshot, cur))
}

fn clean(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    clean_path(path, &mut out);
    out
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = Vec<u8>> + '_ {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
}

/// The entry visible at a node that the snapshot shows.
fn found(tree: &Tree, snapshot: &Snapshot, node: NodeId) -> Found {
    match snapshot.visible(node) {
        Some(v) => {
            let entry = v.entry().map(|e| (v.layer() as usize, e as usize));
            let kind = entry.map_or(EntryKind::Dir, |(l, e)| tree.layers[l].entries[e].kind);
            Found { node, entry, kind }
        }
        None => Found {
            node,
            entry: None,
            kind: EntryKind::Dir,
        },
    }
}

/// The tar member holding a regular file's bytes, for a file or a hardlink found by
/// [`lookup`]. A hardlink's content is the file it names: an earlier member of the same layer,
/// else the file visible at that path below.
pub fn member(tree: &Tree, snapshot: &Snapshot, found: Found) -> Result<Member, LookupError> {
    let path = || shown(tree, found.node);
    let (mut layer, mut entry) = match (found.kind, found.entry) {
        (EntryKind::Dir, _) | (_, None) => return Err(LookupError::Directory { path: path() }),
        (EntryKind::File | EntryKind::Hardlink, Some(at)) => at,
        (kind, Some(_)) => {
            return Err(LookupError::Special {
                path: path(),
                kind: kind_name(kind),
            });
        }
    };
    for _ in 0..MAX_HARDLINKS {
        let e = tree.layers[layer].entries[entry];
        if e.kind == EntryKind::File {
            return Ok(Member {
                layer,
                entry,
                path: relative(tree, e.node),
                occurrence: occurrence(tree, layer, entry),
                size: e.size,
            });
        }
        if e.kind != EntryKind::Hardlink {
            return Err(LookupError::Special {
                path: path(),
                kind: kind_name(e.kind),
            });
        }
        let target = tree.link(&e);
        let broken = || LookupError::BrokenHardlink {
            path: path(),
            target: format!("/{}", crate::layer::excerpt(target)),
            layer: snapshot.layer,
        };
        let node = tree.paths.find(target).ok_or_else(broken)?;
        // An earlier member of the same layer, as tar hardlinks are written.
        let earlier = tree.layers[layer].entries[..entry]
            .iter()
            .rposition(|x| x.node == node && !x.kind.is_marker());
        if let Some(i) = earlier {
            entry = i;
            continue;
        }
        // Else the file visible there from a lower layer.
        let lower = Snapshot::at(tree, layer.checked_sub(1).ok_or_else(broken)?);
        let v = lower.visible(node).ok_or_else(broken)?;
        let e = v.entry().ok_or_else(broken)?;
        (layer, entry) = (v.layer() as usize, e as usize);
    }
    Err(LookupError::Loop { path: path() })
}

/// How many entries of the same path (not deletion markers) come before `entry` in its layer.
fn occurrence(tree: &Tree, layer: usize, entry: usize) -> u32 {
    let entries = &tree.layers[layer].entries;
    let node = entries[entry].node;
    entries[..entry]
        .iter()
        .filter(|e| e.node == node && !e.kind.is_marker())
        .count() as u32
}

pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "file",
        EntryKind::Dir => "directory",
        EntryKind::Symlink => "symlink",
        EntryKind::Hardlink => "hardlink",
        EntryKind::CharDevice => "character device",
        EntryKind::BlockDevice => "block device",
        EntryKind::Fifo => "FIFO",
        EntryKind::Whiteout | EntryKind::Opaque => "deletion marker",
    }
}

#[cfg(test)]
#[path = "locate_tests.rs"]
mod tests;
