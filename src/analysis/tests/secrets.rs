//! Tests of secrets found by content (issue 11.4), on files indexed in memory through the same
//! capture rule the real sources use.

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

/// The secret findings of one layer of files, as (path, reason).
fn secrets(files: &[(&str, &[u8])]) -> Vec<(String, String)> {
    let mut layer = TarBuilder::new();
    for (path, content) in files {
        layer = layer.file_bytes(path.as_bytes(), content);
    }
    let image = image_of(
        vec![TarBuilder::new().file("bin/sh", 10), layer],
        app_user(),
    );
    let a = analyze(&image);
    let mut found: Vec<_> = a
        .findings_of(FindingKind::Secret)
        .map(|f| (image.tree.paths.display(f.node), f.reason.clone()))
        .collect();
    found.sort();
    found
}

const RSA: &[u8] =
    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
const OPENSSH: &[u8] =
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n";

#[test]
fn private_keys_are_found_under_any_name() {
    let got = secrets(&[
        ("srv/deploy/thing.txt", RSA),
        ("opt/app/keyfile", OPENSSH),
        ("home/app/notes.md", b"see\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n"),
    ]);
    assert_eq!(
        got,
        [
            (
                "/home/app/notes.md".to_string(),
                "a PEM private key".to_string()
            ),
            (
                "/opt/app/keyfile".to_string(),
                "an OpenSSH private key".to_string()
            ),
            (
                "/srv/deploy/thing.txt".to_string(),
                "a PEM private key".to_string()
            ),
        ]
    );
}

#[test]
fn public_keys_and_certificates_are_not_secrets() {
    let got = secrets(&[
        (
            "app/server.crt",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ),
        (
            "app/key.pub",
            b"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
        ),
        (
            "root/.ssh/authorized_keys",
            b"ssh-ed25519 AAAAC3Nza me@host\n",
        ),
        ("app/.npmrc", b"registry=https://registry.npmjs.org/\n"),
        (
            "app/ci.npmrc-like/.npmrc",
            b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
        ),
        (
            "root/.docker/config.json",
            br#"{"auths":{"r.example":{}},"credsStore":"pass"}"#,
        ),
        (
            "app/doc.txt",
            b"the example key AKIAIOSFODNN7EXAMPLE is not a key\n",
        ),
    ]);
    assert_eq!(got, Vec::<(String, String)>::new());
}

#[test]
fn credentials_by_content_are_named_by_kind_and_never_quoted() {
    let aws = b"DEBUG = False\nAWS_ACCESS_KEY_ID = 'AKIAZ7QWERTY23456ABC'\n";
    let got = secrets(&[
        ("app/settings.py", aws),
        ("app/prod.env.txt", b"KEY=ASIAABCDEFGHIJ234567\n"),
        ("app/sa.json", br#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", "client_email": "x@p.iam.gserviceaccount.com"}"#),
        ("root/.kube/config", b"apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: eyJhbGciOi\n"),
        ("home/a/.npmrc", b"//registry.npmjs.org/:_authToken=npm_abcdef123456\n"),
        ("home/a/.pypirc", b"[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n"),
        ("home/a/.netrc", b"machine github.com login me password ghp_abc123\n"),
        ("etc/cfg/config.json", br#"{"auths":{"registry.example":{"auth":"dXNlcjpwYXNz"}}}"#),
    ]);
    let reasons: Vec<_> = got.iter().map(|(p, r)| format!("{p}: {r}")).collect();
    assert_eq!(
        reasons,
        [
            "/app/prod.env.txt: an AWS access key ID",
            "/app/sa.json: a cloud service-account key (JSON with a private_key)",
            "/app/settings.py: an AWS access key ID",
            "/etc/cfg/config.json: Docker registry credentials (auths)",
            "/home/a/.netrc: a .netrc with a password",
            "/home/a/.npmrc: an .npmrc with a registry token",
            "/home/a/.pypirc: a .pypirc with a PyPI password or token",
            "/root/.kube/config: a kubeconfig with a token or client key",
        ]
    );
    // The value itself appears nowhere in a finding.
    for (_, r) in &got {
        for secret in [
            "AKIAZ7QWERTY23456ABC",
            "npm_abcdef",
            "pypi-AgE",
            "ghp_abc",
            "dXNlcjpw",
            "eyJhbG",
        ] {
            assert!(!r.contains(secret), "{r}");
        }
    }
}

#[test]
fn keystores_are_found_by_magic() {
    let mut jks = vec![0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2];
    jks.extend_from_slice(&[0u8; 100]);
    // PFX: SEQUENCE, version 3, ContentInfo { pkcs7-data }.
    let mut p12 = vec![
        0x30, 0x82, 0x0A, 0x00, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0xC6,
    ];
    p12.extend_from_slice(&[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ]);
    p12.extend_from_slice(&[0u8; 64]);
    let got = secrets(&[("opt/app/store.bin", &jks), ("opt/app/client", &p12)]);
    assert_eq!(
        got,
        [
            (
                "/opt/app/client".to_string(),
                "a PKCS#12 keystore".to_string()
            ),
            (
                "/opt/app/store.bin".to_string(),
                "a Java keystore (JKS)".to_string()
            ),
        ]
    );
}

#[test]
fn test_fixtures_in_installed_packages_are_not_scanned() {
    let got = secrets(&[
        ("usr/lib/python3/dist-packages/pkg/tests/key.pem", RSA),
        ("app/node_modules/lib/test/fixture.key", RSA),
    ]);
    assert_eq!(got, Vec::<(String, String)>::new());
}

#[test]
fn only_secrets_and_manifests_are_kept_in_memory() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("etc/small.conf", 300)
                .file_bytes(b"app/package.json", b"{}")
                .file_bytes(b"app/k", RSA),
        ],
        app_user(),
    );
    let kept: Vec<_> = image
        .tree
        .captures()
        .map(|(_, i, _)| {
            image
                .tree
                .paths
                .display(image.tree.layers[0].entries[i].node)
        })
        .collect();
    assert_eq!(kept, ["/app/package.json", "/app/k"]);
}
