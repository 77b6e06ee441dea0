//! How paths are recognised as each finding kind: by directory (inherited below it) or by file.
//!
//! `crates/imagegen/src/findings.rs` recognises the same kinds again, written apart on purpose:
//! it is the independent oracle the tests compare these rules with. A change to a rule here
//! needs the same change there (not a shared helper), or the tests stop checking anything.

use super::kind::FindingKind;
use crate::tree::{NodeId, Paths, ROOT};

pub(super) fn parent_name_is(paths: &Paths, node: NodeId, name: &[u8]) -> bool {
    paths
        .parent(node)
        .is_some_and(|p| p != ROOT && paths.name(p) == name)
}

/// Whether `node` is exactly the absolute path given as components.
fn is_path(paths: &Paths, node: NodeId, components: &[&[u8]]) -> bool {
    let mut cur = node;
    for comp in components.iter().rev() {
        if cur == ROOT || paths.name(cur) != *comp {
            return false;
        }
        cur = paths.parent(cur).unwrap_or(ROOT);
    }
    cur == ROOT
}

/// Whether `node` is a directory directly in a home directory (`/root/x`, `/home/user/x`).
fn in_home(paths: &Paths, node: NodeId) -> bool {
    let Some(parent) = paths.parent(node) else {
        return false;
    };
    is_path(paths, parent, &[b"root"])
        || paths
            .parent(parent)
            .is_some_and(|g| is_path(paths, g, &[b"home"]))
}

/// Language package caches: cargo's registry, Maven's and Gradle's caches, Go's module cache,
/// Yarn's home cache and conda's package cache.
fn is_language_cache(paths: &Paths, node: NodeId, name: &[u8]) -> bool {
    match name {
        b".m2" | b".gradle" | b".yarn" => in_home(paths, node),
        // $CARGO_HOME/registry: ~/.cargo or /usr/local/cargo in the rust images.
        b"registry" => {
            parent_name_is(paths, node, b".cargo")
                || paths
                    .parent(node)
                    .is_some_and(|p| is_path(paths, p, &[b"usr", b"local", b"cargo"]))
        }
        // $GOPATH/pkg/mod: /root/go or /go in the golang images.
        b"mod" => paths.parent(node).is_some_and(|p| {
            paths.name(p) == b"pkg"
                && paths.parent(p).is_some_and(|g| {
                    is_path(paths, g, &[b"go"]) || (paths.name(g) == b"go" && in_home(paths, g))
                })
        }),
        b"pkgs" => paths.parent(node).is_some_and(|p| {
            matches!(
                paths.name(p),
                b"conda" | b"miniconda3" | b"anaconda3" | b"miniforge3" | b".conda"
            )
        }),
        _ => false,
    }
}

/// Whether `node` is a global npm installation (`/usr/local/lib/node_modules`,
/// `/usr/lib/node_modules`): npm and corepack in the official node images, or tools installed
/// with `npm i -g`; not the app's dependencies.
pub fn is_global_node_modules(paths: &Paths, node: NodeId) -> bool {
    is_path(paths, node, &[b"usr", b"local", b"lib", b"node_modules"])
        || is_path(paths, node, &[b"usr", b"lib", b"node_modules"])
        || is_path(paths, node, &[b"opt", b"yarn", b"node_modules"])
}

/// Whether a directory is a test suite inside an installed package (`tests`, `test` or
/// `__tests__` under site-packages, dist-packages or node_modules); `in_packages` says whether
/// it is under one of those.
pub fn is_test_dir(name: &[u8], in_packages: bool) -> bool {
    in_packages && matches!(name, b"tests" | b"test" | b"__tests__")
}

/// Directories whose subtrees are installed packages.
pub fn is_packages_dir(name: &[u8]) -> bool {
    matches!(name, b"site-packages" | b"dist-packages" | b"node_modules")
}

