//! `build_tools` from the package databases: the whole toolchain packages visible at the top
//! (compilers, binutils, make, `-dev` headers, the sanitizer libraries) and the build-time-only
//! packaging tools (poetry, pipenv, pip-tools, node-gyp), each with the bytes its database says it
//! shipped, and what they pulled in that nothing else needs. Without a package database the path
//! rules of `classify` stay in charge.

use std::collections::{HashMap, HashSet};

use super::findings::{Finding, is_base_layer};
use super::graph::exclusive;
use super::kind::FindingKind;
use crate::packages::{Ecosystem, Inventory, Package};
use crate::tree::{NodeId, ROOT, Tree, Visible};

/// Which visible packages are build tools, by index into the inventory's list.
#[derive(Debug, Default)]
pub(super) struct Toolchain {
    counted: HashSet<usize>,
    /// Whether an operating system package database (dpkg, apk, rpm) lists what is installed:
    /// then the files it owns are judged by their package, not by their path.
    os_database: bool,
}

impl Toolchain {
    pub fn new(tree: &Tree, inventory: &Inventory, final_state: &[Option<Visible>]) -> Toolchain {
        let list = &inventory.list;
        let mut counted = HashSet::new();
        let os_database = list.iter().any(|p| p.visible && is_os(p.ecosystem));
        for eco in [Ecosystem::Deb, Ecosystem::Apk, Ecosystem::Rpm] {
            let scope: Vec<usize> = visible(list, |p| p.ecosystem == eco);
            counted.extend(by_name(list, &scope, |p| is_os_tool(eco, &p.name), false));
        }
        let mut sites: HashMap<&str, Vec<usize>> = HashMap::new();
        for i in visible(list, |p| p.ecosystem == Ecosystem::Python) {
            sites.entry(list[i].location.as_str()).or_default().push(i);
        }
        for scope in sites.values() {
            counted.extend(by_name(list, scope, |p| is_python_tool(&p.name), true));
        }
        counted.extend(npm_tools(tree, list, final_state));
        Toolchain {
            counted,
            os_database,
        }
    }

    /// Whether the file an entry of `layer` ships belongs to a counted package that shipped it
    /// in that layer: its bytes are in the package finding and not counted again by path.
    pub fn owns(&self, inventory: &Inventory, node: NodeId, layer: usize) -> bool {
        inventory
            .owner_index(node)
            .is_some_and(|i| self.counted.contains(&i) && inventory.list[i].layer == layer)
    }

    /// Whether a file found by the path rules as a build tool is left to the package databases:
    /// a package owns it (a toolchain package is counted as a package; any other is not a
    /// build tool just because of where its files are).
    pub fn judged_by_package(&self, inventory: &Inventory, node: NodeId) -> bool {
        self.os_database && inventory.owner_index(node).is_some()
    }

    /// One finding per ecosystem and layer that installed counted packages.
    pub fn findings(
        &self,
        tree: &Tree,
        inventory: &Inventory,
        base_layers: usize,
        out: &mut Vec<Finding>,
    ) {
        let mut groups: HashMap<(Ecosystem, usize), Vec<usize>> = HashMap::new();
        for &i in &self.counted {
            let p = &inventory.list[i];
            groups.entry((p.ecosystem, p.layer)).or_default().push(i);
        }
        let mut roots: HashMap<(Ecosystem, usize), NodeId> = HashMap::new();
        for (node, i) in inventory.owned() {
            if !self.counted.contains(&i) {
                continue;
            }
            let p = &inventory.list[i];
            let r = roots.entry((p.ecosystem, p.layer)).or_insert(node);
            *r = tree.paths.common_ancestor(*r, node);
        }
        for ((eco, layer), mut members) in groups {
            members.sort_by(|&a, &b| {
                let (a, b) = (&inventory.list[a], &inventory.list[b]);
                b.bytes.cmp(&a.bytes).then(a.name.cmp(&b.name))
            });
            let bytes: u64 = members.iter().map(|&i| inventory.list[i].bytes).sum();
            let files: u64 = members.iter().map(|&i| inventory.list[i].files).sum();
            if bytes == 0 {
                continue;
            }
            let node = roots
                .get(&(eco, layer))
                .copied()
                .filter(|&n| n != ROOT)
                .or_else(|| tree.paths.find(b"usr"))
                .unwrap_or(ROOT);
            let path = tree.paths.display(node);
            let names: Vec<&str> = members
                .iter()
                .map(|&i| inventory.list[i].name.as_str())
                .collect();
            let fix = if is_base_layer(base_layers, layer) {
                FindingKind::BuildTools.base_fix(&path)
            } else {
                fix(eco, &top_names(inventory, &members))
            };
            out.push(Finding {
                kind: FindingKind::BuildTools,
                node,
                layer: Some(layer),
                bytes,
                files,
                visible: true,
                reason: format!(
                    "{}; {} {} package{} only to build: {}",
                    FindingKind::BuildTools.reason(),
                    names.len(),
                    eco.name(),
                    if names.len() == 1 { "" } else { "s" },
                    listed(&names, 8)
                ),
                fix,
            });
        }
    }
}

