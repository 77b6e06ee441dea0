//! Package changes as of each layer: replays the layers, re-reads an ecosystem's databases
//! whenever one of its files changed (a database file in layer N describes the state after N),
//! and diffs successive states to find the layer that installed, upgraded or removed each package.

use std::collections::{BTreeMap, HashMap};

use super::{
    Change, DbFile, Ecosystem, Package, Unreadable, apk, database_file, dpkg, npm, python,
};
use crate::layer::EntryKind;
use crate::tree::{NodeId, ROOT, Replay, Tree, Visible};

mod rpm_state;

const ECOSYSTEMS: [Ecosystem; 5] = [
    Ecosystem::Deb,
    Ecosystem::Apk,
    Ecosystem::Rpm,
    Ecosystem::Python,
    Ecosystem::Npm,
];

/// The packages of an image and the files they own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// One row per change, in layer order.
    pub list: Vec<Package>,
    /// `(file, index into list)`, sorted by file: the change whose layer shipped the file.
    owners: Vec<(NodeId, u32)>,
    /// The database files that could not be read, in layer order.
    pub unreadable: Vec<Unreadable>,
}

impl Inventory {
    /// The package whose database lists `node`, as shipped by the latest layer that did.
    pub fn owner(&self, node: NodeId) -> Option<&Package> {
        let i = self.owners.binary_search_by_key(&node, |o| o.0).ok()?;
        self.list.get(self.owners[i].1 as usize)
    }

    /// The index into `list` of [`Inventory::owner`].
    pub fn owner_index(&self, node: NodeId) -> Option<usize> {
        let i = self.owners.binary_search_by_key(&node, |o| o.0).ok()?;
        Some(self.owners[i].1 as usize)
    }

    /// Every owned file with the index of the change that shipped it last.
    pub fn owned(&self) -> impl Iterator<Item = (NodeId, usize)> + '_ {
        self.owners.iter().map(|&(n, i)| (n, i as usize))
    }
}

/// What an ecosystem says is installed: `(location, key name)` -> package.
type State = BTreeMap<(String, String), Installed>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Installed {
    name: String,
    version: String,
    files: Files,
    depends: Vec<String>,
    provides: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Files {
    /// Absolute paths from the database.
    Listed(Vec<Vec<u8>>),
    /// Everything below a directory except nested node_modules (npm).
    Below(NodeId),
}

/// Reads every package database of the image as of each layer.
pub fn find(tree: &Tree) -> Inventory {
    let mut db: BTreeMap<Ecosystem, Vec<(NodeId, DbFile)>> = BTreeMap::new();
    let mut known = std::collections::HashSet::new();
    for (layer, entry, _) in tree.captures() {
        let node = tree.layers[layer].entries[entry].node;
        if !known.insert(node) {
            continue;
        }
        let path = tree.paths.path(node);
        if let Some(kind) = database_file(path.get(1..).unwrap_or_default()) {
            db.entry(kind.ecosystem()).or_default().push((node, kind));
        }
    }
    let mut inventory = Inventory::default();
    if db.is_empty() {
        return inventory;
    }
    let mut owners = HashMap::new();
    let mut replay = Replay::new(tree);
    let mut states: BTreeMap<Ecosystem, State> = BTreeMap::new();
    let mut seen: BTreeMap<Ecosystem, Vec<Option<Visible>>> = BTreeMap::new();
    while replay.step(|_| {}) {
        let layer = replay.next_layer() - 1;
        let mut shipped: Option<HashMap<NodeId, u64>> = None;
        for eco in ECOSYSTEMS {
            let Some(nodes) = db.get(&eco) else { continue };
            let signature: Vec<_> = nodes.iter().map(|(n, _)| replay.get(*n)).collect();
            if seen.get(&eco).is_some_and(|s| *s == signature) {
                continue;
            }
            seen.insert(eco, signature);
            let mut problems = Vec::new();
            let state = read_state(tree, &replay, eco, nodes, &mut problems);
            inventory
                .unreadable
                .extend(problems.into_iter().map(|(node, why)| Unreadable {
                    layer,
                    path: tree.paths.path(node),
                    why,
                }));
            let Some(state) = state else {
                continue;
            };
            let old = states.remove(&eco).unwrap_or_default();
            let shipped = shipped.get_or_insert_with(|| shipped_files(tree, layer));
            let first = inventory.list.len();
            changes(eco, layer, &old, &state, &mut inventory.list);
            count_bytes(
                tree,
                &replay,
                &state,
                shipped,
                first,
                &mut inventory.list,
                &mut owners,
            );
            states.insert(eco, state);
        }
    }
    mark_visible(&mut inventory.list);
    inventory.owners = owners.into_iter().collect();
    inventory.owners.sort_unstable();
    inventory
}

/// The regular files a layer ships, with their sizes.
fn shipped_files(tree: &Tree, layer: usize) -> HashMap<NodeId, u64> {
    tree.layers[layer]
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| (e.node, e.size))
        .collect()
}

