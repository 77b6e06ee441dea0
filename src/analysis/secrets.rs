//! Secrets: files recognised by name, and by content. The content rule runs while the layer
//! streams: the indexer reads small files (see [`CAPTURE`]), and keeps only those this module
//! recognises, so that memory holds secrets found, not every small file.

use std::sync::OnceLock;

use memchr::memmem;

use super::classify::parent_name_is;
use crate::layer::CaptureRule;
use crate::tree::{NodeId, Paths};

/// The largest file scanned for secrets by content: keys, kubeconfigs, service-account files,
/// keystores and settings files are a few KiB.
pub const SCAN_LIMIT: u64 = 32 * 1024;

/// What the indexer reads and keeps for the analysis: package databases (each kind bounded in
/// size by `packages::DbFile::max_bytes`), the app's package.json files (for dev dependencies),
/// credential files named for their tool (to tell a token from a plain config), and any other
/// small file whose content is a secret.
pub const CAPTURE: CaptureRule = CaptureRule {
    read: read_rule,
    keep: keep_rule,
    // The layer-index cache keys entries by this: bump it when either rule changes.
    id: "analysis-1",
};

fn file_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

fn is_app_manifest(path: &[u8], name: &[u8]) -> bool {
    name == b"package.json"
        && memmem::find(path, b"/node_modules/").is_none()
        && !path.starts_with(b"node_modules/")
}

/// Files named for a credential store, judged by their content when it was read.
fn is_credential_file(name: &[u8]) -> bool {
    matches!(
        name,
        b".npmrc" | b".pypirc" | b".netrc" | b".git-credentials" | b"config.json" | b"auth.json"
    )
}

/// Trees of installed software whose small files are many and whose keys are test fixtures
/// (`site-packages/**/tests/*.pem`), and certificate stores: not scanned by content.
fn is_excluded(path: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 6] = [
        b"usr/share/",
        b"usr/include/",
        b"usr/lib/python",
        b"usr/local/lib/python",
        b"etc/ssl/certs/",
        b"proc/",
    ];
    const WITHIN: [&[u8]; 6] = [
        b"node_modules/",
        b"site-packages/",
        b"dist-packages/",
        b".git/",
        b"__pycache__/",
        b"/tests/",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
        || WITHIN.iter().any(|w| memmem::find(path, w).is_some())
}

/// Whether the indexer reads a file's content for the analysis.
pub fn read_rule(path: &[u8], size: u64) -> bool {
    if crate::packages::capture(path, size) {
        return true;
    }
    let name = file_name(path);
    if is_app_manifest(path, name) {
        return true;
    }
    size > 0 && size <= SCAN_LIMIT && !is_excluded(path)
}

/// Whether the indexer keeps content it read.
pub fn keep_rule(path: &[u8], content: &[u8]) -> bool {
    if crate::packages::capture(path, content.len() as u64) {
        return true;
    }
    let name = file_name(path);
    is_app_manifest(path, name) || is_credential_file(name) || scan(name, content).is_some()
}

/// Why a file is a secret, judged by its name and by its captured content. The content, when
/// there is one, decides for the credential files (an .npmrc without a token is no secret).
pub fn secret_reason(
    paths: &Paths,
    node: NodeId,
    name: &[u8],
    content: Option<&[u8]>,
) -> Option<&'static str> {
    let under = |dir: &[u8]| parent_name_is(paths, node, dir);
    if let Some(reason) = content.and_then(|c| scan(name, c)) {
        return Some(reason);
    }
    let by_name = match name {
        b"id_rsa" | b"id_dsa" | b"id_ecdsa" | b"id_ed25519" => Some("an SSH private key"),
        b".env" => Some("a .env file with environment secrets"),
        b"credentials" if under(b".aws") => Some("AWS credentials"),
        b"application_default_credentials.json" => Some("Google Cloud credentials"),
        _ if content.is_some() => None,
        b"config.json" if under(b".docker") => Some("Docker registry credentials"),
        b".npmrc" => Some("an .npmrc that may hold a registry token"),
        b".netrc" => Some("a .netrc with login credentials"),
        b".git-credentials" => Some("stored git credentials"),
        b".pypirc" => Some("a .pypirc with PyPI credentials"),
        _ => None,
    };
    if by_name.is_some() {
        return by_name;
    }
    if name.starts_with(b".env.") && !is_env_template(name) {
        return Some("a .env file with environment secrets");
    }
    None
}

