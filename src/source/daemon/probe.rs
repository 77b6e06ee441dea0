//! The first contact with an engine: an unversioned `/_ping` or `/version` that says which API
//! version to speak, and turns "no daemon" and "no permission" into messages that say what to do.

use std::io;
use std::time::Duration;

use serde::Deserialize;

use super::endpoint::Endpoint;
use super::{Engine, api};

/// How long each of the probe's answers may take: a daemon that is up answers in milliseconds.
const PROBE_DEADLINE: Duration = Duration::from_secs(15);

/// The API version plummet was written against; a newer daemon is spoken to in this one.
pub const OURS: (u32, u32) = (1, 47);

/// What `/version` says about the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerApi {
    pub max: (u32, u32),
    pub min: (u32, u32),
}

impl ServerApi {
    /// The version to put in request paths: ours, or the daemon's newest if it is older.
    pub fn negotiate(&self) -> (u32, u32) {
        OURS.min(self.max).max(self.min)
    }
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Parses the body of `/version` (Docker and Podman both have `ApiVersion` at the top).
pub fn parse_server_api(body: &[u8]) -> Option<ServerApi> {
    #[derive(Deserialize)]
    struct Version {
        #[serde(rename = "ApiVersion")]
        api_version: String,
        #[serde(rename = "MinAPIVersion")]
        min_api_version: Option<String>,
    }
    let v: Version = serde_json::from_slice(body).ok()?;
    let max = parse_version(&v.api_version)?;
    let min = v
        .min_api_version
        .as_deref()
        .and_then(parse_version)
        .unwrap_or((1, 12));
    Some(ServerApi { max, min })
}

/// Reads the headers of `/_ping` when Podman answered it (it names itself in
/// `Libpod-Api-Version`): its `Api-Version` is the newest compat version, and Podman accepts
/// any older version prefix, so no minimum is needed. `None` for anything else, Docker included
/// (Docker refuses versions below a minimum only `/version` tells).
pub fn parse_podman_ping(headers: &http::HeaderMap) -> Option<ServerApi> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    header("Libpod-Api-Version")?;
    let max = parse_version(header("Api-Version")?)?;
    Some(ServerApi { max, min: (1, 12) })
}

/// Asks the engine which API version to speak, without a version prefix, which every daemon
/// accepts (a prefix newer than the daemon is refused, an older one than its minimum too).
///
/// `/_ping` first: Podman answers `/version` in ~225 ms (it asks conmon and the OCI runtime for
/// theirs) but `/_ping` in under 1 ms, and its headers say all Podman needs. Docker answers
/// `/version` in a few milliseconds, and only there says its minimum version. Both answers are
/// read within the same cap as every buffered answer ([`api::MAX_ANSWER`]).
pub async fn probe(engine: Engine, endpoint: &Endpoint) -> Result<ServerApi, String> {
    let limits = api::Limits {
        max_bytes: api::MAX_ANSWER,
        deadline: PROBE_DEADLINE,
    };
    let exchange = async {
        let ping = api::get(endpoint, "/_ping", limits).await?;
        if ping.status == http::StatusCode::OK
            && let Some(api) = parse_podman_ping(&ping.headers)
        {
            return Ok(Ok(api));
        }
        let version = api::get(endpoint, "/version", limits).await?;
        if version.status != http::StatusCode::OK {
            return Ok(Err(format!("answered /version with {}", version.status)));
        }
        Ok(parse_server_api(&version.body).ok_or_else(|| {
            format!(
                "answered /version with something that is not a {} (no ApiVersion)",
                engine.daemon_name()
            )
        }))
    };
    let outcome: Result<Result<ServerApi, String>, api::ApiError> = exchange.await;
    match outcome {
        Ok(answer) => answer.map_err(|what| format!("{endpoint} {what}")),
        Err(api::ApiError::Connect(e)) => Err(connect_error(engine, endpoint, &e)),
        Err(api::ApiError::Deadline { bytes: 0, .. }) => Err(format!(
            "the {} at {endpoint} did not answer within {} s: is it running? {}",
            engine.daemon_name(),
            PROBE_DEADLINE.as_secs(),
            engine.hint()
        )),
        Err(e) => Err(format!("the {} at {endpoint}: {e}", engine.daemon_name())),
    }
}

