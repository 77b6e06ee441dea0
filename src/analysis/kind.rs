//! The kinds of findings, how paths are recognised as each, and the fix for each.
//!
//! `crates/imagegen/src/findings.rs` recognises the same kinds again, written apart on purpose:
//! it is the independent oracle the tests compare these rules with. A change to a rule here
//! needs the same change there (not a shared helper), or the tests stop checking anything.

use crate::tree::{NodeId, Paths, ROOT};

/// A category of finding. The order is the order of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    Secret,
    Git,
    NodeModules,
    PythonBytecode,
    AptLists,
    PackageCache,
    BuildTools,
    TempAndLogs,
    Docs,
    Setuid,
    WorldWritable,
    RunsAsRoot,
}

impl FindingKind {
    pub const ALL: [FindingKind; 12] = [
        FindingKind::Secret,
        FindingKind::Git,
        FindingKind::NodeModules,
        FindingKind::PythonBytecode,
        FindingKind::AptLists,
        FindingKind::PackageCache,
        FindingKind::BuildTools,
        FindingKind::TempAndLogs,
        FindingKind::Docs,
        FindingKind::Setuid,
        FindingKind::WorldWritable,
        FindingKind::RunsAsRoot,
    ];

    /// The stable name used in JSON, config files and flags.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Secret => "secret",
            FindingKind::Git => "git",
            FindingKind::NodeModules => "node_modules",
            FindingKind::PythonBytecode => "python_bytecode",
            FindingKind::AptLists => "apt_lists",
            FindingKind::PackageCache => "package_cache",
            FindingKind::BuildTools => "build_tools",
            FindingKind::TempAndLogs => "temp_and_logs",
            FindingKind::Docs => "docs",
            FindingKind::Setuid => "setuid",
            FindingKind::WorldWritable => "world_writable",
            FindingKind::RunsAsRoot => "runs_as_root",
        }
    }

    pub fn from_name(name: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind is about safety rather than size.
    pub fn is_hygiene(self) -> bool {
        matches!(
            self,
            FindingKind::Secret
                | FindingKind::Setuid
                | FindingKind::WorldWritable
                | FindingKind::RunsAsRoot
        )
    }

    /// Kinds reported once per layer at the deepest common ancestor of their files, rather than
    /// once per directory.
    pub fn is_aggregated(self) -> bool {
        matches!(
            self,
            FindingKind::PythonBytecode
                | FindingKind::BuildTools
                | FindingKind::TempAndLogs
                | FindingKind::Docs
        )
    }

    pub fn reason(self) -> &'static str {
        match self {
            FindingKind::Secret => "a credential or private key",
            FindingKind::Git => "a git repository (history and objects) copied into the image",
            FindingKind::NodeModules => "node_modules shipped in the image",
            FindingKind::PythonBytecode => "compiled Python bytecode (*.pyc, __pycache__)",
            FindingKind::AptLists => "apt package lists left after apt-get update",
            FindingKind::PackageCache => "a package manager cache",
            FindingKind::BuildTools => "compilers, headers or build tools in the final image",
            FindingKind::TempAndLogs => "temporary files or logs",
            FindingKind::Docs => "documentation and man pages",
            FindingKind::Setuid => "a setuid or setgid executable",
            FindingKind::WorldWritable => "a world-writable path",
            FindingKind::RunsAsRoot => "the container runs as root",
        }
    }

    /// A one-line fix for a finding at `path`. `dev_dependencies` refines the node_modules fix.
    pub fn fix(self, path: &str, dev_dependencies: bool) -> String {
        match self {
            FindingKind::Secret => "keep it out of the build context (.dockerignore), pass it with `RUN --mount=type=secret`, and rotate it".into(),
            FindingKind::Git => format!("add `{}` to .dockerignore (a `COPY . .` brought the repository in)", dockerignore_entry(path)),
            FindingKind::NodeModules if dev_dependencies => "install production dependencies only: `npm ci --omit=dev` (or `yarn install --production`), and keep the host's node_modules out with .dockerignore".into(),
            FindingKind::NodeModules => "add node_modules to .dockerignore and install in the image with `npm ci --omit=dev`, or copy it from a build stage".into(),
            FindingKind::PythonBytecode => "set `ENV PYTHONDONTWRITEBYTECODE=1`, add `__pycache__/` and `*.pyc` to .dockerignore, and use `pip install --no-compile`".into(),
            FindingKind::AptLists => "end the same RUN as `apt-get update` with `&& rm -rf /var/lib/apt/lists/*`".into(),
            FindingKind::PackageCache => cache_fix(path),
            FindingKind::BuildTools => "use a multi-stage build: compile in a builder stage and COPY only the artifacts into the final stage".into(),
            FindingKind::TempAndLogs => format!("delete `{path}` contents in the same RUN that creates them (e.g. `&& rm -rf /tmp/* /var/log/*`)"),
            FindingKind::Docs => "skip docs at install time (`apt-get install --no-install-recommends` with a dpkg path-exclude for /usr/share/doc and /usr/share/man) or `rm -rf /usr/share/doc /usr/share/man` in the same RUN".into(),
            FindingKind::Setuid => format!("drop the bit unless it is needed: `RUN chmod u-s,g-s {path}`"),
            FindingKind::WorldWritable => format!("`RUN chmod o-w {path}`"),
            FindingKind::RunsAsRoot => "add a non-root user and `USER 10001` (or a named user) after the steps that need root".into(),
        }
    }
}

