//! Secrets: files recognised by name, and by content (captured while the layer streams).

use super::classify::parent_name_is;
use crate::tree::{NodeId, Paths};

/// Why a file is a secret, judged by its name and, for key files, its captured content.
pub fn secret_reason(
    paths: &Paths,
    node: NodeId,
    name: &[u8],
    content: Option<&[u8]>,
) -> Option<String> {
    let under = |dir: &[u8]| parent_name_is(paths, node, dir);
    let by_name = match name {
        b"id_rsa" | b"id_dsa" | b"id_ecdsa" | b"id_ed25519" => Some("an SSH private key"),
        b".env" => Some("a .env file with environment secrets"),
        b"credentials" if under(b".aws") => Some("AWS credentials"),
        b"config.json" if under(b".docker") => Some("Docker registry credentials"),
        b".npmrc" => Some("an .npmrc that may hold a registry token"),
        b".netrc" => Some("a .netrc with login credentials"),
        b".git-credentials" => Some("stored git credentials"),
        b".pypirc" => Some("a .pypirc with PyPI credentials"),
        b"application_default_credentials.json" => Some("Google Cloud credentials"),
        _ => None,
    };
    if let Some(reason) = by_name {
        return Some(reason.to_string());
    }
    if name.starts_with(b".env.") && !is_env_template(name) {
        return Some("a .env file with environment secrets".into());
    }
    if content.is_some_and(is_secret_content) {
        return Some("a PEM private key".into());
    }
    None
}

fn is_env_template(name: &[u8]) -> bool {
    [&b".example"[..], b".sample", b".template", b".dist"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Whether captured content is a PEM private key.
pub fn is_secret_content(content: &[u8]) -> bool {
    let head = &content[..content.len().min(4096)];
    head.windows(11).any(|w| w == b"PRIVATE KEY") && head.windows(10).any(|w| w == b"-----BEGIN")
}

/// Which files' content the indexer keeps: package.json files (for dev dependencies) and
/// possible key files (to tell private keys from certificates).
pub fn capture_rule(path: &[u8], size: u64) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if name == b"package.json" {
        return !path.windows(14).any(|w| w == b"/node_modules/")
            && !path.starts_with(b"node_modules/");
    }
    size <= 16 * 1024
        && [&b".pem"[..], b".key", b".p8"]
            .iter()
            .any(|ext| name.ends_with(ext))
        && !path.starts_with(b"etc/ssl/certs/")
        && !path.starts_with(b"usr/share/ca-certificates/")
}