fn is_os(eco: Ecosystem) -> bool {
    matches!(eco, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
}

fn visible(list: &[Package], keep: impl Fn(&Package) -> bool) -> Vec<usize> {
    (0..list.len())
        .filter(|&i| list[i].visible && keep(&list[i]))
        .collect()
}

/// The packages of one database scope that are tools by name, with (when `all_roots`) or
/// without the guarantee that a tool named as such is counted even if something needs it.
/// A tool's dependencies count when they are tools too and nothing else in the scope needs
/// them: `apt-get purge --auto-remove gcc-12` would take them, and no other package breaks.
fn by_name(
    list: &[Package],
    scope: &[usize],
    is_tool: impl Fn(&Package) -> bool,
    all_roots: bool,
) -> Vec<usize> {
    let mut names: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, &i) in scope.iter().enumerate() {
        let p = &list[i];
        names.entry(key(p.ecosystem, &p.name)).or_default().push(k);
        for v in &p.provides {
            names.entry(v.clone()).or_default().push(k);
        }
    }
    let deps = |k: usize| -> Vec<usize> {
        list[scope[k]]
            .depends
            .iter()
            .flat_map(|d| names.get(d).into_iter().flatten().copied())
            .collect()
    };
    let tool: Vec<bool> = scope.iter().map(|&i| is_tool(&list[i])).collect();
    let roots: Vec<usize> = (0..scope.len()).filter(|&k| tool[k]).collect();
    let counted = exclusive(scope.len(), &deps, &roots, &|k| tool[k], &[]);
    (0..scope.len())
        .filter(|&k| counted[k] || (all_roots && tool[k]))
        .map(|k| scope[k])
        .collect()
}

/// The name other packages need this one by: a dpkg key `name:arch` is the package `name`;
/// Python names are normalised (its requirements are).
fn key(eco: Ecosystem, name: &str) -> String {
    match eco {
        Ecosystem::Python => crate::packages::normalize_python(name),
        _ => base_name(name).to_string(),
    }
}

/// A dpkg key `name:arch` is the package `name`.
fn base_name(name: &str) -> &str {
    name.split_once(':').map_or(name, |(n, _)| n)
}

/// `name` is `prefix` followed by a version number (`gcc-12`, `libasan8`, `isl26`), or by
/// nothing when `bare` is allowed.
fn versioned(name: &str, prefix: &str, bare: bool) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| {
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        if rest.is_empty() {
            return bare;
        }
        rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
    })
}

/// Toolchain packages of the operating system's package managers, by name: compilers and
/// their private libraries, binutils, make and the autotools, headers (`-dev`, `-devel`), the
/// sanitizer runtimes. Runtime libraries that compiled programs link (libgcc-s, libstdc++,
/// libgomp, libatomic, libquadmath) are not.
fn is_os_tool(eco: Ecosystem, name: &str) -> bool {
    let name = base_name(name);
    const EXACT: &[&str] = &[
        "build-essential",
        "build-base",
        "make",
        "cmake",
        "cmake-data",
        "ninja-build",
        "autoconf",
        "automake",
        "autotools-dev",
        "libtool",
        "m4",
        "bison",
        "flex",
        "pkg-config",
        "pkgconf",
        "pkgconf-bin",
        "pkgconf-pkg-config",
        "libpkgconf3",
        "dpkg-dev",
        "libdpkg-perl",
        "patch",
        "libc-dev-bin",
        "linux-libc-dev",
        "rpcsvc-proto",
        "manpages-dev",
        "fortify-headers",
        "kernel-headers",
        "glibc-headers",
        "redhat-rpm-config",
        "rpm-build",
        "annobin",
        "libbinutils",
        "libgprofng0",
        "libjansson4",
        "libmpc",
        "libmpfr6",
        "mpc1",
        "node-gyp",
        "gcc-c++",
        "gcc-gfortran",
        "golang",
        "golang-go",
        "rustc",
        "cargo",
    ];
    let versioned_tools = [
        "gcc",
        "g++",
        "cpp",
        "gfortran",
        "clang",
        "lld",
        "llvm",
        "lto-dump",
        "libasan",
        "libubsan",
        "libtsan",
        "liblsan",
        "libhwasan",
        "libitm",
        "libcc1",
        "libisl",
        "isl",
        "libmpc",
        "libsframe",
        "golang",
    ];
    EXACT.contains(&name)
        || versioned_tools.iter().any(|t| versioned(name, t, true))
        || name.starts_with("binutils")
        || name.starts_with("libctf")
        || name.ends_with("-dev")
        || (eco == Ecosystem::Rpm && name.ends_with("-devel"))
        || (name.starts_with("libgcc-") && name.ends_with("-dev"))
        || (name.starts_with("libstdc++") && name.ends_with("-dev"))
}