/// The captured content visible at `node` now, if any.
fn content<'t>(tree: &'t Tree, replay: &Replay<'_>, node: NodeId) -> Option<&'t [u8]> {
    let v = replay.get(node)?;
    tree.capture(v.layer() as usize, v.entry()? as usize)
}

/// Whether a database file is visible but its content was not kept (too large): the state
/// it describes is then unknown, and is not guessed.
fn unreadable(tree: &Tree, replay: &Replay<'_>, node: NodeId) -> bool {
    replay
        .entry(node)
        .is_some_and(|e| e.kind == EntryKind::File && content(tree, replay, node).is_none())
}

fn read_state(
    tree: &Tree,
    replay: &Replay<'_>,
    eco: Ecosystem,
    nodes: &[(NodeId, DbFile)],
    problems: &mut Vec<(NodeId, String)>,
) -> Option<State> {
    let mut state = State::new();
    match eco {
        Ecosystem::Deb => read_dpkg(tree, replay, nodes, &mut state)?,
        Ecosystem::Apk => {
            for &(node, _) in nodes {
                if unreadable(tree, replay, node) {
                    return None;
                }
                for r in apk::parse_installed(content(tree, replay, node).unwrap_or_default()) {
                    let key = ("/lib/apk/db".to_string(), r.name.clone());
                    let mut p = installed(r.name, r.version, Files::Listed(r.files));
                    p.depends = r.depends;
                    p.provides = r.provides;
                    state.insert(key, p);
                }
            }
        }
        Ecosystem::Python => read_python(tree, replay, nodes, &mut state),
        Ecosystem::Npm => {
            for &(node, _) in nodes {
                let Some(text) = content(tree, replay, node) else {
                    continue;
                };
                let Some(manifest) = npm::parse_manifest(text) else {
                    continue;
                };
                let dir = tree.paths.parent(node).unwrap_or(ROOT);
                let name = manifest
                    .name
                    .unwrap_or_else(|| String::from_utf8_lossy(tree.paths.name(dir)).into_owned());
                let key = (tree.paths.display(dir), name.clone());
                let mut p = installed(name, manifest.version, Files::Below(dir));
                p.depends = manifest.depends;
                state.insert(key, p);
            }
        }
        Ecosystem::Rpm => rpm_state::read(tree, replay, nodes, &mut state, problems)?,
    }
    Some(state)
}

fn installed(name: String, version: String, files: Files) -> Installed {
    Installed {
        name,
        version,
        files,
        depends: Vec::new(),
        provides: Vec::new(),
    }
}

fn read_dpkg(
    tree: &Tree,
    replay: &Replay<'_>,
    nodes: &[(NodeId, DbFile)],
    state: &mut State,
) -> Option<()> {
    let info = tree.paths.find(b"var/lib/dpkg/info");
    for &(node, kind) in nodes {
        if !matches!(kind, DbFile::DpkgStatus | DbFile::DpkgStatusD) {
            continue;
        }
        if unreadable(tree, replay, node) {
            return None;
        }
        let Some(text) = content(tree, replay, node) else {
            continue;
        };
        for stanza in dpkg::parse_status(text) {
            let files = if kind == DbFile::DpkgStatus {
                dpkg::list_names(&stanza)
                    .iter()
                    .filter_map(|n| info.and_then(|i| tree.paths.child(i, n.as_bytes())))
                    .find_map(|n| content(tree, replay, n))
                    .map(dpkg::parse_list)
            } else {
                let mut md5 = tree.paths.name(node).to_vec();
                md5.extend_from_slice(b".md5sums");
                tree.paths
                    .parent(node)
                    .and_then(|d| tree.paths.child(d, &md5))
                    .and_then(|n| content(tree, replay, n))
                    .map(dpkg::parse_md5sums)
            };
            let mut key = stanza.name.clone();
            if state.contains_key(&("/var/lib/dpkg".to_string(), key.clone())) {
                key = format!("{}:{}", stanza.name, stanza.architecture);
            }
            let mut p = installed(
                key.clone(),
                stanza.version,
                Files::Listed(files.unwrap_or_default()),
            );
            p.depends = stanza.depends;
            p.provides = stanza.provides;
            state.insert(("/var/lib/dpkg".to_string(), key), p);
        }
    }
    Some(())
}

