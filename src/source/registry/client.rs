//! HTTP to one registry: scheme choice (HTTPS; loopback registries start on plain HTTP and move to
//! HTTPS when they answer that they only speak it; `--insecure` probes HTTPS, then plain HTTP),
//! timeouts, bounded retries with exponential backoff on connect errors, 5xx and 429 (honouring
//! `Retry-After`), authentication on 401, and one-line errors from the registry's error codes.
//! Redirects to blob storage are followed by reqwest, which drops `Authorization` when the
//! redirect leads to another host.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, RANGE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use serde::Deserialize;

use super::auth::{Auth, challenge, is_loopback};
use super::tls;
use crate::image::Digest;
use crate::source::reference::Reference;
use crate::source::{LoadOptions, SourceError};

/// How many times one request is tried before giving up.
pub const ATTEMPTS: u32 = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// A response body that sends nothing for this long is abandoned (and resumed if possible).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A connection to one registry, for one repository.
pub struct Client {
    http: reqwest::Client,
    /// `host:port` of the API.
    api: String,
    /// Whether requests use HTTPS (else plain HTTP).
    https: AtomicBool,
    /// A loopback registry reached over plain HTTP, which may still move to HTTPS.
    may_upgrade: bool,
    /// The registry as the user wrote it, for messages.
    pub host: String,
    pub repository: String,
    auth: Auth,
    /// The first backoff delay; tests shorten it.
    backoff: Duration,
    /// The most time a buffered answer may take ([`LoadOptions::body_deadline`]).
    pub body_deadline: Duration,
}

/// The most of an error answer's body read (it is only searched for the registry's error code).
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The first `limit` bytes of a body (or fewer, on a read error); the rest is never read.
pub async fn read_prefix(mut response: Response, limit: usize) -> bytes::Bytes {
    let mut out = Vec::new();
    while out.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - out.len());
                out.extend_from_slice(&chunk[..take]);
            }
            _ => break,
        }
    }
    bytes::Bytes::from(out)
}

fn err(message: String) -> SourceError {
    SourceError::Registry(message)
}

impl Client {
    /// The blob's URL without the scheme: two loads asking for the same one read the same bytes.
    pub fn blob_origin(&self, digest: &Digest) -> String {
        format!("{}/v2/{}/blobs/{digest}", self.api, self.repository)
    }

    /// Prepares a client for the reference's registry and collects credentials.
    pub async fn connect(
        reference: &Reference,
        options: &LoadOptions,
    ) -> Result<Client, SourceError> {
        let host = reference.registry.clone();
        let api = reference.api_host();
        let loopback = is_loopback(api);
        let mut builder = reqwest::Client::builder();
        if !options.insecure {
            for cert in super::roots::extra_roots(&[host.as_str(), api]).map_err(err)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(IDLE_TIMEOUT)
            .user_agent(concat!("plummet/", env!("CARGO_PKG_VERSION")))
            .danger_accept_invalid_certs(options.insecure)
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| err(format!("cannot set up HTTP for {host}: {}", describe(&e))))?;
        // Loopback registries start on plain HTTP (as dockerd assumes) and move to HTTPS when
        // they answer that they only speak it, verifying the certificate unless `--insecure`.
        // Elsewhere `--insecure` tries HTTPS without verification first and falls back to HTTP.
        let https = if loopback {
            false
        } else if options.insecure {
            http.get(format!("https://{api}/v2/")).send().await.is_ok()
        } else {
            true
        };
        let auth = Auth::new(reference, options, loopback || options.insecure)?;
        Ok(Client {
            http,
            api: api.to_string(),
            https: AtomicBool::new(https),
            may_upgrade: loopback,
            host,
            repository: reference.repository.clone(),
            auth,
            backoff: Duration::from_millis(250),
            body_deadline: options.body_deadline.unwrap_or(super::BODY_DEADLINE),
        })
    }

