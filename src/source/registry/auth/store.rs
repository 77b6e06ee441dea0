//! Where saved registry credentials live: Docker's config (`auths`, `credHelpers`, `credsStore`
//! through `docker-credential-<name> get`) and Podman's `auth.json`. Nothing read here is ever
//! printed: errors name the file, the helper and the registry only.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::Credential;
use crate::source::reference::DOCKER_HUB;
use crate::source::{Credentials, Secret};

/// The files to look in. Podman's `auth.json` files come first, in the order
/// containers-auth.json(5) lists them, then Docker's `config.json`; the first file with an entry
/// for the registry wins.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub docker_config: Option<PathBuf>,
    pub podman_auth: Vec<PathBuf>,
}

impl Locations {
    /// The locations for this process's environment and user.
    pub fn from_env() -> Locations {
        Locations::from_lookup(
            |name| std::env::var_os(name).filter(|v| !v.is_empty()),
            current_uid(),
        )
    }

    /// `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json` (or
    /// `/run/containers/$UID/auth.json` when `XDG_RUNTIME_DIR` is unset),
    /// `$XDG_CONFIG_HOME/containers/auth.json` (or `~/.config/containers/auth.json`), then
    /// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
        uid: Option<u32>,
    ) -> Locations {
        let home = var("HOME").map(PathBuf::from);
        let docker_config = var("DOCKER_CONFIG")
            .map(|d| PathBuf::from(d).join("config.json"))
            .or_else(|| home.as_ref().map(|h| h.join(".docker/config.json")));
        let mut podman_auth = Vec::new();
        if let Some(file) = var("REGISTRY_AUTH_FILE") {
            podman_auth.push(PathBuf::from(file));
        }
        match (var("XDG_RUNTIME_DIR"), uid) {
            (Some(dir), _) => podman_auth.push(PathBuf::from(dir).join("containers/auth.json")),
            (None, Some(uid)) => {
                podman_auth.push(PathBuf::from(format!("/run/containers/{uid}/auth.json")));
            }
            (None, None) => {}
        }
        let config_home = var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        if let Some(dir) = config_home {
            podman_auth.push(dir.join("containers/auth.json"));
        }
        Locations {
            docker_config,
            podman_auth,
        }
    }
}

/// This process's user id (the owner of `/proc/self`), when it can be told.
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigFile {
    auths: BTreeMap<String, AuthEntry>,
    #[serde(rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// Finds saved credentials for `registry` (as in a reference: `docker.io`, `host:5000`) and
/// `repository`.
pub fn find(
    locations: &Locations,
    registry: &str,
    repository: &str,
) -> Result<Option<Credential>, String> {
    for path in &locations.podman_auth {
        if let Some(config) = read_config(path)? {
            // auth.json takes Docker's `credHelpers` too (containers-auth.json(5)).
            if let Some(found) = from_docker_config(&config, path, registry, repository)? {
                return Ok(Some(found));
            }
        }
    }
    if let Some(path) = &locations.docker_config {
        if let Some(config) = read_config(path)? {
            if let Some(found) = from_docker_config(&config, path, registry, repository)? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

fn read_config(path: &Path) -> Result<Option<ConfigFile>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    // serde's messages quote no values for these types, but keep only the position to be safe.
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        format!(
            "{} is not valid JSON (line {}, column {})",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

fn from_docker_config(
    config: &ConfigFile,
    path: &Path,
    registry: &str,
    repository: &str,
) -> Result<Option<Credential>, String> {
    let helper = config
        .cred_helpers
        .iter()
        .find(|(key, _)| key_host(key) == registry)
        .map(|(_, helper)| helper);
    if let Some(helper) = helper {
        return run_helper(helper, registry);
    }
    if let Some(entry) = best_entry(&config.auths, registry, repository) {
        if let Some(found) = decode_entry(entry, path, registry)? {
            return Ok(Some(found));
        }
    }
    match &config.creds_store {
        Some(store) if !store.is_empty() => run_helper(store, registry),
        _ => Ok(None),
    }
}

/// The host a config key names: `https://index.docker.io/v1/` -> `docker.io`.
fn key_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => DOCKER_HUB,
        other => other,
    }
}

/// The entry for this registry, preferring the longest `host/namespace` key that prefixes the
/// repository (Podman allows those).
fn best_entry<'a>(
    auths: &'a BTreeMap<String, AuthEntry>,
    registry: &str,
    repository: &str,
) -> Option<&'a AuthEntry> {
    auths
        .iter()
        .filter_map(|(key, entry)| {
            if key_host(key) != registry {
                return None;
            }
            let bare = key
                .strip_prefix("https://")
                .or_else(|| key.strip_prefix("http://"))
                .unwrap_or(key);
            let path = bare
                .split_once('/')
                .map_or("", |(_, p)| p.trim_end_matches('/'));
            let specific = !path.is_empty() && path != "v1" && path != "v2";
            if !specific {
                return Some((0, entry));
            }
            let matches = repository == path || repository.starts_with(&format!("{path}/"));
            matches.then_some((path.len(), entry))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, entry)| entry)
}

fn decode_entry(
    entry: &AuthEntry,
    path: &Path,
    registry: &str,
) -> Result<Option<Credential>, String> {
    let bad = || {
        format!(
            "{}: the saved credentials for {registry} are malformed",
            path.display()
        )
    };
    let (username, password) = match (&entry.auth, &entry.username, &entry.password) {
        (Some(auth), _, _) if !auth.is_empty() => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| bad())?;
            let text = String::from_utf8(decoded).map_err(|_| bad())?;
            let (u, p) = text.split_once(':').ok_or_else(bad)?;
            (u.to_string(), p.to_string())
        }
        (_, Some(u), Some(p)) => (u.clone(), p.clone()),
        _ => (String::new(), String::new()),
    };
    if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken {
            username,
            token: Secret(token.clone()),
        }));
    }
    if username.is_empty() && password.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credential::Basic(Credentials {
        username,
        secret: Secret(password),
    })))
}

