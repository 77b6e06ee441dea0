//! Following a symlink or hardlink inside the filesystem as of one layer, for the details of the
//! selected file: where it ends up, or why it ends nowhere.

use std::collections::VecDeque;

use crate::layer::EntryKind;
use crate::tree::{NodeId, ROOT, Snapshot, Tree};

/// How many symlinks one resolution may follow (Linux's limit).
const MAX_HOPS: usize = 40;

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// An existing path.
    Target(NodeId),
    /// Nothing exists at this absolute path in the layer's filesystem.
    Dangling(String),
    /// More than [`MAX_HOPS`] symlinks on the way.
    Loop,
}

/// Follows the link at `node` (a symlink or hardlink visible in `snapshot`); `None` when `node`
/// is not a link.
pub fn resolve(tree: &Tree, snapshot: &Snapshot, node: NodeId) -> Option<Resolution> {
    let entry = snapshot.entry(tree, node)?;
    let target = tree.link(&entry);
    let mut cur = match entry.kind {
        // Hardlink targets are cleaned paths from the root.
        EntryKind::Hardlink => ROOT,
        EntryKind::Symlink if target.starts_with(b"/") => ROOT,
        EntryKind::Symlink => tree.paths.parent(node).unwrap_or(ROOT),
        _ => return None,
    };
    let mut pending: VecDeque<Vec<u8>> = components(target).collect();
    let mut hops = 0;
    while let Some(name) = pending.pop_front() {
        match name.as_slice() {
            b"." => {}
            b".." => cur = tree.paths.parent(cur).unwrap_or(ROOT),
            _ => {
                let found = tree
                    .paths
                    .child(cur, &name)
                    .filter(|&c| snapshot.visible(c).is_some());
                let Some(child) = found else {
                    let mut path = tree.paths.path(cur);
                    for rest in std::iter::once(&name).chain(pending.iter()) {
                        if path.last() != Some(&b'/') {
                            path.push(b'/');
                        }
                        path.extend_from_slice(rest);
                    }
                    return Some(Resolution::Dangling(
                        String::from_utf8_lossy(&path).into_owned(),
                    ));
                };
                let child_entry = tree.entry_at(child, snapshot.visible(child)?);
                if child_entry.kind == EntryKind::Symlink {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Some(Resolution::Loop);
                    }
                    let link = tree.link(&child_entry);
                    if link.starts_with(b"/") {
                        cur = ROOT;
                    }
                    for part in components(link).collect::<Vec<_>>().into_iter().rev() {
                        pending.push_front(part);
                    }
                } else {
                    cur = child;
                }
            }
        }
    }
    Some(Resolution::Target(cur))
}

fn components(path: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TarBuilder, app_user, image_of};

    fn resolve_at(image: &crate::image::Image, path: &[u8]) -> Option<Resolution> {
        let snap = Snapshot::at(&image.tree, image.tree.layers.len() - 1);
        let node = image.tree.paths.find(path).unwrap();
        resolve(&image.tree, &snap, node)
    }

    #[test]
    fn follows_relative_absolute_and_chained_links() {
        let image = image_of(
            vec![
                TarBuilder::new()
                    .file("usr/lib/libz.so.1.3", 10)
                    .symlink("usr/lib/libz.so.1", "libz.so.1.3")
                    .symlink("usr/lib/libz.so", "/usr/lib/libz.so.1")
                    .symlink("lib", "usr/lib")
                    .symlink("usr/bin/z", "../../lib/libz.so"),
            ],
            app_user(),
        );
        let target = image.tree.paths.find(b"usr/lib/libz.so.1.3").unwrap();
        assert_eq!(
            resolve_at(&image, b"usr/lib/libz.so"),
            Some(Resolution::Target(target))
        );
        assert_eq!(
            resolve_at(&image, b"usr/bin/z"),
            Some(Resolution::Target(target))
        );
        assert_eq!(resolve_at(&image, b"usr/lib/libz.so.1.3"), None);
    }

    #[test]
    fn reports_dangling_links_and_loops() {
        let image = image_of(
            vec![
                TarBuilder::new()
                    .symlink("a", "missing/file")
                    .symlink("b", "c")
                    .symlink("c", "b"),
            ],
            app_user(),
        );
        assert_eq!(
            resolve_at(&image, b"a"),
            Some(Resolution::Dangling("/missing/file".into()))
        );
        assert_eq!(resolve_at(&image, b"b"), Some(Resolution::Loop));
    }

    #[test]
    fn a_link_whose_target_a_later_layer_deleted_dangles() {
        let image = image_of(
            vec![
                TarBuilder::new()
                    .file("etc/real", 3)
                    .symlink("etc/l", "real"),
                TarBuilder::new().whiteout("etc/real"),
            ],
            app_user(),
        );
        assert_eq!(
            resolve_at(&image, b"etc/l"),
            Some(Resolution::Dangling("/etc/real".into()))
        );
    }
}
