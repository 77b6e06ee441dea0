//! Live tests of the findings that read file contents, on images a real `docker build` made in
//! the harness's dockerd: files re-shipped by `RUN chown -R` (metadata_copy), the same content at
//! several paths (duplicate_content), and secrets recognised by content under any name, with
//! keys made by the real openssl and ssh-keygen.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use plummet::analysis::{Finding, FindingKind, analyze};
use plummet::image::Image;

#[path = "daemon_support/live.rs"]
mod live;

use live::{build_and_load, harness, run};

const TAG: &str = "plummet-findings-copies:1";

/// Real keys and certificates, made by the tools that make them in real projects.
fn make_keys(ctx: &Path) {
    run(Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
        ])
        .arg("-keyout")
        .arg(ctx.join("tls.txt"))
        .arg("-out")
        .arg(ctx.join("tls.crt")));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(ctx.join("tls.txt"))
        .arg("-out")
        .arg(ctx.join("tls.pub")));
    run(Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:x", "-in"])
        .arg(ctx.join("tls.crt"))
        .arg("-inkey")
        .arg(ctx.join("tls.txt"))
        .arg("-out")
        .arg(ctx.join("client.bundle")));
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(ctx.join("deploy_key")));
    std::fs::write(
        ctx.join("settings.py"),
        "DEBUG = False\nAWS_ACCESS_KEY_ID = 'AKIAZ7QWERTY23456ABC'\n",
    )
    .unwrap();
}

fn built(host: &str) -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx");
        std::fs::create_dir_all(ctx.join("app/lib")).unwrap();
        std::fs::write(ctx.join("app/lib/core.bin"), vec![b'c'; 200_000]).unwrap();
        std::fs::write(ctx.join("app/lib/data.bin"), vec![b'd'; 100_000]).unwrap();
        std::fs::write(ctx.join("app/main.sh"), "echo hi\n").unwrap();
        make_keys(&ctx);
        std::fs::write(
            ctx.join("Dockerfile"),
            "FROM plummet-busybox:latest\n\
             COPY app/ /app/\n\
             RUN cp /app/lib/core.bin /app/core-copy.bin\n\
             RUN echo 'app:x:1000:1000::/app:/bin/sh' >> /etc/passwd && chmod -R g+w /app/lib \
              && busybox chown -R 1000:1000 /app/lib\n\
             COPY tls.txt tls.crt tls.pub client.bundle deploy_key deploy_key.pub settings.py /srv/conf/\n\
             USER 1000\n",
        )
        .unwrap();
        build_and_load(host, &ctx, TAG)
    })
}

fn path(image: &Image, f: &Finding) -> String {
    image.tree.paths.display(f.node)
}

#[test]
fn chown_r_in_a_later_run_is_a_metadata_copy_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let m: Vec<_> = a.findings_of(FindingKind::MetadataCopy).collect();
    assert_eq!(m.len(), 1, "{m:#?}");
    assert_eq!(path(image, m[0]), "/app/lib");
    assert_eq!(m[0].layer, Some(3));
    assert_eq!(m[0].bytes, 300_000);
    assert_eq!(m[0].files, 2);
    assert!(
        m[0].reason.contains("owner changed on 2, mode on 2"),
        "{}",
        m[0].reason
    );
    assert!(m[0].fix.contains("COPY --chown="), "{}", m[0].fix);
}

#[test]
fn a_copied_file_is_duplicate_content_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let d: Vec<_> = a.findings_of(FindingKind::DuplicateContent).collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].bytes, 200_000);
    assert!(
        d[0].reason
            .contains("/app/core-copy.bin, /app/lib/core.bin"),
        "{}",
        d[0].reason
    );
}

#[test]
fn secrets_by_content_under_any_name_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let mut s: Vec<_> = a
        .findings_of(FindingKind::Secret)
        .map(|f| format!("{}: {}", path(image, f), f.reason))
        .collect();
    s.sort();
    assert_eq!(
        s,
        [
            "/srv/conf/client.bundle: a PKCS#12 keystore",
            "/srv/conf/deploy_key: an OpenSSH private key",
            "/srv/conf/settings.py: an AWS access key ID",
            "/srv/conf/tls.txt: a PEM private key",
        ]
    );
    let text =
        serde_json::to_string(&a.findings.iter().map(|f| &f.reason).collect::<Vec<_>>()).unwrap();
    assert!(!text.contains("AKIAZ7QWERTY23456ABC"), "{text}");
}
