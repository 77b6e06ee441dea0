//! Where the Docker or Podman API listens: the flag, the environment, the Docker context, the
//! default sockets. The first contact with it is in [`super::probe`].

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::Engine;

/// An API endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, plain HTTP.
    Tcp(String),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(addr) => write!(f, "tcp://{addr}"),
        }
    }
}

impl Endpoint {
    /// Parses a `DOCKER_HOST`-style value.
    pub fn parse(host: &str) -> Result<Endpoint, String> {
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            let addr = addr.trim_end_matches('/');
            let addr = if addr.contains(':') {
                addr.to_string()
            } else {
                format!("{addr}:2375")
            };
            return Ok(Endpoint::Tcp(addr));
        }
        if host.starts_with('/') {
            return Ok(Endpoint::Unix(PathBuf::from(host)));
        }
        Err(format!(
            "unsupported daemon address {host}: plummet speaks to unix:// and tcp:// endpoints \
             (for ssh:// or TLS, forward the socket locally and pass --host unix://…)"
        ))
    }
}

/// Looks up environment variables; a parameter so that resolution can be tested.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Chooses the endpoint for `engine`: `--host`, then the environment, then the configuration.
pub fn resolve(engine: Engine, host: Option<&str>, env: Env<'_>) -> Result<Endpoint, String> {
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        return Endpoint::parse(host);
    }
    match engine {
        Engine::Docker => resolve_docker(env),
        Engine::Podman => Ok(resolve_podman(env)),
    }
}

fn resolve_docker(env: Env<'_>) -> Result<Endpoint, String> {
    if let Some(host) = env("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Endpoint::parse(&host);
    }
    let config_dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")));
    let context = env("DOCKER_CONTEXT")
        .filter(|c| !c.is_empty())
        .or_else(|| config_dir.as_deref().and_then(current_context));
    if let (Some(name), Some(dir)) = (context.filter(|c| c != "default"), &config_dir) {
        return context_host(dir, &name).and_then(|h| Endpoint::parse(&h));
    }
    Ok(Endpoint::Unix(PathBuf::from("/var/run/docker.sock")))
}

fn resolve_podman(env: Env<'_>) -> Endpoint {
    if let Some(host) = env("CONTAINER_HOST").filter(|h| h.starts_with("unix://")) {
        if let Ok(endpoint) = Endpoint::parse(&host) {
            return endpoint;
        }
    }
    let rootless = env("XDG_RUNTIME_DIR").map(|d| Path::new(&d).join("podman/podman.sock"));
    let rootful = PathBuf::from("/run/podman/podman.sock");
    match rootless {
        Some(path) if path.exists() || !rootful.exists() => Endpoint::Unix(path),
        _ => Endpoint::Unix(rootful),
    }
}

/// `currentContext` from the Docker CLI's `config.json`, when there is one.
fn current_context(config_dir: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(rename = "currentContext")]
        current_context: Option<String>,
    }
    let bytes = std::fs::read(config_dir.join("config.json")).ok()?;
    let config: Config = serde_json::from_slice(&bytes).ok()?;
    config.current_context.filter(|c| !c.is_empty())
}

/// The Docker endpoint of a named context: `contexts/meta/<sha256 of name>/meta.json`.
fn context_host(config_dir: &Path, name: &str) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Meta {
        #[serde(rename = "Endpoints")]
        endpoints: std::collections::BTreeMap<String, MetaEndpoint>,
    }
    #[derive(Deserialize)]
    struct MetaEndpoint {
        #[serde(rename = "Host")]
        host: Option<String>,
    }
    let hex: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = config_dir.join("contexts/meta").join(hex).join("meta.json");
    let bytes = std::fs::read(&path)
        .map_err(|e| format!("docker context {name}: cannot read {}: {e}", path.display()))?;
    let meta: Meta = serde_json::from_slice(&bytes)
        .map_err(|e| format!("docker context {name}: malformed {}: {e}", path.display()))?;
    meta.endpoints
        .get("docker")
        .and_then(|e| e.host.clone())
        .ok_or_else(|| format!("docker context {name} has no docker endpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn host_flag_wins_over_docker_host() {
        let env = env_of(&[("DOCKER_HOST", "unix:///env.sock")]);
        assert_eq!(
            resolve(Engine::Docker, Some("tcp://10.0.0.1:2375"), &env),
            Ok(Endpoint::Tcp("10.0.0.1:2375".into()))
        );
        assert_eq!(
            resolve(Engine::Docker, None, &env),
            Ok(Endpoint::Unix("/env.sock".into()))
        );
        let env = env_of(&[("DOCKER_HOST", "tcp://daemon")]);
        assert_eq!(
            resolve(Engine::Docker, None, &env),
            Ok(Endpoint::Tcp("daemon:2375".into()))
        );
    }

    #[test]
    fn current_context_from_the_docker_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{},"currentContext":"remote"}"#,
        )
        .unwrap();
        let hex: String = Sha256::digest(b"remote")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let meta = dir.path().join("contexts/meta").join(hex);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///ctx.sock","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let config = dir.path().to_str().unwrap();
        let env = env_of(&[("DOCKER_CONFIG", config)]);
        assert_eq!(
            resolve(Engine::Docker, None, &env),
            Ok(Endpoint::Unix("/ctx.sock".into()))
        );
        // DOCKER_CONTEXT names another context, which must exist.
        let env = env_of(&[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "gone")]);
        let err = resolve(Engine::Docker, None, &env).unwrap_err();
        assert!(err.contains("docker context gone"), "{err}");
        // DOCKER_HOST beats the context; "default" means the default socket.
        let env = env_of(&[("DOCKER_CONFIG", config), ("DOCKER_HOST", "unix:///h.sock")]);
        assert_eq!(
            resolve(Engine::Docker, None, &env),
            Ok(Endpoint::Unix("/h.sock".into()))
        );
        let env = env_of(&[("DOCKER_CONFIG", config), ("DOCKER_CONTEXT", "default")]);
        assert_eq!(
            resolve(Engine::Docker, None, &env),
            Ok(Endpoint::Unix("/var/run/docker.sock".into()))
        );
    }

    #[test]
    fn podman_prefers_the_rootless_socket_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("podman")).unwrap();
        std::fs::write(dir.path().join("podman/podman.sock"), b"").unwrap();
        let env = env_of(&[("XDG_RUNTIME_DIR", dir.path().to_str().unwrap())]);
        assert_eq!(
            resolve(Engine::Podman, None, &env),
            Ok(Endpoint::Unix(dir.path().join("podman/podman.sock")))
        );
        let env = env_of(&[("CONTAINER_HOST", "unix:///c.sock")]);
        assert_eq!(
            resolve(Engine::Podman, None, &env),
            Ok(Endpoint::Unix("/c.sock".into()))
        );
    }

    #[test]
    fn unsupported_schemes_are_refused_by_name() {
        let err = Endpoint::parse("ssh://me@host").unwrap_err();
        assert!(err.contains("ssh://me@host"), "{err}");
    }
}