fn read_python(tree: &Tree, replay: &Replay<'_>, nodes: &[(NodeId, DbFile)], state: &mut State) {
    // Group the metadata files by their .dist-info / .egg-info directory.
    let mut dirs: BTreeMap<NodeId, Vec<(NodeId, DbFile)>> = BTreeMap::new();
    for &(node, kind) in nodes {
        if replay.get(node).is_some() {
            let dir = tree.paths.parent(node).unwrap_or(ROOT);
            dirs.entry(dir).or_default().push((node, kind));
        }
    }
    for (dir, files) in dirs {
        let (mut name, mut version) = python::parse_dir_name(tree.paths.name(dir));
        let dir_path = tree.paths.path(dir);
        let site = tree.paths.parent(dir).unwrap_or(ROOT);
        let site_path = tree.paths.path(site);
        let mut listed = Vec::new();
        let mut depends = Vec::new();
        for (node, kind) in files {
            let Some(text) = content(tree, replay, node) else {
                continue;
            };
            match kind {
                DbFile::PythonMetadata | DbFile::EggPkgInfo => {
                    depends = python::requirements(text);
                    let (n, v) = python::parse_metadata(text);
                    name = n.unwrap_or(name);
                    version = v.unwrap_or(version);
                }
                DbFile::PythonRecord => listed.extend(
                    python::parse_record(text)
                        .iter()
                        .map(|p| record_path(tree, replay, &site_path, p)),
                ),
                DbFile::EggInstalledFiles => listed.extend(
                    python::parse_installed_files(text)
                        .iter()
                        .map(|p| super::join(&dir_path, p)),
                ),
                _ => {}
            }
        }
        if name.is_empty() {
            continue;
        }
        let key = (tree.paths.display(site), python::normalize(&name));
        let mut p = installed(name, version, Files::Listed(listed));
        p.depends = depends;
        state.insert(key, p);
    }
}

/// Where a RECORD path points. `pip install --target DIR` records scripts as `../../bin/NAME`
/// (relative to the `lib/python` of the prefix it installs into first) but moves them to
/// `DIR/bin/NAME`: when the recorded place does not exist and that one does, it is the one.
fn record_path(tree: &Tree, replay: &Replay<'_>, site: &[u8], rel: &[u8]) -> Vec<u8> {
    let recorded = super::join(site, rel);
    if let Some(script) = rel.strip_prefix(b"../../bin/") {
        if resolve(tree, replay, &recorded).is_none() {
            let moved = super::join(site, &[&b"bin/"[..], script].concat());
            if resolve(tree, replay, &moved).is_some() {
                return moved;
            }
        }
    }
    recorded
}

/// Appends the differences between two states of one ecosystem as changes made by `layer`.
fn changes(eco: Ecosystem, layer: usize, old: &State, new: &State, out: &mut Vec<Package>) {
    let row =
        |key: &(String, String), p: &Installed, change, previous: Option<&Installed>| Package {
            ecosystem: eco,
            name: p.name.clone(),
            version: p.version.clone(),
            previous_version: previous.map(|p| p.version.clone()),
            change,
            layer,
            location: key.0.clone(),
            bytes: 0,
            files: 0,
            visible: false,
            depends: if change == Change::Removed {
                Vec::new()
            } else {
                p.depends.clone()
            },
            provides: if change == Change::Removed {
                Vec::new()
            } else {
                p.provides.clone()
            },
        };
    for (key, p) in new {
        match old.get(key) {
            None => out.push(row(key, p, Change::Installed, None)),
            Some(o) if o.version != p.version => out.push(row(key, p, Change::Upgraded, Some(o))),
            Some(_) => {}
        }
    }
    for (key, p) in old {
        if !new.contains_key(key) {
            out.push(row(key, p, Change::Removed, None));
        }
    }
}