fn is_env_template(name: &[u8]) -> bool {
    [&b".example"[..], b".sample", b".template", b".dist"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// What kind of secret `content` holds, if any. Public keys and certificates are not secrets.
pub fn scan(name: &[u8], content: &[u8]) -> Option<&'static str> {
    if let Some(keystore) = keystore(content) {
        return Some(keystore);
    }
    // Other binary files hold no text secret.
    if memchr::memchr(0, &content[..content.len().min(1024)]).is_some() {
        return None;
    }
    let has = |needle: &[u8]| memmem::find(content, needle).is_some();
    if !is_candidate(content) {
        return credential_file(name, content);
    }
    if has(b"\"private_key\"") && has(b"\"client_email\"") {
        return Some("a cloud service-account key (JSON with a private_key)");
    }
    if let Some(kind) = pem_private_key(content) {
        return Some(kind);
    }
    if (has(b"kind: Config") || has(b"\"kind\": \"Config\""))
        && (has_value(content, b"token:")
            || has_value(content, b"client-key-data:")
            || has_value(content, b"password:"))
    {
        return Some("a kubeconfig with a token or client key");
    }
    if has_aws_access_key(content) {
        return Some("an AWS access key ID");
    }
    if has_value(content, b"aws_secret_access_key") {
        return Some("an AWS secret access key");
    }
    if has(b"\"auths\"") && (has_value(content, b"\"auth\":") || has(b"\"identitytoken\"")) {
        return Some("Docker registry credentials (auths)");
    }
    credential_file(name, content)
}

/// Whether text content holds any of the markers the name-independent rules look for, before
/// the rules' own checks (most files hold none). One SIMD substring search per marker: an
/// Aho-Corasick automaton over all of them was 36 % of `ci`'s time on bench-large.tar.
fn is_candidate(content: &[u8]) -> bool {
    static MARKERS: OnceLock<Vec<memmem::Finder<'static>>> = OnceLock::new();
    let markers = MARKERS.get_or_init(|| {
        [
            &b"-----BEGIN "[..],
            b"AKIA",
            b"ASIA",
            b"\"private_key\"",
            b"kind: Config",
            b"\"kind\": \"Config\"",
            b"aws_secret_access_key",
            b"\"auths\"",
        ]
        .iter()
        .map(|m| memmem::Finder::new(*m))
        .collect()
    });
    markers.iter().any(|m| m.find(content).is_some())
}

/// The rules of the files named for a credential store: a token or password in them.
fn credential_file(name: &[u8], content: &[u8]) -> Option<&'static str> {
    let has = |needle: &[u8]| memmem::find(content, needle).is_some();
    match name {
        b".npmrc"
            if has_value(content, b"_authToken=")
                || has_value(content, b"_auth=")
                || has_value(content, b"_password=") =>
        {
            Some("an .npmrc with a registry token")
        }
        b".pypirc" if has_value(content, b"password") => {
            Some("a .pypirc with a PyPI password or token")
        }
        b".netrc" if has_value(content, b"password") => Some("a .netrc with a password"),
        b".git-credentials" if has(b"://") && has(b"@") => Some("stored git credentials"),
        _ => None,
    }
}

/// Java keystores by their magic numbers, and PKCS#12 files by their DER header.
fn keystore(content: &[u8]) -> Option<&'static str> {
    match content.get(..4) {
        Some([0xFE, 0xED, 0xFE, 0xED]) => return Some("a Java keystore (JKS)"),
        Some([0xCE, 0xCE, 0xCE, 0xCE]) => return Some("a Java keystore (JCEKS)"),
        _ => {}
    }
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data), ... }
    let version_at = match content.get(..2) {
        Some([0x30, 0x82]) => 4,
        Some([0x30, 0x81]) => 3,
        Some([0x30, len]) if *len < 0x80 => 2,
        _ => return None,
    };
    const PKCS7_DATA: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ];
    let pfx = content.get(version_at..version_at + 3) == Some(&[0x02, 0x01, 0x03][..])
        && memmem::find(&content[..content.len().min(64)], PKCS7_DATA).is_some();
    pfx.then_some("a PKCS#12 keystore")
}

/// A PEM or OpenSSH private key block (`-----BEGIN ... PRIVATE KEY-----`).
fn pem_private_key(content: &[u8]) -> Option<&'static str> {
    let mut rest = content;
    while let Some(at) = memmem::find(rest, b"-----BEGIN ") {
        let label = &rest[at + 11..];
        let end = memmem::find(&label[..label.len().min(64)], b"-----")?;
        let label = &label[..end];
        if label == b"OPENSSH PRIVATE KEY" {
            return Some("an OpenSSH private key");
        }
        if label == b"PGP PRIVATE KEY BLOCK" {
            return Some("a PGP private key");
        }
        if label.ends_with(b"PRIVATE KEY") {
            return Some("a PEM private key");
        }
        rest = &rest[at + 11 + end..];
    }
    None
}

/// Whether `key` appears followed (after `=`, `:`, quotes and spaces) by a value that is not
/// empty and not a reference to an environment variable.
fn has_value(content: &[u8], key: &[u8]) -> bool {
    memmem::find_iter(content, key).any(|at| {
        let after = &content[at + key.len()..];
        let value = after
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'=' | b':' | b'"' | b'\''))
            .map_or(&[][..], |start| &after[start..]);
        let value = &value[..value
            .iter()
            .position(|b| matches!(b, b'\n' | b'\r' | b'"' | b'\'' | b','))
            .unwrap_or(value.len())];
        !value.is_empty() && !value.starts_with(b"$")
    })
}

/// An AWS access key ID: `AKIA` or `ASIA` and 16 base-32 characters, alone in its word, and
/// not the documentation's example key.
fn has_aws_access_key(content: &[u8]) -> bool {
    let is_word = |b: u8| b.is_ascii_alphanumeric();
    [&b"AKIA"[..], b"ASIA"].iter().any(|prefix| {
        memmem::find_iter(content, prefix).any(|at| {
            let key = content.get(at..at + 20);
            let before_ok = at == 0 || !is_word(content[at - 1]);
            let after_ok = content.get(at + 20).is_none_or(|&b| !is_word(b));
            key.is_some_and(|k| {
                k[4..]
                    .iter()
                    .all(|&b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
                    && !k.ends_with(b"EXAMPLE")
            }) && before_ok
                && after_ok
        })
    })
}
