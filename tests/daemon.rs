//! Live tests of the Docker daemon and Podman sources against the harness's real dockerd and
//! podman service: an image built with real whiteouts, figures checked by hand, engines compared,
//! and the failures a user meets (no daemon, unknown image, a daemon that stops mid-export).
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use plummet::analysis::analyze;
use plummet::image::{Image, Progress};
use plummet::source::LoadOptions;
use plummet::source::daemon::{Engine, load};

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, podman, run};

const TAG: &str = "plummet-daemon-test:1";

/// Builds the test image once per test run: COPYs, a file deleted (whiteout), a directory
/// deleted, a file overwritten, and a non-root user. Returns the `docker save` of it.
fn built_image(host: &str) -> &'static Path {
    static SAVED: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, saved) = SAVED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx");
        std::fs::create_dir_all(ctx.join("junk")).unwrap();
        std::fs::write(ctx.join("a.bin"), vec![b'a'; 10_000]).unwrap();
        std::fs::write(ctx.join("b.bin"), vec![b'b'; 3_000]).unwrap();
        std::fs::write(ctx.join("junk/x"), vec![b'x'; 4_000]).unwrap();
        std::fs::write(ctx.join("junk/y"), vec![b'y'; 5_000]).unwrap();
        std::fs::write(ctx.join("a2.bin"), vec![b'A'; 12_000]).unwrap();
        std::fs::write(
            ctx.join("Dockerfile"),
            "FROM plummet-busybox:latest\n\
             COPY a.bin /data/a.bin\n\
             COPY b.bin /data/b.bin\n\
             COPY junk/ /junk/\n\
             RUN rm /data/b.bin\n\
             RUN rm -rf /junk\n\
             COPY a2.bin /data/a.bin\n\
             USER 1000\n",
        )
        .unwrap();
        run(docker(host)
            .args(["build", "--network", "none", "-q", "-t", TAG])
            .arg(&ctx));
        let saved = dir.path().join("saved.tar");
        run(docker(host).args(["save", "-o"]).arg(&saved).arg(TAG));
        (dir, saved)
    });
    saved
}

fn options(host: &str) -> LoadOptions {
    LoadOptions {
        host: Some(host.to_string()),
        ..LoadOptions::default()
    }
}

fn load_from(engine: Engine, host: &str, reference: &str) -> (Image, Progress) {
    let progress = Progress::default();
    let image = load(engine, reference, &options(host), &progress).unwrap();
    (image, progress)
}

#[test]
fn docker_daemon_image_figures_match_the_dockerfile() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    built_image(&host);
    let (image, progress) = load_from(Engine::Docker, &host, TAG);
    let a = analyze(&image);
    assert_eq!(a.source, "docker-daemon");
    assert_eq!(a.layers.len(), 7);
    // COPY a, COPY b, COPY junk (2 files), RUN rm, RUN rm -rf, COPY a2.
    let counts: Vec<usize> = a.layers[1..].iter().map(|l| l.file_count).collect();
    assert_eq!(counts, [1, 1, 2, 0, 0, 1]);
    assert_eq!(a.user_size_bytes, 10_000 + 3_000 + 9_000 + 12_000);
    // a.bin twice (10000 + 12000), b.bin deleted (3000), junk/x and junk/y deleted (9000).
    assert_eq!(a.wasted_bytes, 22_000 + 3_000 + 9_000);
    // What no longer shows: the first a.bin, b.bin and the junk directory.
    assert_eq!(a.reclaimable_bytes, 10_000 + 3_000 + 9_000);
    assert!(!a.runs_as_root);
    assert_eq!(a.config.user, "1000");
    assert!(a.layers[6].command.contains("COPY"), "{:?}", a.layers[6]);
    let base = a.layers[0].size_bytes;
    assert_eq!(a.size_bytes, base + a.user_size_bytes);
    for (layer, blob) in a.layers.iter().zip(&image.blobs) {
        assert_eq!(layer.diff_id, blob.diff_id, "layer {}", layer.index);
    }
    let view = progress.view();
    // The harness's dockerd is local, overlay2 and readable: its layer store is read directly.
    assert_eq!(view.stage, "reading docker's layer store");
    assert_eq!(view.finished(), 7);
    let blob_bytes: u64 = image.blobs.iter().map(|b| b.compressed_bytes).sum();
    assert_eq!(view.read(), blob_bytes);
}

#[test]
fn podman_reads_the_same_image_as_docker() {
    let (Some(host), Some(podman_host)) = (
        harness("PLUMMET_TEST_DOCKER_HOST"),
        harness("PLUMMET_TEST_PODMAN_HOST"),
    ) else {
        return;
    };
    let saved = built_image(&host);
    run(podman().args(["load", "-q", "-i"]).arg(saved));
    let (docker_image, _) = load_from(Engine::Docker, &host, TAG);
    let (podman_image, progress) = load_from(Engine::Podman, &podman_host, TAG);
    let d = analyze(&docker_image);
    let p = analyze(&podman_image);
    assert_eq!(p.source, "podman");
    // The harness's podman is local, overlay and readable: its layer store is read directly.
    assert_eq!(progress.view().stage, "reading podman's layer store");
    assert_eq!(p.size_bytes, d.size_bytes);
    assert_eq!(p.wasted_bytes, d.wasted_bytes);
    assert_eq!(p.reclaimable_bytes, d.reclaimable_bytes);
    assert_eq!(p.runs_as_root, d.runs_as_root);
    let files = |a: &plummet::analysis::Analysis| -> Vec<(usize, u64)> {
        a.layers
            .iter()
            .map(|l| (l.file_count, l.size_bytes))
            .collect()
    };
    assert_eq!(files(&p), files(&d));
    let diff_ids = |i: &Image| -> Vec<_> { i.blobs.iter().map(|b| b.diff_id.clone()).collect() };
    assert_eq!(diff_ids(&podman_image), diff_ids(&docker_image));
}