fn dockerignore_entry(path: &str) -> String {
    // `/app/.git` comes from the build context's `.git`; the context layout is unknown, so name
    // the directory itself.
    path.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(".git")
        .to_string()
}

fn cache_fix(path: &str) -> String {
    if path.starts_with("/var/cache/apt") {
        "run `apt-get clean` (or `rm -rf /var/cache/apt/archives/*.deb`) in the same RUN as `apt-get install`".into()
    } else if path.starts_with("/var/cache/apk") {
        "use `apk add --no-cache`".into()
    } else if path.ends_with("/pip") {
        "use `pip install --no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`)".into()
    } else if path.ends_with("/.npm") || path.contains("/.npm/") {
        "run `npm cache clean --force` in the same RUN as `npm ci`, or use `RUN --mount=type=cache,target=/root/.npm`".into()
    } else if path.contains("yarn") {
        "run `yarn cache clean` in the same RUN as `yarn install`".into()
    } else if path.starts_with("/var/cache/dnf") || path.starts_with("/var/cache/yum") {
        "run `dnf clean all` (or `yum clean all`) in the same RUN as the install".into()
    } else {
        format!(
            "remove `{path}` in the same RUN that fills it, or use `RUN --mount=type=cache,target={path}`"
        )
    }
}

fn parent_name_is(paths: &Paths, node: NodeId, name: &[u8]) -> bool {
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

/// Why a file is a secret, judged by its name and, for key files, its captured content.
pub fn secret_reason(
    paths: &Paths,
    node: NodeId,
    name: &[u8],
    content: Option<&[u8]>,
) -> Option<String> {
    let under = |dir: &[u8]| parent_name_is(paths, node, dir);
    let by_name = match name {
        b"id_rsa" | b"id_dsa" | b"id_ecdsa" | b"id_ed25519" => Some("an SSH private key"),
        b".env" => Some("a .env file with environment secrets"),
        b"credentials" if under(b".aws") => Some("AWS credentials"),
        b"config.json" if under(b".docker") => Some("Docker registry credentials"),
        b".npmrc" => Some("an .npmrc that may hold a registry token"),
        b".netrc" => Some("a .netrc with login credentials"),
        b".git-credentials" => Some("stored git credentials"),
        b".pypirc" => Some("a .pypirc with PyPI credentials"),
        b"application_default_credentials.json" => Some("Google Cloud credentials"),
        _ => None,
    };
    if let Some(reason) = by_name {
        return Some(reason.to_string());
    }
    if name.starts_with(b".env.") && !is_env_template(name) {
        return Some("a .env file with environment secrets".into());
    }
    if content.is_some_and(is_secret_content) {
        return Some("a PEM private key".into());
    }
    None
}

fn is_env_template(name: &[u8]) -> bool {
    [&b".example"[..], b".sample", b".template", b".dist"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Whether captured content is a PEM private key.
pub fn is_secret_content(content: &[u8]) -> bool {
    let head = &content[..content.len().min(4096)];
    head.windows(11).any(|w| w == b"PRIVATE KEY") && head.windows(10).any(|w| w == b"-----BEGIN")
}

/// Which files' content the indexer keeps: package.json files (for dev dependencies),
/// possible key files (to tell private keys from certificates) and package databases (each
/// kind bounded in size by `packages::DbFile::max_bytes`).
pub fn capture_rule(path: &[u8], size: u64) -> bool {
    if crate::packages::capture(path, size) {
        return true;
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if name == b"package.json" {
        return size <= 64 * 1024
            && !path.windows(14).any(|w| w == b"/node_modules/")
            && !path.starts_with(b"node_modules/");
    }
    size <= 16 * 1024
        && [&b".pem"[..], b".key", b".p8"]
            .iter()
            .any(|ext| name.ends_with(ext))
        && !path.starts_with(b"etc/ssl/certs/")
        && !path.starts_with(b"usr/share/ca-certificates/")
}
