//! The base image boundary on images the real tools made: a two-step base and an app on top of
//! it built by the harness's dockerd (`--base` finds the shared layers), an OCI layout whose
//! manifest umoci annotated with its base, and a `--base` that is no base of the image.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

/// Builds `plummet-base-test:1` (busybox + 2 layers) and `plummet-base-app:1` (+ 2 layers) once.
fn built(host: &str) {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path();
        std::fs::write(ctx.join("lib.bin"), vec![b'l'; 20_000]).unwrap();
        std::fs::write(ctx.join("app.bin"), vec![b'a'; 7_000]).unwrap();
        std::fs::write(
            ctx.join("Dockerfile.base"),
            "FROM plummet-busybox:latest\nCOPY lib.bin /usr/lib/lib.bin\nRUN mkdir -p /srv && echo base > /srv/version\n",
        )
        .unwrap();
        std::fs::write(
            ctx.join("Dockerfile.app"),
            "FROM plummet-base-test:1\nCOPY app.bin /app/app.bin\nRUN echo app > /app/version\n",
        )
        .unwrap();
        for (file, tag) in [
            ("Dockerfile.base", "plummet-base-test:1"),
            ("Dockerfile.app", "plummet-base-app:1"),
        ] {
            run(docker(host)
                .args(["build", "--network", "none", "-q", "-f"])
                .arg(ctx.join(file))
                .args(["-t", tag])
                .arg(ctx));
        }
    });
}

fn plummet(args: &[&str], host: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plummet"));
    if let Some(host) = host {
        cmd.env("DOCKER_HOST", host);
    }
    cmd.args(args).output().unwrap()
}

fn json(args: &[&str], host: Option<&str>) -> Value {
    let o = plummet(args, host);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn base_flag_marks_every_layer_the_base_image_shares() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    built(&host);
    let j = json(
        &[
            "ci",
            "docker-daemon:plummet-base-app:1",
            "--base",
            "docker-daemon:plummet-base-test:1",
            "--quiet",
            "--json",
            "-",
        ],
        Some(&host),
    );
    let layers = j["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5);
    let marks: Vec<bool> = layers
        .iter()
        .map(|l| l["base"].as_bool().unwrap())
        .collect();
    assert_eq!(marks, [true, true, true, false, false]);
    let base = &j["image"]["base"];
    assert_eq!(base["detected_by"], "flag");
    assert_eq!(base["layer_count"], 3);
    assert_eq!(base["reference"], "docker-daemon:plummet-base-test:1");
    let base_bytes: u64 = layers[..3]
        .iter()
        .map(|l| l["size_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(base["size_bytes"], base_bytes);

    // The text report shows the two apart.
    let o = plummet(
        &[
            "ci",
            "docker-daemon:plummet-base-app:1",
            "--base",
            "docker-daemon:plummet-base-test:1",
            "--quiet",
        ],
        Some(&host),
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("base         docker-daemon:plummet-base-test:1 (3 layers"),
        "{text}"
    );
    assert!(text.contains("your layers  2 layers, 7.00 kB"), "{text}");
}

#[test]
fn base_flag_naming_an_unrelated_image_is_an_error() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    built(&host);
    // An imported rootfs shares no layer with the app.
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("r");
    std::fs::create_dir_all(&rootfs).unwrap();
    std::fs::write(rootfs.join("other"), b"not busybox").unwrap();
    let tar = dir.path().join("r.tar");
    run(Command::new("tar")
        .arg("-cf")
        .arg(&tar)
        .arg("-C")
        .arg(&rootfs)
        .arg("."));
    run(docker(&host)
        .arg("import")
        .arg(&tar)
        .arg("plummet-base-other:1"));
    let o = plummet(
        &[
            "ci",
            "docker-daemon:plummet-base-app:1",
            "--base",
            "docker-daemon:plummet-base-other:1",
            "--quiet",
        ],
        Some(&host),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--base docker-daemon:plummet-base-other:1: not a base of this image: its first layer is sha256:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn oci_base_annotations_name_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("oci");
    let image = format!("{}:t", layout.display());
    run(Command::new("umoci")
        .args(["init", "--layout"])
        .arg(&layout));
    run(Command::new("umoci").args(["new", "--image", &image]));
    let bundle = dir.path().join("b");
    run(Command::new("umoci")
        .args(["unpack", "--rootless", "--image", &image])
        .arg(&bundle));
    std::fs::write(bundle.join("rootfs/f"), b"x").unwrap();
    run(Command::new("umoci")
        .args(["repack", "--image", &image])
        .arg(&bundle));
    run(Command::new("umoci").args([
        "config",
        "--image",
        &image,
        "--manifest.annotation",
        "org.opencontainers.image.base.name=docker.io/library/debian:bookworm",
        "--manifest.annotation",
        "org.opencontainers.image.base.digest=sha256:0000000000000000000000000000000000000000000000000000000000000001",
    ]));
    let j = json(
        &["ci", &format!("oci:{image}"), "--quiet", "--json", "-"],
        None,
    );
    let base = &j["image"]["base"];
    assert_eq!(base["detected_by"], "annotation");
    assert_eq!(base["reference"], "docker.io/library/debian:bookworm");
    assert_eq!(
        base["digest"],
        "sha256:0000000000000000000000000000000000000000000000000000000000000001"
    );
    assert_eq!(base["layer_count"], Value::Null);
    assert_eq!(j["layers"][0]["base"], true);
}