    /// GETs `/v2/<repository>/<path>`, authenticating as the registry asks. `range_from` asks
    /// for the bytes from that offset on (to resume a blob).
    pub async fn get(
        &self,
        path: &str,
        accept: Option<&str>,
        range_from: Option<u64>,
    ) -> Result<Response, SourceError> {
        let mut first = true;
        loop {
            let scheme = if self.https.load(Ordering::Relaxed) {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{}/v2/{}/{path}", self.api, self.repository);
            let response = self.send(&url, path, accept, range_from).await?;
            let Some(response) = self.unless_https_only(response).await else {
                continue;
            };
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let header = response
                .headers()
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(", ");
            let challenges = challenge::parse(&header);
            self.auth.respond(&self.http, &challenges, first).await?;
            first = false;
        }
    }

    /// Moves a loopback registry to HTTPS, and returns `None` to ask for a retry, when its plain
    /// HTTP answer says that it only speaks HTTPS; any other response comes back as it was.
    async fn unless_https_only(&self, response: Response) -> Option<Response> {
        if !self.may_upgrade
            || self.https.load(Ordering::Relaxed)
            || response.status() != StatusCode::BAD_REQUEST
        {
            return Some(response);
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_prefix(response, MAX_ERROR_BODY).await;
        if tls::says_https_only(status, &body) {
            tracing::debug!("{} only speaks HTTPS; switching to it", self.host);
            self.https.store(true, Ordering::Relaxed);
            return None;
        }
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.headers_mut() = headers;
        Some(Response::from(rebuilt))
    }

    async fn send(
        &self,
        url: &str,
        what: &str,
        accept: Option<&str>,
        range_from: Option<u64>,
    ) -> Result<Response, SourceError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.http.get(url);
            if let Some(a) = accept {
                request = request.header(ACCEPT, a);
            }
            if let Some(h) = self.auth.header() {
                request = request.header(AUTHORIZATION, h);
            }
            if let Some(from) = range_from {
                request = request.header(RANGE, format!("bytes={from}-"));
            }
            let delay = match request.send().await {
                Ok(r) if retryable(r.status()) => {
                    if attempt >= ATTEMPTS {
                        return Err(err(format!(
                            "{} answered {} {ATTEMPTS} times for {}/{what}: giving up, try again later",
                            self.host,
                            r.status(),
                            self.repository
                        )));
                    }
                    retry_after(&r).unwrap_or_else(|| self.delay(attempt))
                }
                Ok(r) => return Ok(r),
                Err(e) => {
                    if let Some(fatal) = self.tls_error(&e) {
                        return Err(fatal);
                    }
                    if attempt >= ATTEMPTS {
                        return Err(err(format!(
                            "cannot reach {} after {ATTEMPTS} attempts: {}",
                            self.host,
                            describe(&e)
                        )));
                    }
                    self.delay(attempt)
                }
            };
            tokio::time::sleep(delay).await;
        }
    }

    /// A one-line error for a TLS failure, which is not retried: the server would send the same
    /// certificate again.
    fn tls_error(&self, e: &reqwest::Error) -> Option<SourceError> {
        if let Some(problem) = tls::certificate_problem(e) {
            return Some(err(format!(
                "the TLS certificate of {} is not trusted: {problem}",
                self.host
            )));
        }
        is_tls(e).then(|| {
            err(format!(
                "TLS error talking to {}: {}: if it serves plain HTTP or uses a private certificate, use --insecure",
                self.host,
                describe(e)
            ))
        })
    }

    fn delay(&self, attempt: u32) -> Duration {
        (self.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))).min(Duration::from_secs(8))
    }

    /// A one-line error for an unexpected answer, using the registry's error code.
    pub async fn error_for(&self, response: Response, what: &str) -> SourceError {
        let status = response.status();
        let body = read_prefix(response, MAX_ERROR_BODY).await;
        let code = registry_error(&body);
        let detail = code.map(|c| format!(" ({c})")).unwrap_or_default();
        match status {
            StatusCode::NOT_FOUND => err(format!(
                "{what} not found on {}{detail}: check the repository name, tag or digest",
                self.host
            )),
            StatusCode::FORBIDDEN => err(format!(
                "{} denied access to {what}{detail}: check that your credentials may pull it",
                self.host
            )),
            _ => err(format!(
                "{} answered {status} for {what}{detail}",
                self.host
            )),
        }
    }
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds (HTTP dates fall back to the backoff), capped.
fn retry_after(response: &Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

fn is_tls(e: &reqwest::Error) -> bool {
    let text = describe(e).to_ascii_lowercase();
    text.contains("certificate") || text.contains("tls") || text.contains("handshake")
}

/// An error and its causes on one line, without the URL.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = current {
        let text = c.to_string();
        let text = match text.find(" for url (") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = c.source();
    }
    parts.join(": ")
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// `CODE: message` from a registry error body, shortened.
fn registry_error(body: &[u8]) -> Option<String> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let first = parsed.errors.into_iter().next()?;
    let text = if first.message.is_empty() {
        first.code
    } else {
        format!("{}: {}", first.code, first.message)
    };
    Some(text.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_error_codes() {
        let body = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#;
        assert_eq!(
            registry_error(body).as_deref(),
            Some("MANIFEST_UNKNOWN: manifest unknown")
        );
        assert_eq!(registry_error(b"<html>"), None);
        assert_eq!(registry_error(br#"{"errors":[]}"#), None);
    }

    #[test]
    fn statuses_worth_retrying() {
        assert!(retryable(StatusCode::TOO_MANY_REQUESTS));
        assert!(retryable(StatusCode::BAD_GATEWAY));
        assert!(!retryable(StatusCode::NOT_FOUND));
        assert!(!retryable(StatusCode::UNAUTHORIZED));
    }
}
