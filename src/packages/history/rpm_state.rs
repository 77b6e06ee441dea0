//! rpm's state as of a layer: its SQLite database with the WAL beside it, as the replay sees
//! them.

use super::{Files, State, content, installed, unreadable};
use crate::packages::{DbFile, rpm};
use crate::tree::{NodeId, Replay, Tree};

/// rpm's SQLite database with its WAL applied (a layer may ship both). A database that is too
/// large to keep or that does not parse leaves the state unknown.
pub(super) fn read(
    tree: &Tree,
    replay: &Replay<'_>,
    nodes: &[(NodeId, DbFile)],
    state: &mut State,
) -> Option<()> {
    for &(node, kind) in nodes {
        if kind != DbFile::RpmSqlite || replay.get(node).is_none() {
            continue;
        }
        let wal = tree.paths.parent(node).and_then(|dir| {
            let mut name = tree.paths.name(node).to_vec();
            name.extend_from_slice(b"-wal");
            tree.paths.child(dir, &name)
        });
        if unreadable(tree, replay, node) || wal.is_some_and(|w| unreadable(tree, replay, w)) {
            return None;
        }
        let db = content(tree, replay, node)?;
        let wal = wal.and_then(|w| content(tree, replay, w));
        let location = tree
            .paths
            .parent(node)
            .map_or_else(String::new, |d| tree.paths.display(d));
        for r in rpm::parse_sqlite(db, wal).ok()? {
            let mut key = r.name.clone();
            if state.contains_key(&(location.clone(), key.clone())) {
                key = format!("{}-{}", r.name, r.version);
            }
            let mut p = installed(key.clone(), r.version, Files::Listed(r.files));
            p.depends = r.depends;
            p.provides = r.provides;
            state.insert((location.clone(), key), p);
        }
    }
    Some(())
}
