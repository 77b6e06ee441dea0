//! Package databases in an image's layers (dpkg, apk, Python, npm): which package owns which
//! bytes, and which layer installed, upgraded or removed it. Pure: parsers take captured bytes
//! and return records; [`find`] reads the tree.

mod apk;
mod bdb;
mod dpkg;
mod history;
mod ndb;
mod npm;
mod python;
mod rpm;
mod sqlite;

pub use history::{Inventory, find};
pub use sqlite::Malformed;

/// The packages of an rpm SQLite database (`rpmdb.sqlite`) and its write-ahead log, as of the
/// last commit; an error says what is malformed.
pub fn read_rpmdb(db: &[u8], wal: Option<&[u8]>) -> Result<Vec<Record>, Malformed> {
    rpm::parse_sqlite(db, wal)
}

/// The packages of an rpm Berkeley DB `Packages` file (a hash database); an error says what is
/// malformed.
pub fn read_rpm_bdb(db: &[u8]) -> Result<Vec<Record>, Malformed> {
    rpm::parse_bdb(db)
}

/// The packages of an rpm ndb `Packages.db`; an error says what is malformed.
pub fn read_rpm_ndb(db: &[u8]) -> Result<Vec<Record>, Malformed> {
    rpm::parse_ndb(db)
}

/// The package one rpm header blob describes; `None` when it is malformed.
pub fn read_rpm_header(blob: &[u8]) -> Option<Record> {
    rpm::parse_header(blob)
}

/// A package manager's world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Deb,
    Apk,
    Rpm,
    Python,
    Npm,
}

impl Ecosystem {
    /// The stable name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Python => "python",
            Ecosystem::Npm => "npm",
        }
    }
}

/// What a layer did to a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Installed,
    Upgraded,
    Removed,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Installed => "installed",
            Change::Upgraded => "upgraded",
            Change::Removed => "removed",
        }
    }
}

/// One change to one package, made by one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    /// The version after the change (for a removal: the version removed).
    pub version: String,
    /// The version before an upgrade.
    pub previous_version: Option<String>,
    pub change: Change,
    pub layer: usize,
    /// Where its database entry lives: `/var/lib/dpkg`, a site-packages directory, a package's
    /// directory under node_modules.
    pub location: String,
    /// Sum of the sizes of the regular files its database lists, present in that layer.
    pub bytes: u64,
    pub files: u64,
    /// Whether this is the package as installed at the top (not upgraded or removed later).
    pub visible: bool,
    /// The names it needs, as its database says (dpkg `Depends`/`Pre-Depends` with every
    /// alternative, apk `D:`, Python `Requires-Dist` without extras, npm `dependencies`,
    /// `optionalDependencies` and `peerDependencies`); empty for a removal.
    pub depends: Vec<String>,
    /// The other names it answers to (dpkg `Provides`, apk `p:`).
    pub provides: Vec<String>,
}

/// One installed package as its database lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub name: String,
    pub version: String,
    /// Absolute, cleaned paths of what it installed (directories may be included).
    pub files: Vec<Vec<u8>>,
    pub depends: Vec<String>,
    pub provides: Vec<String>,
}

/// Which package database a file is part of, by its cleaned path (no leading `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DbFile {
    DpkgStatus,
    DpkgList,
    /// Distroless images: one stanza per file under `var/lib/dpkg/status.d/`.
    DpkgStatusD,
    DpkgStatusDMd5sums,
    ApkInstalled,
    /// rpm's SQLite database and its write-ahead log.
    RpmSqlite,
    RpmSqliteWal,
    /// rpm's Berkeley DB `Packages` file (before rpm 4.16's SQLite).
    RpmBdb,
    /// rpm's own `Packages.db` (ndb: openSUSE, SLE 15).
    RpmNdb,
    PythonRecord,
    PythonMetadata,
    EggPkgInfo,
    EggInstalledFiles,
    NpmManifest,
}

impl DbFile {
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            DbFile::DpkgStatus
            | DbFile::DpkgList
            | DbFile::DpkgStatusD
            | DbFile::DpkgStatusDMd5sums => Ecosystem::Deb,
            DbFile::ApkInstalled => Ecosystem::Apk,
            DbFile::RpmSqlite | DbFile::RpmSqliteWal | DbFile::RpmBdb | DbFile::RpmNdb => {
                Ecosystem::Rpm
            }
            DbFile::PythonRecord
            | DbFile::PythonMetadata
            | DbFile::EggPkgInfo
            | DbFile::EggInstalledFiles => Ecosystem::Python,
            DbFile::NpmManifest => Ecosystem::Npm,
        }
    }

    /// The largest file of this kind worth keeping: databases that list every file of an image
    /// can be megabytes; metadata is read for its headers only.
    pub fn max_bytes(self) -> u64 {
        match self {
            DbFile::DpkgStatus
            | DbFile::ApkInstalled
            | DbFile::RpmSqlite
            | DbFile::RpmSqliteWal => 32 << 20,
            // A hash file keeps free space in its pages and in each header's last overflow page.
            DbFile::RpmBdb | DbFile::RpmNdb => RPM_BDB_MAX_BYTES,
            DbFile::DpkgList
            | DbFile::DpkgStatusDMd5sums
            | DbFile::PythonRecord
            | DbFile::EggInstalledFiles => 8 << 20,
            DbFile::DpkgStatusD | DbFile::PythonMetadata | DbFile::EggPkgInfo => 256 << 10,
            DbFile::NpmManifest => 1 << 20,
        }
    }
}

