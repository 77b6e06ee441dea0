//! Pulling over real TLS from the harness's HTTPS registry, through the plummet binary so that
//! `SSL_CERT_FILE` and `SSL_CERT_DIR` reach it: with the harness CA trusted the analysis equals
//! that of the same image read from its archive; without it the user gets a one-line error
//! saying the certificate is not trusted and what to do; `--tls-verify=false` and `--insecure`
//! pull without it.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The committed example image, pushed to the HTTPS registry as `REPO:v1`.
const ARCHIVE: &str = "testdata/example.tar";
const REPO: &str = "plummet-tls-test/example";

/// The HTTPS registry (`127.0.0.1:PORT`) and the CA its certificate chains to.
struct Tls {
    registry: String,
    ca: PathBuf,
}

#[path = "harness/env.rs"]
mod harness_env;

use harness_env::var;

/// The harness's HTTPS registry with the example image pushed to it (once per run), or `None`
/// after a loud SKIPPED line (a failure when CI=true).
fn tls() -> Option<&'static Tls> {
    let names = ["PLUMMET_TEST_REGISTRY_TLS", "PLUMMET_TEST_REGISTRY_TLS_CA"];
    if !harness_env::present("registry TLS test", &names) {
        return None;
    }
    static TLS: OnceLock<Tls> = OnceLock::new();
    Some(TLS.get_or_init(|| {
        let tls = Tls {
            registry: var("PLUMMET_TEST_REGISTRY_TLS").unwrap(),
            ca: PathBuf::from(var("PLUMMET_TEST_REGISTRY_TLS_CA").unwrap()),
        };
        push(&tls);
        tls
    }))
}

/// Pushes the example image with skopeo, verifying the registry's certificate against the CA
/// (skopeo reads CAs as `*.crt` from a directory), which also proves the harness's certificate.
fn push(tls: &Tls) {
    let certs = tempfile::tempdir().unwrap();
    std::fs::copy(&tls.ca, certs.path().join("ca.crt")).unwrap();
    let output = Command::new("skopeo")
        .args(["copy", "-q", "--dest-cert-dir"])
        .arg(certs.path())
        .arg(format!("docker-archive:{ARCHIVE}"))
        .arg(format!("docker://{}/{REPO}:v1", tls.registry))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "skopeo copy to {} failed: {}",
        tls.registry,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What one plummet run gave.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `plummet ci --json - <extra> <target>` with `env` set and no CA settings inherited.
fn plummet(target: &str, extra: &[&str], env: &[(&str, &Path)]) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plummet"));
    command
        .args(["ci", "--json", "-"])
        .args(extra)
        .arg(target)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env_remove("RUST_LOG");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Outcome {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The report of a run that must have produced one (exit 0 or 1: rules passed or failed).
fn report(outcome: &Outcome) -> Value {
    assert!(
        outcome.code == 0 || outcome.code == 1,
        "exit {}: {}",
        outcome.code,
        outcome.stderr
    );
    serde_json::from_str(&outcome.stdout).unwrap()
}

/// The archive's report, once.
fn archive_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| report(&plummet(ARCHIVE, &[], &[])))
}

/// Asserts that a pull's report has the archive's figures and layers.
fn assert_same_as_archive(pulled: &Value) {
    let saved = archive_report();
    assert_eq!(pulled["image"]["source"], "registry");
    for figure in [
        "layer_count",
        "size_bytes",
        "user_size_bytes",
        "final_size_bytes",
        "wasted_bytes",
        "efficiency",
        "reclaimable_bytes",
    ] {
        assert!(saved["image"][figure].is_number(), "{figure}");
        assert_eq!(pulled["image"][figure], saved["image"][figure], "{figure}");
    }
    let diff_ids = |r: &Value| -> Vec<Value> {
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diff_id"].clone())
            .collect()
    };
    let ids = diff_ids(pulled);
    assert!(
        ids.len() >= 2 && ids.iter().all(Value::is_string),
        "{ids:?}"
    );
    assert_eq!(ids, diff_ids(saved));
}

fn reference(registry: &str) -> String {
    format!("docker://{registry}/{REPO}:v1")
}

#[test]
fn trusted_ca_in_ssl_cert_file_pulls_the_same_image_as_the_archive() {
    let Some(tls) = tls() else { return };
    let pulled = plummet(
        &reference(&tls.registry),
        &[],
        &[("SSL_CERT_FILE", &tls.ca)],
    );
    let report = report(&pulled);
    assert_same_as_archive(&report);
    assert_eq!(pulled.code, plummet(ARCHIVE, &[], &[]).code);
    assert_eq!(
        report["image"]["reference"],
        format!("{}/{REPO}:v1", tls.registry)
    );
}

