//! rpm's state as of a layer: its SQLite database with the WAL beside it, the ndb `Packages.db`
//! of openSUSE, or the Berkeley DB `Packages` file of older rpm, as the replay sees them.

use super::{Files, State, content, installed, unreadable};
use crate::packages::{DbFile, Record, rpm};
use crate::tree::{NodeId, Replay, Tree};

/// rpm's databases visible now, one per directory: the SQLite one with its WAL applied (a layer
/// may ship both), else the ndb one, else the Berkeley DB one (a file of an older format left
/// beside a newer one, as after `rpmdb --rebuilddb`, is stale: rpm reads the newer). A database that is too large to keep
/// or that does not parse leaves the state unknown, and says why in `problems`.
pub(super) fn read(
    tree: &Tree,
    replay: &Replay<'_>,
    nodes: &[(NodeId, DbFile)],
    state: &mut State,
    problems: &mut Vec<(NodeId, String)>,
) -> Option<()> {
    for &(node, kind) in nodes {
        if replay.get(node).is_none() {
            continue;
        }
        let records = match kind {
            DbFile::RpmSqlite => sqlite(tree, replay, node, problems)?,
            DbFile::RpmNdb if !beside(tree, replay, node, b"rpmdb.sqlite") => {
                whole(tree, replay, node, kind, problems)?
            }
            DbFile::RpmBdb
                if !beside(tree, replay, node, b"rpmdb.sqlite")
                    && !beside(tree, replay, node, b"Packages.db") =>
            {
                whole(tree, replay, node, kind, problems)?
            }
            _ => continue,
        };
        let location = tree
            .paths
            .parent(node)
            .map_or_else(String::new, |d| tree.paths.display(d));
        for r in records {
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

/// The packages of a database in one file (Berkeley DB or ndb).
fn whole(
    tree: &Tree,
    replay: &Replay<'_>,
    node: NodeId,
    kind: DbFile,
    problems: &mut Vec<(NodeId, String)>,
) -> Option<Vec<Record>> {
    if unreadable(tree, replay, node) {
        problems.push((node, too_large(kind)));
        return None;
    }
    let db = content(tree, replay, node)?;
    let (parsed, format) = if kind == DbFile::RpmNdb {
        (rpm::parse_ndb(db), "ndb")
    } else {
        (rpm::parse_bdb(db), "Berkeley DB")
    };
    parsed
        .map_err(|e| problems.push((node, not_read(format, &e))))
        .ok()
}

fn too_large(kind: DbFile) -> String {
    format!(
        "larger than the {} MiB read of an rpm database: its packages are not read",
        kind.max_bytes() >> 20
    )
}

fn not_read(format: &str, e: &impl std::fmt::Display) -> String {
    format!("not a readable rpm {format} database ({e}): its packages are not read")
}

/// Whether the file `name` is visible beside `node`.
fn beside(tree: &Tree, replay: &Replay<'_>, node: NodeId, name: &[u8]) -> bool {
    sibling(tree, node, name).is_some_and(|n| replay.get(n).is_some())
}

fn sibling(tree: &Tree, node: NodeId, name: &[u8]) -> Option<NodeId> {
    tree.paths
        .parent(node)
        .and_then(|dir| tree.paths.child(dir, name))
}

/// The packages of an rpmdb.sqlite with its `-wal` applied.
fn sqlite(
    tree: &Tree,
    replay: &Replay<'_>,
    node: NodeId,
    problems: &mut Vec<(NodeId, String)>,
) -> Option<Vec<Record>> {
    let mut name = tree.paths.name(node).to_vec();
    name.extend_from_slice(b"-wal");
    let wal = sibling(tree, node, &name);
    for (file, kind) in [(Some(node), DbFile::RpmSqlite), (wal, DbFile::RpmSqliteWal)] {
        if let Some(file) = file.filter(|&f| unreadable(tree, replay, f)) {
            problems.push((file, too_large(kind)));
            return None;
        }
    }
    let db = content(tree, replay, node)?;
    let wal = wal.and_then(|w| content(tree, replay, w));
    rpm::parse_sqlite(db, wal)
        .map_err(|e| problems.push((node, not_read("SQLite", &e))))
        .ok()
}
