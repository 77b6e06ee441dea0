//! Image references (`nginx`, `ghcr.io/org/app:1.2`, `name@sha256:…`), with Docker Hub's rules:
//! a first component is a registry host only if it has a `.` or a `:` or is `localhost`; names on
//! Docker Hub without a slash live under `library/`; the tag defaults to `latest`.

use std::fmt;

use crate::image::Digest;

/// Docker Hub's name in references, and the host that serves its API.
pub const DOCKER_HUB: &str = "docker.io";
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`.
    pub registry: String,
    /// `library/nginx`, `org/app`.
    pub repository: String,
    /// `None` only when a digest was given without a tag.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

/// Why a reference was rejected. Each message names the reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference {reference:?}: {reason}")]
pub struct ReferenceError {
    pub reference: String,
    pub reason: String,
}

impl Reference {
    /// Parses a reference the way `docker pull` does.
    pub fn parse(text: &str) -> Result<Reference, ReferenceError> {
        let fail = |reason: &str| ReferenceError {
            reference: text.chars().take(300).collect(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(fail("it is empty"));
        }
        if text.len() > 1024 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("it is too long or contains whitespace"));
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                let digest = Digest::parse(digest).map_err(|e| fail(&e.to_string()))?;
                (name, Some(digest))
            }
            None => (text, None),
        };
        // A tag follows the last colon, unless that colon belongs to the host (`host:5000/app`).
        let (name, tag) = match name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t)),
            _ => (name, None),
        };
        let (registry, path) = split_registry(name);
        let registry = normalise_registry(registry);
        if !valid_host(&registry) {
            return Err(fail("the registry host is malformed"));
        }
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(fail("repository names must be lowercase"));
        }
        if repository.is_empty() || !repository.split('/').all(valid_component) {
            return Err(fail(
                "the repository name is malformed (lowercase letters, digits and . _ - between them)",
            ));
        }
        if repository.len() > 255 {
            return Err(fail("the repository name is longer than 255 characters"));
        }
        if let Some(tag) = tag {
            if !valid_tag(tag) {
                return Err(fail(
                    "the tag is malformed (up to 128 letters, digits, _ . -, not starting with . or -)",
                ));
            }
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host (and port) that serves the registry's API.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What to put after `/manifests/`: the digest when there is one, else the tag.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_string(),
        }
    }

    /// The host part without a port, brackets removed (for loopback checks).
    pub fn hostname(&self) -> &str {
        host_without_port(&self.registry)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Splits off the registry host: the first component, when it looks like one.
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    }
}

fn normalise_registry(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            DOCKER_HUB.to_string()
        }
        other => other.to_string(),
    }
}

/// Strips the port and IPv6 brackets: `[::1]:5000` -> `::1`, `host:5000` -> `host`.
pub fn host_without_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.split(':').next().unwrap_or(host)
}

fn valid_host(host: &str) -> bool {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match host.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    // DNS bounds (253 per name, 63 per label); they also keep every parsed reference printable
    // within the 1024 characters `parse` accepts, defaults (`:latest`, `library/`) included.
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    port_ok && name_ok
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if alnum(b) {
            i += 1;
            continue;
        }
        // A separator run: one `.`, one or two `_`, or any number of `-`.
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    fn hex() -> String {
        "ab".repeat(32)
    }

    #[test]
    fn docker_hub_official_image() {
        let r = parse("nginx");
        assert_eq!(r.to_string(), "docker.io/library/nginx:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.manifest_reference(), "latest");
    }

    #[test]
    fn docker_hub_user_image_and_aliases() {
        assert_eq!(parse("user/app").to_string(), "docker.io/user/app:latest");
        assert_eq!(
            parse("docker.io/nginx:1.25").to_string(),
            "docker.io/library/nginx:1.25"
        );
        assert_eq!(
            parse("index.docker.io/library/nginx").to_string(),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(parse("a/b/c").repository, "a/b/c");
    }

    #[test]
    fn host_with_port_and_tag() {
        let r = parse("host:5000/a/b:tag");
        assert_eq!(r.registry, "host:5000");
        assert_eq!(r.repository, "a/b");
        assert_eq!(r.tag.as_deref(), Some("tag"));
        assert_eq!(r.api_host(), "host:5000");
        assert_eq!(r.hostname(), "host");
        let r = parse("127.0.0.1:5000/app");
        assert_eq!(r.to_string(), "127.0.0.1:5000/app:latest");
        assert_eq!(r.hostname(), "127.0.0.1");
    }

    #[test]
    fn localhost_and_dotted_hosts() {
        let r = parse("localhost/x");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("localhost", "x")
        );
        let r = parse("ghcr.io/org/app:1.2");
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "org/app");
        // Without a dot, colon or `localhost`, the first component is a Docker Hub user.
        assert_eq!(parse("myhost/x").registry, "docker.io");
        assert_eq!(parse("myhost/x").repository, "myhost/x");
    }

    #[test]
    fn ipv6_registry() {
        let r = parse("[::1]:5000/app:v1");
        assert_eq!(r.registry, "[::1]:5000");
        assert_eq!(r.hostname(), "::1");
        assert_eq!(r.tag.as_deref(), Some("v1"));
    }

    #[test]
    fn digest_without_and_with_tag() {
        let r = parse(&format!("nginx@sha256:{}", hex()));
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_reference(), format!("sha256:{}", hex()));
        assert_eq!(
            r.to_string(),
            format!("docker.io/library/nginx@sha256:{}", hex())
        );
        let r = parse(&format!("host:5000/app:v2@sha256:{}", hex()));
        assert_eq!(r.tag.as_deref(), Some("v2"));
        assert_eq!(r.manifest_reference(), format!("sha256:{}", hex()));
    }

    #[test]
    fn rejections_name_the_reference() {
        for bad in [
            "",
            "Nginx",
            "host:5000/App",
            "nginx:",
            "nginx:-bad",
            "nginx@sha256:123",
            "nginx@md5:abcd",
            "a//b",
            "a/b/",
            "-a",
            "a..b",
            "a___b",
            "host:99999/app",
            "host:/app",
            "[zz]:5000/app",
            "with space",
            "bad_host.io/app",
        ] {
            let err = Reference::parse(bad).expect_err(bad);
            assert!(
                err.to_string().contains(&format!("{bad:?}")),
                "{bad}: {err}"
            );
        }
        // Found by the `reference` fuzz target: a 1020-character host parsed, but printed with
        // `:latest` it passed the 1024-character limit and no longer parsed.
        let long_host = format!("{}/app", "a1.".repeat(339));
        let err = Reference::parse(&long_host).expect_err("a host longer than DNS allows");
        assert!(
            err.to_string().contains("registry host is malformed"),
            "{err}"
        );
        assert!(Reference::parse(&format!("{}.io/app", "a".repeat(64))).is_err());
        let long_tag = format!("nginx:{}", "a".repeat(129));
        assert!(Reference::parse(&long_tag).is_err());
        assert!(Reference::parse(&format!("nginx:{}", "a".repeat(128))).is_ok());
    }

    #[test]
    fn the_longest_reference_prints_to_text_that_parses_back() {
        let label = "a".repeat(63);
        let host = format!("{label}.{label}.{label}.{}:65535", "h".repeat(61));
        assert_eq!(host.len(), 253 + 6);
        let repository = vec!["r".repeat(63); 4].join("/");
        assert_eq!(repository.len(), 255);
        let text = format!(
            "{host}/{repository}:{}@sha512:{}",
            "t".repeat(128),
            "f".repeat(128)
        );
        let reference = parse(&text);
        let printed = reference.to_string();
        assert!(printed.len() <= 1024, "{}", printed.len());
        assert_eq!(parse(&printed), reference);
    }

    #[test]
    fn components_accept_docker_separators() {
        for good in ["a.b", "a_b", "a__b", "a-b", "a---b", "a1", "0"] {
            assert!(valid_component(good), "{good}");
        }
        for bad in ["a.", ".a", "a-", "a.-b", "A", "a_.b"] {
            assert!(!valid_component(bad), "{bad}");
        }
    }
}