/// Fills in the bytes and files each new change shipped in its layer.
fn count_bytes(
    tree: &Tree,
    replay: &Replay<'_>,
    state: &State,
    shipped: &HashMap<NodeId, u64>,
    first: usize,
    list: &mut [Package],
    owners: &mut HashMap<NodeId, u32>,
) {
    let mut below: HashMap<NodeId, usize> = HashMap::new();
    for (i, p) in list.iter_mut().enumerate().skip(first) {
        if p.change == Change::Removed {
            continue;
        }
        let key = (p.location.clone(), key_name(p));
        let Some(installed) = state.get(&key) else {
            continue;
        };
        match &installed.files {
            Files::Listed(paths) => {
                // Two listed paths can name one file (`/bin/x` and `/usr/bin/x` on merged /usr).
                let mut counted = std::collections::HashSet::new();
                for path in paths {
                    let Some(node) = resolve(tree, replay, path) else {
                        continue;
                    };
                    if !counted.insert(node) {
                        continue;
                    }
                    if let Some(&size) = shipped.get(&node) {
                        owners.insert(node, i as u32);
                        p.bytes += size;
                        p.files += 1;
                    }
                }
            }
            Files::Below(dir) => {
                below.insert(*dir, i);
            }
        }
    }
    if below.is_empty() {
        return;
    }
    for (&node, &size) in shipped {
        if let Some(i) = npm_owner(tree, node, &below) {
            list[i].bytes += size;
            list[i].files += 1;
            owners.insert(node, i as u32);
        }
    }
}

/// The name a package is keyed by in its state (python keys are normalised).
fn key_name(p: &Package) -> String {
    match p.ecosystem {
        Ecosystem::Python => python::normalize(&p.name),
        _ => p.name.clone(),
    }
}

/// The npm package directory that owns a file: its nearest ancestor that is a package, unless a
/// node_modules directory (`.bin`, a hoisted tree) lies between them.
fn npm_owner(tree: &Tree, node: NodeId, dirs: &HashMap<NodeId, usize>) -> Option<usize> {
    let mut cur = tree.paths.parent(node)?;
    loop {
        if let Some(&i) = dirs.get(&cur) {
            return Some(i);
        }
        if cur == ROOT || tree.paths.name(cur) == b"node_modules" {
            return None;
        }
        cur = tree.paths.parent(cur)?;
    }
}

/// Finds the node an absolute path names, following symlinked directories as they are at this
/// layer (dpkg lists `/bin/ls`; a merged-/usr image ships it as `/usr/bin/ls`). The last
/// component is not followed: a listed symlink (`/bin/rbash -> bash`) is the link itself.
fn resolve(tree: &Tree, replay: &Replay<'_>, path: &[u8]) -> Option<NodeId> {
    let rel = path.strip_prefix(b"/").unwrap_or(path);
    if let Some(node) = tree.paths.find(rel).filter(|n| replay.get(*n).is_some()) {
        return Some(node);
    }
    // A stack of the components still to walk, the next one last.
    let mut parts: Vec<&[u8]> = components(rel).rev().collect();
    let mut node = ROOT;
    let mut hops = 0;
    while let Some(name) = parts.pop() {
        if name == b".." {
            node = tree.paths.parent(node).unwrap_or(ROOT);
            continue;
        }
        let child = tree.paths.child(node, name)?;
        let entry = replay.entry(child)?;
        if entry.kind == EntryKind::Symlink && !parts.is_empty() && hops < 16 {
            hops += 1;
            let target = tree.link(&entry);
            if target.starts_with(b"/") {
                node = ROOT;
            }
            parts.extend(components(target).rev());
            continue;
        }
        node = child;
    }
    Some(node)
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
}

/// A change is visible when it is the last one of its package and not a removal.
fn mark_visible(list: &mut [Package]) {
    let mut last: HashMap<(Ecosystem, String, String), usize> = HashMap::new();
    for (i, p) in list.iter().enumerate() {
        last.insert((p.ecosystem, p.location.clone(), key_name(p)), i);
    }
    for i in last.into_values() {
        list[i].visible = list[i].change != Change::Removed;
    }
}