#[test]
fn trusted_ca_in_ssl_cert_dir_pulls_through_localhost() {
    let Some(tls) = tls() else { return };
    let certs = tempfile::tempdir().unwrap();
    std::fs::copy(&tls.ca, certs.path().join("harness-ca.pem")).unwrap();
    // The certificate also names localhost, so this checks the DNS name as well as the IP.
    let port = tls.registry.rsplit(':').next().unwrap();
    let pulled = plummet(
        &reference(&format!("localhost:{port}")),
        &[],
        &[("SSL_CERT_DIR", certs.path())],
    );
    assert_same_as_archive(&report(&pulled));
}

#[test]
fn untrusted_certificate_is_a_one_line_error_saying_what_to_do() {
    let Some(tls) = tls() else { return };
    let refused = plummet(&reference(&tls.registry), &[], &[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert_eq!(refused.stdout, "");
    let message = refused.stderr.trim_end();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.starts_with("plummet: error: "), "{message}");
    for needle in [
        &format!("the TLS certificate of {} is not trusted", tls.registry),
        "unknown authority",
        "SSL_CERT_FILE=",
        "--tls-verify=false",
    ] {
        assert!(
            message.contains(needle),
            "{needle:?} missing from: {message}"
        );
    }
    // A CA file that does not sign the registry's certificate is refused the same way.
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other.pem");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=another CA", "-keyout"])
        .arg(other.path().join("other.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let refused = plummet(
        &reference(&tls.registry),
        &[],
        &[("SSL_CERT_FILE", &other_ca)],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is not trusted"),
        "{}",
        refused.stderr
    );
}

#[test]
fn tls_verify_false_pulls_without_the_ca() {
    let Some(tls) = tls() else { return };
    let pulled = plummet(&reference(&tls.registry), &["--tls-verify=false"], &[]);
    assert_same_as_archive(&report(&pulled));
}

#[test]
fn insecure_pulls_without_the_ca() {
    let Some(tls) = tls() else { return };
    let pulled = plummet(&reference(&tls.registry), &["--insecure"], &[]);
    assert_same_as_archive(&report(&pulled));
}

/// A certs.d root with the harness CA as `HOST/ca.crt` for `host`.
fn certs_d_with_ca(tls: &Tls, host: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join(host)).unwrap();
    std::fs::copy(&tls.ca, root.path().join(host).join("ca.crt")).unwrap();
    root
}

#[test]
fn per_registry_ca_in_certs_d_pulls_only_that_registry() {
    let Some(tls) = tls() else { return };
    // The second of two roots holds the CA for exactly this host:port.
    let empty = tempfile::tempdir().unwrap();
    let root = certs_d_with_ca(tls, &tls.registry);
    let roots = std::env::join_paths([empty.path(), root.path()]).unwrap();
    let roots = PathBuf::from(roots);
    let pulled = plummet(
        &reference(&tls.registry),
        &[],
        &[("PLUMMET_CERTS_D", &roots)],
    );
    assert_same_as_archive(&report(&pulled));
    // A CA kept for another host does not make this one trusted.
    let port = tls.registry.rsplit(':').next().unwrap();
    let elsewhere = certs_d_with_ca(tls, &format!("localhost:{port}"));
    let refused = plummet(
        &reference(&tls.registry),
        &[],
        &[("PLUMMET_CERTS_D", elsewhere.path())],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("is not trusted") && refused.stderr.contains("certs.d"),
        "{}",
        refused.stderr
    );
    // SSL_CERT_FILE (here naming no usable CA) adds to, and does not hide, the certs.d CA.
    let pulled = plummet(
        &reference(&tls.registry),
        &[],
        &[("PLUMMET_CERTS_D", &roots), ("SSL_CERT_FILE", empty.path())],
    );
    assert_same_as_archive(&report(&pulled));
}

#[test]
fn malformed_certs_d_file_is_a_one_line_error_naming_it() {
    let Some(tls) = tls() else { return };
    let root = certs_d_with_ca(tls, &tls.registry);
    let bad = root.path().join(&tls.registry).join("broken.crt");
    std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\nhunter2\n").unwrap();
    let refused = plummet(
        &reference(&tls.registry),
        &[],
        &[("PLUMMET_CERTS_D", root.path())],
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    let message = refused.stderr.trim_end();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("broken.crt") && !message.contains("hunter2"),
        "{message}"
    );
}
