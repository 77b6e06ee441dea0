//! Registry authentication: anonymous, basic, and bearer tokens obtained through the registry's
//! `WWW-Authenticate` challenge, cached per scope. Secrets only ever travel in sensitive headers;
//! every message names the registry, the repository or the user, never a password or token.

pub mod challenge;
pub mod store;

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use http::HeaderValue;
use serde::Deserialize;

use crate::source::reference::{Reference, host_without_port};
use crate::source::{Credentials, LoadOptions, Secret, SourceError};
use challenge::Challenge;

/// A saved or given credential.
#[derive(Clone)]
pub enum Credential {
    Basic(Credentials),
    /// An OAuth refresh token (`identitytoken` in Docker's config).
    IdentityToken {
        username: String,
        token: Secret,
    },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic(c) => write!(f, "Basic({c:?})"),
            Credential::IdentityToken { username, .. } => {
                write!(f, "IdentityToken({username:?}, <redacted>)")
            }
        }
    }
}

impl Credential {
    fn username(&self) -> &str {
        match self {
            Credential::Basic(c) => &c.username,
            Credential::IdentityToken { username, .. } => username,
        }
    }
}

/// Authentication state for one registry and repository.
pub struct Auth {
    registry: String,
    repository: String,
    explicit_token: Option<Secret>,
    credential: Option<Credential>,
    /// Whether a token realm may be plain HTTP (loopback registries, `--insecure`).
    allow_http_realm: bool,
    /// The most time the token answer may take to arrive.
    body_deadline: std::time::Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    basic: bool,
    tokens: HashMap<String, Secret>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// The largest token answer read (real ones are a few kilobytes; a hostile token server could
/// otherwise send gigabytes to be held in memory).
pub const MAX_TOKEN_ANSWER: usize = 1 << 20;

fn err(message: String) -> SourceError {
    SourceError::Registry(message)
}

impl Auth {
    /// Gathers the credentials: `--creds`, then `--registry-token`, then saved ones.
    pub fn new(
        reference: &Reference,
        options: &LoadOptions,
        allow_http_realm: bool,
    ) -> Result<Auth, SourceError> {
        let credential = match (&options.credentials, &options.registry_token) {
            (Some(c), _) => Some(Credential::Basic(c.clone())),
            (None, Some(_)) => None,
            (None, None) => store::find(
                &store::Locations::from_env(),
                &reference.registry,
                &reference.repository,
            )
            .map_err(err)?,
        };
        Ok(Auth {
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            explicit_token: options.registry_token.clone(),
            credential,
            allow_http_realm,
            body_deadline: options.body_deadline.unwrap_or(super::BODY_DEADLINE),
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pull scope of this repository.
    pub fn scope(&self) -> String {
        format!("repository:{}:pull", self.repository)
    }

    /// The `Authorization` header to send now, if any.
    pub fn header(&self) -> Option<HeaderValue> {
        if let Some(token) = &self.explicit_token {
            return sensitive(&format!("Bearer {}", token.0));
        }
        let state = self.lock();
        if let Some(token) = state.tokens.get(&self.scope()) {
            return sensitive(&format!("Bearer {}", token.0));
        }
        match (&self.credential, state.basic) {
            (Some(Credential::Basic(c)), true) => sensitive(&basic_value(c)),
            _ => None,
        }
    }

    /// Answers a 401: obtains a token or switches to basic credentials. `first` is false when
    /// the request was already re-authenticated once.
    pub async fn respond(
        &self,
        http: &reqwest::Client,
        challenges: &[Challenge],
        first: bool,
    ) -> Result<(), SourceError> {
        if !first || self.explicit_token.is_some() {
            return Err(self.rejected(challenges));
        }
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let token = self.fetch_token(http, bearer).await?;
            self.lock().tokens.insert(self.scope(), token);
            return Ok(());
        }
        match &self.credential {
            Some(Credential::Basic(_)) if !self.lock().basic => {
                self.lock().basic = true;
                Ok(())
            }
            _ => Err(self.rejected(challenges)),
        }
    }

    /// The error for a request that stays unauthorized.
    pub fn rejected(&self, challenges: &[Challenge]) -> SourceError {
        let (registry, repository) = (&self.registry, &self.repository);
        let bearer_error = challenges
            .iter()
            .find(|c| c.scheme == "bearer")
            .and_then(|c| c.param("error"))
            .unwrap_or_default();
        if self.explicit_token.is_some() {
            return err(format!(
                "the registry token for {registry} was rejected (expired, invalid or without pull access to {repository}): get a new token"
            ));
        }
        match &self.credential {
            None => err(format!(
                "{registry}/{repository} requires credentials: use --creds or docker login"
            )),
            Some(c) if bearer_error == "insufficient_scope" => err(format!(
                "{} may not pull {repository} from {registry} (insufficient scope)",
                c.username()
            )),
            Some(c) => err(format!(
                "authentication failed for {registry} as {}: check the user name and password",
                c.username()
            )),
        }
    }

    async fn fetch_token(
        &self,
        http: &reqwest::Client,
        bearer: &Challenge,
    ) -> Result<Secret, SourceError> {
        let registry = &self.registry;
        let realm = bearer.param("realm").ok_or_else(|| {
            err(format!(
                "{registry} asked for a bearer token but named no realm"
            ))
        })?;
        let url = reqwest::Url::parse(realm)
            .map_err(|_| err(format!("{registry} named a malformed token realm")))?;
        let loopback = url.host_str().is_some_and(is_loopback);
        let plain_ok = url.scheme() == "https"
            || (url.scheme() == "http" && (loopback || self.allow_http_realm));
        if !plain_ok {
            return Err(err(format!(
                "refusing to ask {} for a token of {registry} over plain HTTP: use --insecure if you trust the network",
                url.host_str().unwrap_or("?")
            )));
        }
        // Basic credentials or an identity token are sent to the realm: over plain HTTP only to
        // the registry's own host, and only when that is loopback or the user said --insecure.
        // A hostile registry must not get them sent in clear text to a host it names.
        if self.credential.is_some() && url.scheme() != "https" {
            let realm_host = url.host_str().unwrap_or("?");
            if !same_host(realm_host, registry) {
                return Err(err(format!(
                    "refusing to send the credentials for {registry} to {realm_host}: its token realm is plain HTTP on another host than the registry (only an HTTPS realm may be elsewhere)"
                )));
            }
            if !(loopback || self.allow_http_realm) {
                return Err(err(format!(
                    "refusing to send the credentials for {registry} over plain HTTP: use --insecure if you trust the network"
                )));
            }
        }
        let own_scope = self.scope();
        let scope = bearer.param("scope").unwrap_or(&own_scope);
        let service = bearer.param("service");
        let mut query: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(s) = service {
            query.push(("service", s));
        }
        let request = match &self.credential {
            Some(Credential::IdentityToken { token, .. }) => {
                let mut form = query.clone();
                form.extend([
                    ("grant_type", "refresh_token"),
                    ("client_id", "plummet"),
                    ("refresh_token", token.0.as_str()),
                ]);
                http.post(url).form(&form)
            }
            Some(Credential::Basic(c)) => {
                let mut r = http.get(url).query(&query);
                if let Some(h) = sensitive(&basic_value(c)) {
                    r = r.header(http::header::AUTHORIZATION, h);
                }
                r
            }
            None => http.get(url).query(&query),
        };
        let response = request.send().await.map_err(|e| {
            err(format!(
                "cannot reach the token server of {registry}: {}",
                super::describe(&e)
            ))
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(match &self.credential {
                Some(c) => err(format!(
                    "authentication failed for {registry} as {}: check the user name and password",
                    c.username()
                )),
                None => err(format!(
                    "{registry}/{} requires credentials: use --creds or docker login",
                    self.repository
                )),
            });
        }
        if !status.is_success() {
            return Err(err(format!(
                "the token server of {registry} answered {status}"
            )));
        }
        let bytes = super::read_limited(
            response,
            MAX_TOKEN_ANSWER,
            self.body_deadline,
            &format!("the token answer for {registry}"),
        )
        .await?;
        let answer: TokenAnswer = serde_json::from_slice(&bytes).map_err(|_| {
            err(format!(
                "the token server of {registry} answered malformed JSON"
            ))
        })?;
        answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .map(Secret)
            .ok_or_else(|| err(format!("the token server of {registry} answered no token")))
    }
}

/// Whether the host of a URL (`127.0.0.1`, `[::1]` or `::1`, `reg.example`) is the host of the
/// registry as written (`127.0.0.1:5000`, `[::1]:5000`, `reg.example`); ports do not matter.
fn same_host(url_host: &str, registry: &str) -> bool {
    let registry_host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    let url_host = url_host.trim_start_matches('[').trim_end_matches(']');
    url_host.eq_ignore_ascii_case(registry_host)
}

fn basic_value(c: &Credentials) -> String {
    let raw = format!("{}:{}", c.username, c.secret.0);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut h = HeaderValue::from_str(value).ok()?;
    h.set_sensitive(true);
    Some(h)
}

/// `localhost`, 127.0.0.0/8 and ::1 (host with or without port and brackets).
pub fn is_loopback(host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let bare = host_without_port(host);
    let bare = bare.trim_start_matches('[').trim_end_matches(']');
    bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(credential: Option<Credential>, token: Option<&str>) -> Auth {
        Auth {
            registry: "r:1".into(),
            repository: "app".into(),
            explicit_token: token.map(|t| Secret(t.into())),
            credential,
            allow_http_realm: false,
            body_deadline: crate::source::registry::BODY_DEADLINE,
            state: Mutex::new(State::default()),
        }
    }

    #[test]
    fn same_host_ignores_ports_and_brackets() {
        assert!(same_host("127.0.0.1", "127.0.0.1:5002"));
        assert!(same_host("::1", "[::1]:5000"));
        assert!(same_host("Reg.Example", "reg.example"));
        assert!(!same_host("127.0.0.2", "127.0.0.1:5002"));
        assert!(!same_host("evil.example", "127.0.0.1:5000"));
    }

    fn basic(user: &str, pass: &str) -> Credential {
        Credential::Basic(Credentials {
            username: user.into(),
            secret: Secret(pass.into()),
        })
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.9.9.9",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["example.com", "10.0.0.1:5000", "localhost.evil.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn rejections_never_contain_secrets() {
        let a = auth(Some(basic("plummet", "hunter2")), None);
        let text = a.rejected(&[]).to_string();
        assert_eq!(
            text,
            "authentication failed for r:1 as plummet: check the user name and password"
        );
        let a = auth(None, Some("tok-secret"));
        let text = a
            .rejected(&challenge::parse("Bearer error=\"invalid_token\""))
            .to_string();
        assert!(
            text.contains("expired") && !text.contains("tok-secret"),
            "{text}"
        );
        let a = auth(None, None);
        assert!(
            a.rejected(&[])
                .to_string()
                .contains("requires credentials: use --creds or docker login")
        );
        assert!(!format!("{:?}", basic("u", "hunter2")).contains("hunter2"));
    }

    #[test]
    fn headers_follow_the_state() {
        let a = auth(Some(basic("u", "p")), None);
        assert!(a.header().is_none());
        a.lock().basic = true;
        let h = a.header().unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Basic dTpw");
        a.lock().tokens.insert(a.scope(), Secret("t".into()));
        assert_eq!(a.header().unwrap().to_str().unwrap(), "Bearer t");
        assert_eq!(a.scope(), "repository:app:pull");
    }
}