fn load_error(engine: Engine, host: &str, reference: &str) -> String {
    load(engine, reference, &options(host), &Progress::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn no_daemon_at_the_socket_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("unix://{}/nothing.sock", dir.path().display());
    let err = load_error(Engine::Docker, &missing, "app:1");
    assert_eq!(
        err,
        format!(
            "cannot connect to the Docker daemon at {missing}: is it running? set DOCKER_HOST or --host"
        )
    );
    // A socket file that nobody listens on any more: connection refused.
    let path = dir.path().join("dead.sock");
    drop(UnixListener::bind(&path).unwrap());
    let dead = format!("unix://{}", path.display());
    let err = load_error(Engine::Docker, &dead, "app:1");
    assert!(
        err.starts_with(&format!("cannot connect to the Docker daemon at {dead}")),
        "{err}"
    );
    let err = load_error(Engine::Podman, &dead, "app:1");
    assert!(
        err.contains("Podman service") && err.contains("--host"),
        "{err}"
    );
    // Permission denied cannot be provoked here (tests run as root, who may open any socket);
    // probe::connect_error's unit test covers that message.
}

#[test]
fn an_unknown_image_is_named_with_what_to_do() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let err = load_error(Engine::Docker, &host, "plummet-no-such-image:1");
    assert_eq!(
        err,
        "image plummet-no-such-image:1 not found in the Docker daemon; pull it first or use \
         docker://plummet-no-such-image:1 to read it from the registry"
    );
    if let Some(podman) = harness("PLUMMET_TEST_PODMAN_HOST") {
        let err = load_error(Engine::Podman, &podman, "plummet-no-such-image:1");
        assert!(
            err.starts_with("image plummet-no-such-image:1 not found in Podman"),
            "{err}"
        );
    }
}

/// A proxy in front of the daemon that cuts every connection after `limit` bytes of response:
/// small API answers pass, an export does not.
fn cutting_proxy(daemon: &Path, dir: &Path, limit: usize) -> String {
    let path = dir.join("proxy.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let daemon = daemon.to_path_buf();
    std::thread::spawn(move || {
        for client in listener.incoming().take(16) {
            let Ok(mut client) = client else { break };
            let Ok(mut upstream) = UnixStream::connect(&daemon) else {
                break;
            };
            let mut to_daemon = upstream.try_clone().unwrap();
            let mut from_client = client.try_clone().unwrap();
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from_client, &mut to_daemon);
            });
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                let mut sent = 0;
                while sent < limit {
                    let Ok(n) = upstream.read(&mut buf) else {
                        break;
                    };
                    let n = n.min(limit - sent);
                    if n == 0 || client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                }
                let _ = client.shutdown(std::net::Shutdown::Both);
                let _ = upstream.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    format!("unix://{}", path.display())
}

#[test]
fn a_daemon_that_stops_mid_export_is_an_error_naming_the_image() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    built_image(&host);
    let dir = tempfile::tempdir().unwrap();
    let socket = PathBuf::from(host.strip_prefix("unix://").unwrap());
    let proxy = cutting_proxy(&socket, dir.path(), 256 * 1024);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The proxy cuts the export; the layer store would not need it.
        let options = LoadOptions {
            export: true,
            ..options(&proxy)
        };
        let _ = tx.send(load(Engine::Docker, TAG, &options, &Progress::default()));
    });
    let outcome = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the load hung after the connection was cut");
    let err = outcome.unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("failed to export {TAG} from the Docker daemon")),
        "{err}"
    );
    eprintln!("mid-export error: {err}");
    assert!(err.contains("broke"), "{err}");
}

/// The `image` figures of the JSON report, without what names the source.
fn figures(image: &Image) -> serde_json::Value {
    let mut v = serde_json::to_value(plummet::report::json::image(&analyze(image))).unwrap();
    // The pull size is the blobs as each source stores them (a daemon's uncompressed tars, a
    // registry's gzip blobs): it differs by design, like the digest.
    for key in [
        "reference",
        "source",
        "digest",
        "pull_bytes",
        "pull_uncompressed_blobs",
    ] {
        v.as_object_mut().unwrap().remove(key);
    }
    let layers: Vec<_> = analyze(image)
        .layers
        .iter()
        .map(|l| {
            (
                l.diff_id.clone().map(|d| d.to_string()),
                l.size_bytes,
                l.file_count,
                l.changes.clone(),
            )
        })
        .map(|(d, s, f, c)| {
            serde_json::json!([
                d,
                s,
                f,
                c.added,
                c.modified,
                c.removed,
                c.wasted_bytes,
                c.reclaimable_bytes
            ])
        })
        .collect();
    v["layers"] = serde_json::Value::Array(layers);
    v
}

#[test]
fn daemon_docker_save_and_registry_give_the_same_figures() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let saved = built_image(&host);
    let (daemon_image, _) = load_from(Engine::Docker, &host, TAG);
    let archive_image =
        plummet::source::archive::load(saved, None, None, &options(&host), &Progress::default())
            .unwrap();
    assert_eq!(figures(&archive_image), figures(&daemon_image));
    let Some(registry) = harness("PLUMMET_TEST_REGISTRY") else {
        return;
    };
    let remote = format!("{registry}/plummet-daemon-test:figures");
    run(docker(&host).args(["tag", TAG, &remote]));
    run(docker(&host).args(["push", &remote]));
    let registry_image =
        plummet::source::registry::load(&remote, &options(&host), &Progress::default()).unwrap();
    assert_eq!(registry_image.meta.source, "registry");
    assert_eq!(figures(&registry_image), figures(&daemon_image));
}
