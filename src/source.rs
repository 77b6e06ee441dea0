//! Where images come from: archives on disk, a Docker daemon, Podman's Docker-compatible API,
//! or a registry. Each source yields an [`Image`]: metadata plus indexed layers. Only this module
//! (and what it calls) does I/O against the outside world; async stays inside it.

pub mod archive;
pub mod daemon;
pub mod platform_check;
pub mod reference;
pub mod registry;
pub mod stdin;

use std::path::PathBuf;

use crate::image::{Image, ImageError, IndexOptions, Platform, Progress};

/// Credentials given on the command line or found in a config. Never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub secret: Secret,
}

/// A password or token that never shows itself in logs or errors.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("secret", &self.secret)
            .finish()
    }
}

/// How to load an image, whatever the source.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub index: IndexOptions,
    /// Which manifest of a multi-platform index; `None` means the host's.
    pub platform: Option<Platform>,
    /// Docker or Podman API endpoint (`unix:///…`, `tcp://…`), overriding DOCKER_HOST.
    pub host: Option<String>,
    /// Registry credentials from `--creds` or stdin.
    pub credentials: Option<Credentials>,
    /// A registry bearer token given directly.
    pub registry_token: Option<Secret>,
    /// Skip TLS certificate checks, and allow plain HTTP to registries that are not on loopback.
    pub insecure: bool,
    /// Docker daemon and Podman: always read through the export API, never the layer store.
    pub export: bool,
    /// How long a registry or daemon answer held in memory (manifest, config, token, image
    /// inspect, history) may take to arrive in total; `None` for the default of 60 s. Tests
    /// shorten it.
    pub body_deadline: Option<std::time::Duration>,
    /// How long a Docker or Podman export may send nothing before plummet gives up; `None` for
    /// the default of 120 s (`PLUMMET_DAEMON_EXPORT_IDLE_SECS` sets it from the command line).
    pub export_idle: Option<std::time::Duration>,
    /// `--force`: a single-platform image that `platform` does not match is read with a
    /// warning instead of refused.
    pub force_platform: bool,
}

/// What the user asked to read, after looking at transport prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// `docker-archive:PATH`, `oci:DIR[:TAG]`, `oci-archive:PATH[:TAG]`, or a path that exists.
    Archive {
        path: PathBuf,
        kind: Option<archive::ArchiveKind>,
        tag: Option<String>,
    },
    /// `docker-daemon:REF` (also `docker:REF`).
    Daemon(String),
    /// `podman:REF`.
    Podman(String),
    /// `docker://REF` or `registry:REF`.
    Registry(String),
    /// A bare reference: the daemon if it has it, else the registry.
    Bare(String),
}

impl SourceSpec {
    /// Interprets what the user typed.
    pub fn parse(input: &str) -> SourceSpec {
        let split_tag = |rest: &str| -> (PathBuf, Option<String>) {
            // `oci:DIR:TAG`: the tag is after the last colon, unless that colon is part of the path.
            match rest.rsplit_once(':') {
                Some((path, tag)) if !tag.contains('/') && !path.is_empty() => {
                    (PathBuf::from(path), Some(tag.to_string()))
                }
                _ => (PathBuf::from(rest), None),
            }
        };
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            // dive writes `docker-archive://PATH`; skopeo `docker-archive:PATH[:REF]`.
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, tag) = split_archive_reference(rest);
            return SourceSpec::Archive {
                path,
                kind: Some(archive::ArchiveKind::DockerArchive),
                tag,
            };
        }
        if let Some(rest) = input.strip_prefix("oci-archive:") {
            let (path, tag) = if std::path::Path::new(rest).exists() {
                (PathBuf::from(rest), None)
            } else {
                split_tag(rest)
            };
            return SourceSpec::Archive {
                path,
                kind: Some(archive::ArchiveKind::OciArchive),
                tag,
            };
        }
        if let Some(rest) = input.strip_prefix("oci:") {
            let (path, tag) = if std::path::Path::new(rest).exists() {
                (PathBuf::from(rest), None)
            } else {
                split_tag(rest)
            };
            return SourceSpec::Archive {
                path,
                kind: Some(archive::ArchiveKind::OciDir),
                tag,
            };
        }
        if let Some(rest) = input.strip_prefix("podman:") {
            // dive's form is `podman://REF`.
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            return SourceSpec::Podman(rest.to_string());
        }
        if let Some(rest) = input
            .strip_prefix("docker://")
            .or_else(|| input.strip_prefix("registry:"))
        {
            return SourceSpec::Registry(rest.to_string());
        }
        if let Some(rest) = input
            .strip_prefix("docker-daemon:")
            .or_else(|| input.strip_prefix("docker:"))
        {
            return SourceSpec::Daemon(rest.to_string());
        }
        let path = std::path::Path::new(input);
        if path.exists()
            || input.starts_with('/')
            || input.starts_with("./")
            || input.ends_with(".tar")
        {
            return SourceSpec::Archive {
                path: path.to_path_buf(),
                kind: None,
                tag: None,
            };
        }
        SourceSpec::Bare(input.to_string())
    }
}

