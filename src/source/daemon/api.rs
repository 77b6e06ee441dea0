//! Bounded GETs on the engine's API for the answers plummet holds in memory (`/_ping`,
//! `/version`, image inspect and history, `/info`). bollard reads such answers whole with no
//! limit (a 3 GiB inspect answer took 3.2 GB), so these go through this small HTTP/1.1 client
//! instead: each answer stops at a byte cap and a deadline, and the error says which one. The
//! export, which streams, stays with bollard.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::endpoint::Endpoint;

/// The most one API answer may hold. An inspect answer is a few kilobytes, a history a few
/// hundred bytes per step; 16 MiB leaves room for images with thousands of labels or steps.
pub const MAX_ANSWER: usize = 16 << 20;

/// The most time one API answer may take, from connecting to its last byte. Engines answer
/// inspect, history and `/info` in milliseconds; a minute leaves room for a busy machine.
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(60);

/// What bounds one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: MAX_ANSWER,
            deadline: ANSWER_DEADLINE,
        }
    }
}

/// A whole answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

/// Why a GET gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The connection could not be made (no daemon, no permission).
    #[error("{0}")]
    Connect(#[source] io::Error),
    /// The connection broke or the answer was not HTTP.
    #[error("GET {path} failed: {detail}")]
    Http { path: String, detail: String },
    #[error(
        "limit reached: the answer to GET {path} is larger than {max} bytes (daemon answer cap)"
    )]
    TooLarge { path: String, max: usize },
    #[error(
        "limit reached: the answer to GET {path} did not arrive within {secs} s ({bytes} bytes \
         came)"
    )]
    Deadline {
        path: String,
        secs: u64,
        bytes: usize,
    },
}

/// One `GET path` on a new connection to `endpoint`, read whole within `limits`.
pub async fn get(endpoint: &Endpoint, path: &str, limits: Limits) -> Result<Answer, ApiError> {
    let mut got = 0usize;
    let work = async {
        match endpoint {
            Endpoint::Unix(socket) => {
                let stream = tokio::net::UnixStream::connect(socket)
                    .await
                    .map_err(ApiError::Connect)?;
                exchange(stream, path, limits.max_bytes, &mut got).await
            }
            Endpoint::Tcp(addr) => {
                let stream = tokio::net::TcpStream::connect(addr.as_str())
                    .await
                    .map_err(ApiError::Connect)?;
                exchange(stream, path, limits.max_bytes, &mut got).await
            }
        }
    };
    let outcome = tokio::time::timeout(limits.deadline, work).await;
    outcome.unwrap_or_else(|_| {
        Err(ApiError::Deadline {
            path: path.to_string(),
            secs: limits.deadline.as_secs(),
            bytes: got,
        })
    })
}

/// Aborts the task that drives the connection when the exchange ends, however it ends.
struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends the request on `stream` and reads the answer, counting its body in `got` so that a
/// deadline can say how much came.
async fn exchange<S>(stream: S, path: &str, max: usize, got: &mut usize) -> Result<Answer, ApiError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let fail = |detail: String| ApiError::Http {
        path: path.to_string(),
        detail,
    };
    // hyper's errors keep the cause in their source.
    let why = |e: hyper::Error| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    };
    let (mut sender, connection) = http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(|e| fail(why(e)))?;
    let _driver = Driver(tokio::spawn(async move {
        // Its errors reach the request or the body below, which report them.
        let _ = connection.await;
    }));
    // Go's HTTP server (Docker, Podman) requires a Host header; any name will do on a socket.
    let request = http::Request::get(path)
        .header(http::header::HOST, "docker")
        .header(http::header::CONNECTION, "close")
        .body(Empty::new())
        .map_err(|e| fail(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| fail(why(e)))?;
    let (parts, mut body) = response.into_parts();
    let mut data = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| fail(why(e)))?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        if data.len().saturating_add(chunk.len()) > max {
            return Err(ApiError::TooLarge {
                path: path.to_string(),
                max,
            });
        }
        data.extend_from_slice(&chunk);
        *got = data.len();
    }
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body: data,
    })
}

/// A reference as a path segment: everything but the characters references and IDs are made of
/// is percent-encoded, so that no reference can change the request (`?`, `#`, spaces).
pub fn path_segment(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    for byte in reference.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:@/+".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The daemon's own words for a failed request: the `message` of its JSON error body, else a
/// short excerpt of the body.
pub fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Message {
        message: String,
    }
    let text = match serde_json::from_slice::<Message>(body) {
        Ok(m) => m.message,
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