/// Python packages needed only to build or install others: dependency managers, build
/// backends and compilers of extensions.
fn is_python_tool(name: &str) -> bool {
    matches!(
        crate::packages::normalize_python(name).as_str(),
        "poetry"
            | "poetry-core"
            | "poetry-plugin-export"
            | "pipenv"
            | "pip-tools"
            | "cython"
            | "maturin"
            | "setuptools-rust"
            | "scikit-build"
            | "scikit-build-core"
            | "hatchling"
            | "flit-core"
            | "pdm-backend"
            | "cleo"
            | "crashtest"
            | "dulwich"
            | "installer"
            | "pkginfo"
            | "trove-classifiers"
            | "build"
            | "pyproject-hooks"
    )
}

/// node-gyp (only needed to compile native modules at install time) and the packages only it
/// needs, in the app's node_modules; npm's own copy in the global npm installation is npm's.
fn npm_tools(tree: &Tree, list: &[Package], final_state: &[Option<Visible>]) -> Vec<usize> {
    let scope: Vec<usize> = visible(list, |p| {
        p.ecosystem == Ecosystem::Npm && !p.location.contains("/node_modules/npm/")
    });
    let roots: Vec<usize> = (0..scope.len())
        .filter(|&k| list[scope[k]].name == "node-gyp")
        .collect();
    if roots.is_empty() {
        return Vec::new();
    }
    let graph = super::graph::Npm::new(list, &scope);
    let app = graph.app_needs(tree, final_state);
    let deps = |k: usize| graph.deps(k);
    let counted = exclusive(scope.len(), &deps, &roots, &|_| true, &app);
    (0..scope.len())
        .filter(|&k| counted[k] || roots.contains(&k))
        .map(|k| scope[k])
        .collect()
}

/// The counted packages nothing else counted needs: what the user installed by name.
fn top_names<'a>(inventory: &'a Inventory, members: &[usize]) -> Vec<&'a str> {
    let needed: HashSet<&str> = members
        .iter()
        .flat_map(|&i| inventory.list[i].depends.iter().map(String::as_str))
        .collect();
    let mut top: Vec<&str> = members
        .iter()
        .map(|&i| &inventory.list[i])
        .filter(|p| {
            !needed.contains(base_name(&p.name))
                && !p.provides.iter().any(|v| needed.contains(v.as_str()))
        })
        .map(|p| base_name(&p.name))
        .collect();
    top.dedup();
    if top.is_empty() {
        top = members
            .iter()
            .take(1)
            .map(|&i| base_name(&inventory.list[i].name))
            .collect();
    }
    top
}

fn listed(names: &[&str], max: usize) -> String {
    let mut text = names
        .iter()
        .take(max)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        text.push_str(&format!(" and {} more", names.len() - max));
    }
    text
}

/// The fix for toolchain packages installed in one of the user's layers. Removing them in a
/// later RUN ships them anyway (and adds a layer), so the advice is a builder stage, or the
/// removal in the very RUN that installed them.
fn fix(eco: Ecosystem, top: &[&str]) -> String {
    let mut names = top.iter().take(6).copied().collect::<Vec<_>>().join(" ");
    if top.len() > 6 {
        names.push_str(" …");
    }
    let stage = "use a multi-stage build: compile in a builder stage and COPY only the artifacts into the final stage";
    match eco {
        Ecosystem::Deb => format!(
            "{stage}; or remove them in the same RUN that installs them (`apt-get install -y {names} && … && apt-get purge -y --auto-remove {names}`): a purge in a later RUN ships them anyway"
        ),
        Ecosystem::Apk => format!(
            "{stage}; or install them as a virtual package and delete it in the same RUN (`apk add --no-cache --virtual .build-deps {names} && … && apk del .build-deps`)"
        ),
        Ecosystem::Rpm => format!(
            "{stage}; or remove them in the same RUN that installs them (`dnf install -y {names} && … && dnf remove -y {names}`): a removal in a later RUN ships them anyway"
        ),
        Ecosystem::Python => format!(
            "resolve and build in a builder stage (e.g. `poetry export -f requirements.txt`, then `pip install --no-cache-dir -r` into a venv you COPY), so {names} never reach the final stage"
        ),
        Ecosystem::Npm => format!(
            "compile native modules in a builder stage and COPY node_modules from it: {names} is needed only while installing"
        ),
    }
}