/// Turns a failed connection into a message that says what to do.
pub fn connect_error(engine: Engine, endpoint: &Endpoint, e: &io::Error) -> String {
    let name = engine.daemon_name();
    match e.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "permission denied on the {name} socket at {endpoint}: {}",
            match engine {
                Engine::Docker => "add your user to the docker group or use sudo",
                Engine::Podman =>
                    "use the rootless socket ($XDG_RUNTIME_DIR/podman/podman.sock) or sudo",
            }
        ),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => format!(
            "cannot connect to the {name} at {endpoint}: is it running? {}",
            engine.hint()
        ),
        _ => format!(
            "cannot connect to the {name} at {endpoint}: {e}; {}",
            engine.hint()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_say_what_to_do() {
        let at = Endpoint::Unix("/run/docker.sock".into());
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(
            connect_error(Engine::Docker, &at, &denied),
            "permission denied on the Docker daemon socket at unix:///run/docker.sock: add your \
             user to the docker group or use sudo"
        );
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            connect_error(Engine::Docker, &at, &refused),
            "cannot connect to the Docker daemon at unix:///run/docker.sock: is it running? set \
             DOCKER_HOST or --host"
        );
    }

    #[test]
    fn negotiates_down_to_old_daemons_and_caps_new_ones() {
        let old = parse_server_api(
            br#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#,
        )
        .unwrap();
        assert_eq!(old.negotiate(), (1, 41));
        let new = parse_server_api(br#"{"ApiVersion":"1.52","MinAPIVersion":"1.44"}"#).unwrap();
        assert_eq!(new.negotiate(), OURS);
        let future = parse_server_api(br#"{"ApiVersion":"1.60","MinAPIVersion":"1.50"}"#).unwrap();
        assert_eq!(future.negotiate(), (1, 50));
        assert!(parse_server_api(b"<html>").is_none());
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn a_podman_ping_says_the_version_and_a_docker_ping_does_not() {
        let podman = headers(&[
            ("api-version", "1.41"),
            ("libpod-api-version", "4.3.1"),
            ("server", "Libpod/4.3.1 (linux)"),
        ]);
        let api = parse_podman_ping(&podman).unwrap();
        assert_eq!(api.negotiate(), (1, 41));
        let spaced = headers(&[("api-version", " 1.40 "), ("libpod-api-version", "3.0.1")]);
        assert_eq!(parse_podman_ping(&spaced).unwrap().max, (1, 40));
        // Docker: no Libpod header, so its minimum is asked of /version.
        let docker = headers(&[("api-version", "1.41"), ("docker-experimental", "false")]);
        assert_eq!(parse_podman_ping(&docker), None);
        // A Podman header without a usable Api-Version is not enough.
        let broken = headers(&[("api-version", "one"), ("libpod-api-version", "4.3.1")]);
        assert_eq!(parse_podman_ping(&broken), None);
        assert_eq!(
            parse_podman_ping(&headers(&[("libpod-api-version", "4")])),
            None
        );
    }

    /// A stand-in engine on a unix socket that answers every request with `answer`, then
    /// (when `endless`) sends spaces until plummet hangs up.
    fn stand_in(dir: &std::path::Path, answer: &'static [u8], endless: bool) -> Endpoint {
        use std::io::{Read, Write};
        let path = dir.join("engine.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let mut request = [0u8; 4096];
                let _ = client.read(&mut request);
                let _ = client.write_all(answer);
                let chunk = [b' '; 8192];
                while endless && client.write_all(&chunk).is_ok() {}
            }
        });
        Endpoint::Unix(path)
    }

    #[tokio::test]
    async fn an_endless_ping_stops_at_the_answer_cap_naming_the_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let at = stand_in(dir.path(), b"HTTP/1.1 200 OK\r\n\r\n", true);
        let err = probe(Engine::Docker, &at).await.unwrap_err();
        assert_eq!(
            err,
            format!(
                "the Docker daemon at {at}: limit reached: the answer to GET /_ping is larger \
                 than 16777216 bytes (daemon answer cap)"
            )
        );
    }

    #[tokio::test]
    async fn a_server_that_is_no_engine_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let at = stand_in(
            dir.path(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<html>",
            false,
        );
        let err = probe(Engine::Podman, &at).await.unwrap_err();
        assert_eq!(
            err,
            format!(
                "{at} answered /version with something that is not a Podman service (no \
                 ApiVersion)"
            )
        );
    }
}