/// The largest rpm Berkeley DB `Packages` or ndb `Packages.db` file read (about 1,500 packages).
const RPM_BDB_MAX_BYTES: u64 = 64 << 20;

/// A package database file that could not be read as of a layer: its ecosystem's state there
/// is unknown (not guessed), and what that layer did to those packages is not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub layer: usize,
    /// The file's absolute path, as the image names it.
    pub path: Vec<u8>,
    /// What is wrong, a lowercase fragment.
    pub why: String,
}

/// Classifies a cleaned relative path as a package database file.
pub fn database_file(path: &[u8]) -> Option<DbFile> {
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(p) => (&path[..p], &path[p + 1..]),
        None => (&b""[..], path),
    };
    match (dir, name) {
        (b"var/lib/dpkg", b"status") => return Some(DbFile::DpkgStatus),
        (b"lib/apk/db", b"installed") => return Some(DbFile::ApkInstalled),
        (b"var/lib/rpm" | b"usr/lib/sysimage/rpm", b"rpmdb.sqlite") => {
            return Some(DbFile::RpmSqlite);
        }
        (b"var/lib/rpm" | b"usr/lib/sysimage/rpm", b"rpmdb.sqlite-wal") => {
            return Some(DbFile::RpmSqliteWal);
        }
        (b"var/lib/rpm" | b"usr/lib/sysimage/rpm", b"Packages") => return Some(DbFile::RpmBdb),
        (b"var/lib/rpm" | b"usr/lib/sysimage/rpm", b"Packages.db") => {
            return Some(DbFile::RpmNdb);
        }
        (b"var/lib/dpkg/info", n) if n.ends_with(b".list") => return Some(DbFile::DpkgList),
        (b"var/lib/dpkg/status.d", n) if n.ends_with(b".md5sums") => {
            return Some(DbFile::DpkgStatusDMd5sums);
        }
        (b"var/lib/dpkg/status.d", _) => return Some(DbFile::DpkgStatusD),
        _ => {}
    }
    let parent = dir.rsplit(|&b| b == b'/').next().unwrap_or(dir);
    if parent.ends_with(b".dist-info") {
        return match name {
            b"RECORD" => Some(DbFile::PythonRecord),
            b"METADATA" => Some(DbFile::PythonMetadata),
            _ => None,
        };
    }
    if parent.ends_with(b".egg-info") {
        return match name {
            b"PKG-INFO" => Some(DbFile::EggPkgInfo),
            b"installed-files.txt" => Some(DbFile::EggInstalledFiles),
            _ => None,
        };
    }
    if name == b"package.json" && npm::package_dir(dir).is_some() {
        return Some(DbFile::NpmManifest);
    }
    None
}

/// Whether the indexer should keep this file's content for the package analysis.
pub fn capture(path: &[u8], size: u64) -> bool {
    database_file(path).is_some_and(|kind| size <= kind.max_bytes())
}

/// PEP 503 normalisation of a Python distribution name (`PyYAML`, `py_yaml` -> `pyyaml`,
/// `py-yaml`).
pub fn normalize_python(name: &str) -> String {
    python::normalize(name)
}

/// Joins `rel` onto the absolute directory `base` and cleans the result lexically (never above
/// the root); returns an absolute path.
pub(crate) fn join(base: &[u8], rel: &[u8]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(base.len() + rel.len() + 1);
    if !rel.starts_with(b"/") {
        raw.extend_from_slice(base);
        raw.push(b'/');
    }
    raw.extend_from_slice(rel);
    let mut out = vec![b'/'];
    crate::layer::clean_path(&raw, &mut out);
    out
}

/// The package names of a dpkg relation field (`a (>= 1), b | c:any`): every alternative.
pub(crate) fn relation_names(field: &str) -> impl Iterator<Item = String> + '_ {
    field
        .split([',', '|'])
        .filter_map(|alt| {
            let alt = alt.trim();
            let end = alt.find([' ', '(', ':', '[', '<']).unwrap_or(alt.len());
            Some(&alt[..end]).filter(|n| !n.is_empty())
        })
        .map(str::to_string)
}

/// Splits `Key: value` header lines (RFC 822 style, as dpkg, apk-less metadata and Python's
/// METADATA use); continuation lines are skipped.
pub(crate) fn header<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?;
    rest.strip_prefix(':').map(str::trim)
}

#[cfg(test)]
mod tests;