/// Archive and package file names that are downloaded, extracted or installed, then forgotten.
pub fn is_archive_name(name: &[u8]) -> bool {
    [
        &b".tar.gz"[..],
        b".tgz",
        b".tar.xz",
        b".txz",
        b".tar.bz2",
        b".tar.zst",
        b".zip",
        b".whl",
        b".deb",
        b".rpm",
        b".apk",
    ]
    .iter()
    .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

/// The category of a directory that makes everything below it that category.
pub fn classify_dir(paths: &Paths, node: NodeId) -> Option<FindingKind> {
    let name = paths.name(node);
    match name {
        b".git" => return Some(FindingKind::Git),
        b"node_modules" => return Some(FindingKind::NodeModules),
        b"__pycache__" => return Some(FindingKind::PythonBytecode),
        b".npm" | b".yarn-cache" => return Some(FindingKind::PackageCache),
        _ => {}
    }
    if (name == b"pip" || name == b"yarn") && parent_name_is(paths, node, b".cache") {
        return Some(FindingKind::PackageCache);
    }
    if name == b".cache" {
        // A user's cache directory (/root/.cache, /home/x/.cache, /usr/local/share/.cache).
        return Some(FindingKind::PackageCache);
    }
    if is_language_cache(paths, node, name) {
        return Some(FindingKind::PackageCache);
    }
    let exact: &[(&[&[u8]], FindingKind)] = &[
        (&[b"var", b"lib", b"apt", b"lists"], FindingKind::AptLists),
        (
            &[b"var", b"cache", b"apt", b"archives"],
            FindingKind::PackageCache,
        ),
        (&[b"var", b"cache", b"apk"], FindingKind::PackageCache),
        (&[b"var", b"cache", b"dnf"], FindingKind::PackageCache),
        (&[b"var", b"cache", b"yum"], FindingKind::PackageCache),
        (&[b"usr", b"share", b"doc"], FindingKind::Docs),
        (&[b"usr", b"share", b"man"], FindingKind::Docs),
        (&[b"usr", b"share", b"info"], FindingKind::Docs),
        (&[b"usr", b"share", b"locale"], FindingKind::Locales),
        (&[b"usr", b"share", b"i18n"], FindingKind::Locales),
        (&[b"usr", b"lib", b"locale"], FindingKind::Locales),
        (&[b"usr", b"include"], FindingKind::BuildTools),
        (&[b"usr", b"lib", b"gcc"], FindingKind::BuildTools),
        (&[b"usr", b"libexec", b"gcc"], FindingKind::BuildTools),
        (&[b"tmp"], FindingKind::TempAndLogs),
        (&[b"var", b"tmp"], FindingKind::TempAndLogs),
        (&[b"var", b"log"], FindingKind::TempAndLogs),
    ];
    exact
        .iter()
        .find(|(components, _)| is_path(paths, node, components))
        .map(|(_, k)| *k)
}

const COMPILERS: &[&[u8]] = &[
    b"gcc", b"g++", b"cc", b"c++", b"cpp", b"clang", b"clang++", b"rustc", b"cargo", b"go",
    b"make", b"cmake", b"ld", b"as",
];

/// The category of a single file outside any categorised directory.
pub fn classify_file(paths: &Paths, node: NodeId, name: &[u8]) -> Option<FindingKind> {
    if name.ends_with(b".pyc") || name.ends_with(b".pyo") {
        return Some(FindingKind::PythonBytecode);
    }
    if (name == b"pkgcache.bin" || name == b"srcpkgcache.bin")
        && is_path(
            paths,
            paths.parent(node).unwrap_or(ROOT),
            &[b"var", b"cache", b"apt"],
        )
    {
        return Some(FindingKind::PackageCache);
    }
    if name.ends_with(b".log") {
        return Some(FindingKind::TempAndLogs);
    }
    if name.len() > 5 && name.starts_with(b"lib") && name.ends_with(b".a") {
        return Some(FindingKind::StaticLibraries);
    }
    if parent_name_is(paths, node, b"bin") {
        let versioned = |c: &&[u8]| {
            name == *c
                || (name.starts_with(c)
                    && name.get(c.len()) == Some(&b'-')
                    && name[c.len() + 1..].first().is_some_and(u8::is_ascii_digit))
                || (name.ends_with(c)
                    && name.len() > c.len()
                    && name[..name.len() - c.len()].ends_with(b"-linux-gnu-"))
        };
        if COMPILERS.iter().any(versioned) {
            return Some(FindingKind::BuildTools);
        }
    }
    None
}