/// Asks `docker-credential-<helper> get`. Its output is never included in errors.
fn run_helper(helper: &str, registry: &str) -> Result<Option<Credential>, String> {
    run_helper_program(&format!("docker-credential-{helper}"), registry)
}

fn run_helper_program(program: &str, registry: &str) -> Result<Option<Credential>, String> {
    let server = if registry == DOCKER_HUB {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let fail = |what: &str| format!("credential helper {program} failed for {registry}: {what}");
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(&e.kind().to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .map_err(|e| fail(&e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| fail(&e.to_string()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout).to_lowercase()
            + &String::from_utf8_lossy(&output.stderr).to_lowercase();
        if said.contains("not found") {
            return Ok(None);
        }
        return Err(fail(&format!("{}", output.status)));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|_| fail("its answer is not the expected JSON"))?;
    if answer.username == "<token>" {
        return Ok(Some(Credential::IdentityToken {
            username: String::new(),
            token: Secret(answer.secret),
        }));
    }
    Ok(Some(Credential::Basic(Credentials {
        username: answer.username,
        secret: Secret(answer.secret),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn basic(found: Option<Credential>) -> (String, String) {
        match found {
            Some(Credential::Basic(c)) => (c.username, c.secret.0),
            other => panic!("expected basic credentials, got {other:?}"),
        }
    }

    #[test]
    fn docker_config_auth_field_and_hub_aliases() {
        let dir = tempfile::tempdir().unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:pa:ss");
        let path = write(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},
                "127.0.0.1:5001":{{"username":"bob","password":"pw"}}}}}}"#
            ),
        );
        let loc = Locations {
            docker_config: Some(path),
            podman_auth: vec![],
        };
        assert_eq!(
            basic(find(&loc, "docker.io", "library/nginx").unwrap()),
            ("alice".into(), "pa:ss".into())
        );
        assert_eq!(
            basic(find(&loc, "127.0.0.1:5001", "app").unwrap()),
            ("bob".into(), "pw".into())
        );
        assert!(find(&loc, "ghcr.io", "x").unwrap().is_none());
    }

    #[test]
    fn identity_token_and_podman_namespaces() {
        let dir = tempfile::tempdir().unwrap();
        let docker = write(
            dir.path(),
            "config.json",
            r#"{"auths":{"reg.io":{"auth":"","identitytoken":"refresh-me"}}}"#,
        );
        let podman = write(
            dir.path(),
            "auth.json",
            &format!(
                r#"{{"auths":{{"quay.io":{{"auth":"{}"}},"quay.io/team":{{"auth":"{}"}}}}}}"#,
                base64::engine::general_purpose::STANDARD.encode("any:1"),
                base64::engine::general_purpose::STANDARD.encode("team:2"),
            ),
        );
        let loc = Locations {
            docker_config: Some(docker),
            podman_auth: vec![dir.path().join("missing.json"), podman],
        };
        match find(&loc, "reg.io", "a").unwrap() {
            Some(Credential::IdentityToken { token, .. }) => assert_eq!(token.0, "refresh-me"),
            other => panic!("{other:?}"),
        }
        assert_eq!(basic(find(&loc, "quay.io", "team/app").unwrap()).0, "team");
        assert_eq!(basic(find(&loc, "quay.io", "teamx/app").unwrap()).0, "any");
    }

    #[test]
    fn locations_follow_containers_auth_json_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let loc = Locations::from_lookup(
            env(&[
                ("HOME", "/h"),
                ("REGISTRY_AUTH_FILE", "/a.json"),
                ("XDG_RUNTIME_DIR", "/run/user/7"),
            ]),
            Some(7),
        );
        assert_eq!(
            loc.podman_auth,
            [
                PathBuf::from("/a.json"),
                PathBuf::from("/run/user/7/containers/auth.json"),
                PathBuf::from("/h/.config/containers/auth.json"),
            ]
        );
        assert_eq!(
            loc.docker_config,
            Some(PathBuf::from("/h/.docker/config.json"))
        );
        let loc = Locations::from_lookup(
            env(&[
                ("HOME", "/h"),
                ("XDG_CONFIG_HOME", "/cfg"),
                ("DOCKER_CONFIG", "/d"),
            ]),
            Some(1000),
        );
        assert_eq!(
            loc.podman_auth,
            [
                PathBuf::from("/run/containers/1000/auth.json"),
                PathBuf::from("/cfg/containers/auth.json"),
            ]
        );
        assert_eq!(loc.docker_config, Some(PathBuf::from("/d/config.json")));
        let loc = Locations::from_lookup(env(&[]), None);
        assert!(loc.podman_auth.is_empty() && loc.docker_config.is_none());
    }

    #[test]
    fn podman_files_come_before_docker_config_and_fall_through() {
        let dir = tempfile::tempdir().unwrap();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let docker = write(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths":{{"h:1":{{"auth":"{}"}},"only-docker:2":{{"auth":"{}"}}}}}}"#,
                b64("docker:d"),
                b64("docker2:d2")
            ),
        );
        let runtime = write(
            dir.path(),
            "runtime.json",
            &format!(r#"{{"auths":{{"h:1":{{"auth":"{}"}}}}}}"#, b64("runtime:r")),
        );
        let config = write(
            dir.path(),
            "config-home.json",
            &format!(
                r#"{{"auths":{{"h:1":{{"auth":"{}"}},"other:3":{{"auth":"{}"}}}}}}"#,
                b64("confighome:c"),
                b64("other:o")
            ),
        );
        let loc = Locations {
            docker_config: Some(docker),
            podman_auth: vec![dir.path().join("absent.json"), runtime, config],
        };
        assert_eq!(
            basic(find(&loc, "h:1", "app").unwrap()),
            ("runtime".into(), "r".into())
        );
        assert_eq!(basic(find(&loc, "other:3", "app").unwrap()).0, "other");
        assert_eq!(
            basic(find(&loc, "only-docker:2", "app").unwrap()).0,
            "docker2"
        );
    }

    #[test]
    fn malformed_files_are_named_without_their_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "config.json",
            r#"{"auths":{"h":{"auth":"%%secret%%"}}}"#,
        );
        let loc = Locations {
            docker_config: Some(path),
            podman_auth: vec![],
        };
        let err = find(&loc, "h", "a").unwrap_err();
        assert!(
            err.contains("config.json") && !err.contains("secret"),
            "{err}"
        );
        let path = write(dir.path(), "bad.json", r#"{"auths": "hunter2"#);
        let loc = Locations {
            docker_config: Some(path),
            podman_auth: vec![],
        };
        let err = find(&loc, "h", "a").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn credential_helper_protocol() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-plummettest");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread server\ncase \"$server\" in\n h:1) echo '{\"ServerURL\":\"h:1\",\"Username\":\"carol\",\"Secret\":\"s3\"}';;\n https://index.docker.io/v1/) echo '{\"Username\":\"<token>\",\"Secret\":\"idt\"}';;\n broken) echo 'hunter2 went wrong' >&2; exit 3;;\n *) echo 'credentials not found in native keychain'; exit 1;;\nesac\n",
        )
        .unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let program = helper.display().to_string();
        assert_eq!(
            basic(run_helper_program(&program, "h:1").unwrap()),
            ("carol".into(), "s3".into())
        );
        match run_helper_program(&program, "docker.io").unwrap() {
            Some(Credential::IdentityToken { token, .. }) => assert_eq!(token.0, "idt"),
            other => panic!("{other:?}"),
        }
        assert!(run_helper_program(&program, "other:2").unwrap().is_none());
        let err = run_helper_program(&program, "broken").unwrap_err();
        assert!(err.contains("broken") && !err.contains("hunter2"), "{err}");
        let err = run_helper("plummet-no-such-helper", "h:1").unwrap_err();
        assert!(
            err.contains("docker-credential-plummet-no-such-helper"),
            "{err}"
        );
    }
}
