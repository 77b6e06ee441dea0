//! The kinds of findings: their names, why each matters, and the fix for each.

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
    StaticLibraries,
    TestFiles,
    Locales,
    DownloadedArchives,
    TempAndLogs,
    Docs,
    DuplicateContent,
    MetadataCopy,
    Setuid,
    WorldWritable,
    RunsAsRoot,
}

impl FindingKind {
    pub const ALL: [FindingKind; 18] = [
        FindingKind::Secret,
        FindingKind::Git,
        FindingKind::NodeModules,
        FindingKind::PythonBytecode,
        FindingKind::AptLists,
        FindingKind::PackageCache,
        FindingKind::BuildTools,
        FindingKind::StaticLibraries,
        FindingKind::TestFiles,
        FindingKind::Locales,
        FindingKind::DownloadedArchives,
        FindingKind::TempAndLogs,
        FindingKind::Docs,
        FindingKind::DuplicateContent,
        FindingKind::MetadataCopy,
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
            FindingKind::StaticLibraries => "static_libraries",
            FindingKind::TestFiles => "test_files",
            FindingKind::Locales => "locales",
            FindingKind::DownloadedArchives => "downloaded_archives",
            FindingKind::TempAndLogs => "temp_and_logs",
            FindingKind::Docs => "docs",
            FindingKind::DuplicateContent => "duplicate_content",
            FindingKind::MetadataCopy => "metadata_copy",
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

    /// Kinds reported once per layer and top-level directory at the deepest common ancestor of
    /// their files, rather than once per categorised directory.
    pub fn is_aggregated(self) -> bool {
        matches!(
            self,
            FindingKind::PythonBytecode
                | FindingKind::BuildTools
                | FindingKind::StaticLibraries
                | FindingKind::TestFiles
                | FindingKind::Locales
                | FindingKind::DownloadedArchives
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
            FindingKind::StaticLibraries => "static libraries (*.a), needed only to link",
            FindingKind::TestFiles => "test suites shipped inside installed packages",
            FindingKind::Locales => "translations and locale data",
            FindingKind::DownloadedArchives => {
                "a downloaded archive or package file left after use"
            }
            FindingKind::TempAndLogs => "temporary files or logs",
            FindingKind::Docs => "documentation and man pages",
            FindingKind::DuplicateContent => "the same content at several paths",
            FindingKind::MetadataCopy => "files shipped again only to change owner, mode or mtime",
            FindingKind::Setuid => "a setuid or setgid executable",
            FindingKind::WorldWritable => "a world-writable path",
            FindingKind::RunsAsRoot => "the container runs as root",
        }
    }

    /// A one-line fix for a finding at `path` in one of the user's layers, still visible.
    /// `dev_dependencies` refines the node_modules fix.
    pub fn fix(self, path: &str, dev_dependencies: bool) -> String {
        match self {
            FindingKind::Secret => "keep it out of the build context (.dockerignore), pass it with `RUN --mount=type=secret`, and rotate it".into(),
            FindingKind::Git => format!("add `{}` to .dockerignore (a `COPY . .` brought the repository in)", dockerignore_entry(path)),
            FindingKind::NodeModules if dev_dependencies => "install production dependencies only: `npm ci --omit=dev` (or `yarn install --production`), and keep the host's node_modules out with .dockerignore".into(),
            FindingKind::NodeModules => "no package.json beside it says what it is for: if it is the build context's copy, add node_modules to .dockerignore and install in the image with `npm ci --omit=dev`, or copy it from a build stage".into(),
            FindingKind::PythonBytecode => "set `ENV PYTHONDONTWRITEBYTECODE=1`, add `__pycache__/` and `*.pyc` to .dockerignore, and use `pip install --no-compile`".into(),
            FindingKind::AptLists => "end the same RUN as `apt-get update` with `&& rm -rf /var/lib/apt/lists/*`".into(),
            FindingKind::PackageCache => cache_fix(path),
            FindingKind::BuildTools => "use a multi-stage build: compile in a builder stage and COPY only the artifacts into the final stage".into(),
            FindingKind::StaticLibraries => format!("link in a builder stage and copy only the artifacts, or delete them in the RUN that installs them (`&& find {path} -name '*.a' -delete`)"),
            FindingKind::TestFiles => format!("delete test suites in the same RUN as the install (`&& find {path} -depth -type d \\( -name tests -o -name test -o -name __tests__ \\) -exec rm -rf {{}} +`)"),
            FindingKind::Locales if path.starts_with("/usr/lib/locale") => "compile only the locale in use, in the RUN that generates locales (one line in /etc/locale.gen before `locale-gen`, or `localedef -i LANG -f UTF-8 LANG.UTF-8`); C.UTF-8 needs none".into(),
            FindingKind::Locales => "keep only the locales in use: a dpkg path-exclude for /usr/share/locale/* (path-include for yours) before installing, or `rm -rf` them in the same RUN as the install".into(),
            FindingKind::DownloadedArchives => format!("delete `{path}` in the same RUN that downloads and extracts it (or use `ADD --checksum` / `RUN --mount=type=bind` from a build stage)"),
            FindingKind::TempAndLogs => format!("delete `{path}` contents in the same RUN that creates them (e.g. `&& rm -rf /tmp/* /var/log/*`)"),
            FindingKind::Docs => "skip docs at install time (`apt-get install --no-install-recommends` with a dpkg path-exclude for /usr/share/doc and /usr/share/man) or `rm -rf /usr/share/doc /usr/share/man` in the same RUN".into(),
            FindingKind::DuplicateContent => format!("keep one copy: hardlink or symlink the others to `{path}` in the RUN that makes them, `COPY --link` it from one place, or copy it once from a build stage"),
            FindingKind::MetadataCopy => format!("set owner and mode where `{path}` is created: `COPY --chown=USER:GROUP --chmod=MODE`, or `chown`/`chmod` in the RUN that creates the files; a later `RUN chown -R`/`chmod -R`/`touch` ships every file again"),
            FindingKind::Setuid => format!("unless it is needed, `&& chmod u-s,g-s {path}` in the same RUN that creates it, or `COPY --chmod=0755` if it is copied in (a separate `RUN chmod` ships the file again)"),
            FindingKind::WorldWritable => format!("`&& chmod o-w {path}` in the same RUN that creates it, or `COPY --chmod=0644` if it is copied in (a separate `RUN chmod` ships the file again)"),
            FindingKind::RunsAsRoot => "add a non-root user and `USER 10001` (or a named user) after the steps that need root".into(),
        }
    }

    /// The fix for bytes a later layer deletes or replaces: deleting later saves nothing, so the
    /// bytes must not be written to a layer in the first place.
    pub fn hidden_fix(self, path: &str) -> String {
        match self {
            FindingKind::NodeModules => "delete it in the same RUN that creates it, or build it in a separate stage and copy only what the app needs".into(),
            FindingKind::Git => self.fix(path, false),
            _ => format!("remove `{path}` in the same RUN that creates it, not in a later one: {}", self.fix(path, false)),
        }
    }

    /// The fix for something that comes with the base image: the user wrote no RUN that made
    /// it, and deleting it in their own layer does not make the image smaller.
    pub fn base_fix(self, path: &str) -> String {
        format!(
            "it comes from the base image: choose a slimmer or newer base (a `-slim` or distroless variant) that does not ship `{path}`; deleting it in your own RUN would not make the image smaller"
        )
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
    } else if path.ends_with("/pkgs") {
        "run `conda clean -afy` in the same RUN as `conda install`".into()
    } else if path.starts_with("/var/cache/dnf") || path.starts_with("/var/cache/yum") {
        "run `dnf clean all` (or `yum clean all`) in the same RUN as the install".into()
    } else {
        format!(
            "remove `{path}` in the same RUN that fills it, or use `RUN --mount=type=cache,target={path}`"
        )
    }
}
