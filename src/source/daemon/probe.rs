//! The first contact with an engine: an unversioned `/_ping` or `/version` that says which API
//! version to speak, and turns "no daemon" and "no permission" into messages that say what to do.

use std::io;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::Engine;
use super::endpoint::Endpoint;

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

/// Parses the headers of `/_ping` when Podman answered it (it names itself in
/// `Libpod-Api-Version`): its `Api-Version` is the newest compat version, and Podman accepts
/// any older version prefix, so no minimum is needed. `None` for anything else, Docker included
/// (Docker refuses versions below a minimum only `/version` tells).
pub fn parse_podman_ping(head: &[u8]) -> Option<ServerApi> {
    let head = std::str::from_utf8(head).ok()?;
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    };
    header("Libpod-Api-Version")?;
    let max = parse_version(header("Api-Version")?)?;
    Some(ServerApi { max, min: (1, 12) })
}

/// Asks the engine which API version to speak, without a version prefix, which every daemon
/// accepts (a prefix newer than the daemon is refused, an older one than its minimum too).
///
/// `/_ping` first: Podman answers `/version` in ~225 ms (it asks conmon and the OCI runtime for
/// theirs) but `/_ping` in under 1 ms, and its headers say all Podman needs. Docker answers
/// `/version` in a few milliseconds, and only there says its minimum version.
pub async fn probe(engine: Engine, endpoint: &Endpoint) -> Result<ServerApi, String> {
    let exchange = async {
        if let Ok((head, _)) = get(endpoint, "/_ping").await?
            && let Some(api) = parse_podman_ping(&head)
        {
            return Ok(Ok(api));
        }
        get(endpoint, "/version").await.map(|answer| {
            answer.and_then(|(_, body)| {
                parse_server_api(&body).ok_or_else(|| {
                    format!(
                        "answered /version with something that is not a {} (no ApiVersion)",
                        engine.daemon_name()
                    )
                })
            })
        })
    };
    match tokio::time::timeout(Duration::from_secs(15), exchange).await {
        Ok(Ok(answer)) => answer.map_err(|what| format!("{endpoint} {what}")),
        Ok(Err(e)) => Err(connect_error(engine, endpoint, &e)),
        Err(_) => Err(format!(
            "the {} at {endpoint} did not answer within 15 s: is it running? {}",
            engine.daemon_name(),
            engine.hint()
        )),
    }
}

/// One `GET path` on a new connection: `Ok(Ok((head, body)))` for a 200, `Ok(Err(what))` for
/// another status, `Err` when the connection fails.
async fn get(endpoint: &Endpoint, path: &str) -> io::Result<Result<(Vec<u8>, Vec<u8>), String>> {
    match endpoint {
        Endpoint::Unix(socket) => {
            let stream = tokio::net::UnixStream::connect(socket).await?;
            exchange(stream, path).await
        }
        Endpoint::Tcp(addr) => {
            let stream = tokio::net::TcpStream::connect(addr.as_str()).await?;
            exchange(stream, path).await
        }
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    path: &str,
) -> io::Result<Result<(Vec<u8>, Vec<u8>), String>> {
    // HTTP/1.0 so that the server closes the connection after one plain (unchunked) response.
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n").as_bytes())
        .await?;
    let mut response = Vec::new();
    stream.take(1 << 20).read_to_end(&mut response).await?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other(format!("malformed HTTP response to {path}")))?;
    let status_ok = response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200");
    if !status_ok {
        let line = response.split(|&b| b == b'\r').next().unwrap_or_default();
        return Ok(Err(format!(
            "answered {path} with {}",
            String::from_utf8_lossy(line)
        )));
    }
    let body = response.split_off(split + 4);
    response.truncate(split);
    Ok(Ok((response, body)))
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

    #[test]
    fn a_podman_ping_says_the_version_and_a_docker_ping_does_not() {
        let podman = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\n\
                       Server: Libpod/4.3.1 (linux)\r\nContent-Length: 2";
        let api = parse_podman_ping(podman).unwrap();
        assert_eq!(api.negotiate(), (1, 41));
        let lower = b"HTTP/1.1 200 OK\r\napi-version: 1.40\r\nlibpod-api-version: 3.0.1";
        assert_eq!(parse_podman_ping(lower).unwrap().max, (1, 40));
        // Docker: no Libpod header, so its minimum is asked of /version.
        let docker = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false";
        assert_eq!(parse_podman_ping(docker), None);
        // A Podman header without a usable Api-Version, or on the status line, is not enough.
        let broken = b"HTTP/1.1 200 OK\r\nApi-Version: one\r\nLibpod-Api-Version: 4.3.1";
        assert_eq!(parse_podman_ping(broken), None);
        assert_eq!(parse_podman_ping(b"Libpod-Api-Version: 4\r\nX: y"), None);
        assert_eq!(parse_podman_ping(&[0xff, 0xfe]), None);
    }

    #[tokio::test]
    async fn an_exchange_splits_head_and_body_and_reports_other_statuses() {
        async fn answer(response: &'static [u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
            let (mut server, client) = tokio::io::duplex(4096);
            let serve = async move {
                let mut request = [0u8; 64];
                let n = server.read(&mut request).await.unwrap();
                assert!(request[..n].starts_with(b"GET /_ping HTTP/1.0\r\n"));
                server.write_all(response).await.unwrap();
            };
            let (_, got) = tokio::join!(serve, exchange(client, "/_ping"));
            got.unwrap()
        }
        let (head, body) = answer(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n\r\nOK")
            .await
            .unwrap();
        assert_eq!(head, b"HTTP/1.1 200 OK\r\nApi-Version: 1.41");
        assert_eq!(body, b"OK");
        assert_eq!(
            answer(b"HTTP/1.1 404 Not Found\r\n\r\n").await,
            Err("answered /_ping with HTTP/1.1 404 Not Found".to_string())
        );
    }
}