/// `PATH[:REF]` of a `docker-archive:` reference. The reference holds colons of its own
/// (`app:1`), and so may the path, so the path is the shortest prefix before a colon that names
/// an existing file; when none does, the whole text is the path (and its error names it).
fn split_archive_reference(rest: &str) -> (PathBuf, Option<String>) {
    if std::path::Path::new(rest).exists() {
        return (PathBuf::from(rest), None);
    }
    for (at, _) in rest.match_indices(':') {
        let (path, reference) = (&rest[..at], &rest[at + 1..]);
        if !path.is_empty() && !reference.is_empty() && std::path::Path::new(path).is_file() {
            return (PathBuf::from(path), Some(reference.to_string()));
        }
    }
    (PathBuf::from(rest), None)
}

/// Why an image could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {message}")]
    Archive { path: String, message: String },
    #[error("{0}")]
    Daemon(String),
    #[error("{0}")]
    Registry(String),
    #[error("{0}")]
    Reference(String),
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// Loads and indexes an image from wherever `input` points.
pub fn load(input: &str, options: &LoadOptions, progress: &Progress) -> Result<Image, SourceError> {
    let mut image = load_unchecked(input, options, progress)?;
    platform_check::check(&image.meta.reference, &image.meta.config, options)?;
    // Reading files later keeps its seek maps beside the layer indexes (src/image/seek.rs).
    image.seek_cache = options.index.disk_cache.clone();
    Ok(image)
}

fn load_unchecked(
    input: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    if input == stdin::STDIN {
        return stdin::load(options, progress);
    }
    match SourceSpec::parse(input) {
        SourceSpec::Archive { path, kind, tag } => {
            archive::load(&path, kind, tag.as_deref(), options, progress)
        }
        SourceSpec::Daemon(reference) => {
            daemon::load(daemon::Engine::Docker, &reference, options, progress)
        }
        SourceSpec::Podman(reference) => {
            daemon::load(daemon::Engine::Podman, &reference, options, progress)
        }
        SourceSpec::Registry(reference) => {
            registry::load(&reference, options, progress).map_err(|e| match e {
                // skopeo's meaning stays, but a user who meant the local image learns it is there.
                SourceError::Registry(why) => match daemon::holder_of(&reference, options) {
                    Some(at) => SourceError::Registry(format!(
                        "{why} (the Docker daemon at {at} has {reference}: use \
                         docker-daemon:{reference} to read it from there)"
                    )),
                    None => SourceError::Registry(why),
                },
                other => other,
            })
        }
        SourceSpec::Bare(reference) => daemon::load_bare(&reference, options, progress),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_transports() {
        assert_eq!(
            SourceSpec::parse("docker://nginx"),
            SourceSpec::Registry("nginx".into())
        );
        assert_eq!(
            SourceSpec::parse("podman:alpine:3"),
            SourceSpec::Podman("alpine:3".into())
        );
        assert_eq!(
            SourceSpec::parse("docker-daemon:app:1"),
            SourceSpec::Daemon("app:1".into())
        );
        assert_eq!(
            SourceSpec::parse("nginx:latest"),
            SourceSpec::Bare("nginx:latest".into())
        );
        assert_eq!(
            SourceSpec::parse("oci:/nonexistent/dir:v1"),
            SourceSpec::Archive {
                path: "/nonexistent/dir".into(),
                kind: Some(archive::ArchiveKind::OciDir),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            SourceSpec::parse("image.tar"),
            SourceSpec::Archive {
                path: "image.tar".into(),
                kind: None,
                tag: None
            }
        );
    }

    #[test]
    fn docker_archive_references_choose_an_image_and_take_dive_s_forms() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("multi:image.tar");
        std::fs::write(&file, b"").unwrap();
        let at = file.display().to_string();
        let archive = |path: &std::path::Path, tag: Option<&str>| SourceSpec::Archive {
            path: path.to_path_buf(),
            kind: Some(archive::ArchiveKind::DockerArchive),
            tag: tag.map(str::to_string),
        };
        assert_eq!(
            SourceSpec::parse(&format!("docker-archive:{at}")),
            archive(&file, None)
        );
        assert_eq!(
            SourceSpec::parse(&format!("docker-archive:{at}:app:1")),
            archive(&file, Some("app:1"))
        );
        assert_eq!(
            SourceSpec::parse(&format!("docker-archive:{at}:reg:5000/a/b:2")),
            archive(&file, Some("reg:5000/a/b:2"))
        );
        // dive's `docker-archive://PATH`: relative paths stay relative.
        assert_eq!(
            SourceSpec::parse(&format!("docker-archive://{at}")),
            archive(&file, None)
        );
        assert_eq!(
            SourceSpec::parse("docker-archive://image.tar"),
            archive(std::path::Path::new("image.tar"), None)
        );
        // A path that does not exist stays whole, so its error names it.
        assert_eq!(
            SourceSpec::parse("docker-archive:/nonexistent/x.tar:app:1"),
            archive(std::path::Path::new("/nonexistent/x.tar:app:1"), None)
        );
        assert_eq!(
            SourceSpec::parse("podman://alpine:3"),
            SourceSpec::Podman("alpine:3".into())
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Credentials {
            username: "u".into(),
            secret: Secret("hunter2".into()),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
