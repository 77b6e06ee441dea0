//! Live: `plummet cat`, `extract` and `diff --file` on an image built by the harness's dockerd,
//! read from the daemon's layer store, through its export API, and from the harness registry
//! (gzip as pushed by docker, and zstd as recompressed by skopeo).
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

const TAG: &str = "files12-contents:1";
const REPO: &str = "files12-contents/app";

fn plummet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> Vec<u8> {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout.clone()
}

/// Builds the image once (three layers: a config written, rewritten, and a file deleted) and
/// pushes it to the open registry as gzip and as zstd. Returns (docker host, registry).
fn setup() -> Option<(String, String)> {
    static BUILT: OnceLock<Option<(String, String)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let host = harness("PLUMMET_TEST_DOCKER_HOST")?;
            let registry = harness("PLUMMET_TEST_REGISTRY")?;
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("Dockerfile"),
                "FROM plummet-busybox:latest\n\
                 RUN mkdir -p /srv/app && printf 'port=80\\nname=one\\n' > /srv/app/app.conf \
                     && echo gone > /srv/app/old && ln -s app.conf /srv/app/current\n\
                 RUN printf 'port=8080\\nname=one\\n' > /srv/app/app.conf && rm /srv/app/old\n",
            )
            .unwrap();
            run(docker(&host)
                .args(["build", "--network", "none", "-q", "-t", TAG])
                .arg(dir.path()));
            let pushed = format!("{registry}/{REPO}:v1");
            run(docker(&host).args(["tag", TAG, &pushed]));
            run(docker(&host)
                .env("DOCKER_CONFIG", dir.path().join("docker-config"))
                .args(["push", "-q", &pushed]));
            run(Command::new("skopeo").args([
                "copy",
                "-q",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
                "--dest-compress-format",
                "zstd",
                "--dest-compress",
                &format!("docker://{pushed}"),
                &format!("docker://{registry}/{REPO}:zstd"),
            ]));
            Some((host, registry))
        })
        .clone()
}

/// The layer of the image that a `RUN` of the Dockerfile made: busybox's layers come first.
fn layers(host: &str) -> usize {
    let out = run(docker(host).args(["image", "inspect", "-f", "{{len .RootFS.Layers}}", TAG]));
    out.trim().parse().unwrap()
}

#[test]
fn cat_from_the_layer_store_and_the_export() {
    let Some((host, _)) = setup() else { return };
    let count = layers(&host);
    let first = (count - 2).to_string();
    let image = format!("docker-daemon:{TAG}");
    for export in [false, true] {
        let mut args = vec!["cat", "-q", "--host", &host, &image, "/srv/app/app.conf"];
        if export {
            args.push("--export");
        }
        assert_eq!(
            ok(&plummet(&args)),
            b"port=8080\nname=one\n",
            "export {export}"
        );
        args.extend(["--layer", &first]);
        assert_eq!(
            ok(&plummet(&args)),
            b"port=80\nname=one\n",
            "export {export}"
        );
    }
    let o = plummet(&["cat", "-q", "--host", &host, &image, "/srv/app/old"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("nearest existing parent is /srv/app"), "{err}");
}

#[test]
fn extract_from_the_daemon() {
    let Some((host, _)) = setup() else { return };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("x");
    ok(&plummet(&[
        "extract",
        "-q",
        "--host",
        &host,
        &format!("docker-daemon:{TAG}"),
        "/srv",
        "-o",
        dir.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read(dir.join("srv/app/app.conf")).unwrap(),
        b"port=8080\nname=one\n"
    );
    assert_eq!(
        std::fs::read_link(dir.join("srv/app/current")).unwrap(),
        Path::new("app.conf")
    );
    assert!(!dir.join("srv/app/old").exists());
}

#[test]
fn cat_from_the_registry_gzip_and_zstd() {
    let Some((host, registry)) = setup() else {
        return;
    };
    let count = layers(&host);
    let first = (count - 2).to_string();
    for tag in ["v1", "zstd"] {
        let image = format!("docker://{registry}/{REPO}:{tag}");
        let o = plummet(&["cat", "-q", &image, "/srv/app/current"]);
        assert_eq!(ok(&o), b"port=8080\nname=one\n", "{tag}");
        let o = plummet(&["cat", "-q", &image, "/srv/app/old", "--layer", &first]);
        assert_eq!(ok(&o), b"gone\n", "{tag}");
    }
    // The same file from the daemon and the registry.
    let o = plummet(&[
        "diff",
        "-q",
        "--host",
        &host,
        &format!("docker-daemon:{TAG}"),
        &format!("docker://{registry}/{REPO}:zstd"),
        "--file",
        "/srv/app/app.conf",
    ]);
    assert_eq!(ok(&o), b"/srv/app/app.conf: the same in both images\n");
}
