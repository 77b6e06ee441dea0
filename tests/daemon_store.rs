//! Live: the layer store of the Docker daemon and of Podman, read directly, must give exactly
//! the image each engine's export API gives, on an image built by the real dockerd with what
//! makes layer tars tricky (hard links, long and non-UTF-8 names, a FIFO, setuid, an opaque
//! directory, whiteouts) and loaded into Podman, and on one Podman built itself; and it must be
//! the path taken when the store is readable.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plummet::analysis::analyze;
use plummet::image::{Image, Progress};
use plummet::source::LoadOptions;
use plummet::source::daemon::{Engine, load};

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, podman, run};

const TAG: &str = "plummet-store-test:1";

/// Builds the image in dockerd once; returns its `docker save` archive.
fn build(host: &str) -> &'static Path {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, saved) = BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let long = "d".repeat(120);
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM plummet-busybox:latest\n\
                 RUN mkdir -p /data/{long} /keep /gone && head -c 70000 /dev/urandom > /data/{long}/blob \
                     && ln /data/{long}/blob /data/hard && echo hi > /keep/a && echo x > /gone/b \
                     && touch \"/data/$(printf 'caf\\351')\" && mkfifo /data/pipe \
                     && cp /bin/busybox /data/suid && chmod 4755 /data/suid\n\
                 RUN rm -rf /keep && mkdir /keep && echo new > /keep/c && rm /data/hard \
                     && rm -rf /gone && chmod 0777 /data\n\
                 USER 1000\n"
            ),
        )
        .unwrap();
        run(docker(host)
            .args(["build", "--network", "none", "-q", "-t", TAG])
            .arg(dir.path()));
        let saved = dir.path().join("saved.tar");
        run(docker(host).args(["save", "-o"]).arg(&saved).arg(TAG));
        (dir, saved)
    });
    saved
}

fn load_with(engine: Engine, host: &str, export: bool) -> (Image, String) {
    load_tag(engine, host, TAG, export)
}

fn load_tag(engine: Engine, host: &str, tag: &str, export: bool) -> (Image, String) {
    let options = LoadOptions {
        host: Some(host.to_string()),
        export,
        ..LoadOptions::default()
    };
    let progress = Progress::default();
    let image = load(engine, tag, &options, &progress).unwrap();
    (image, progress.view().stage)
}

/// One entry as plain data: path, kind, size, mode, uid, gid, link target.
type Plain = (String, String, u64, u32, u32, u32, Vec<u8>);

/// Every entry of every layer, as plain data.
fn entries(image: &Image) -> Vec<Vec<Plain>> {
    let tree = &image.tree;
    tree.layers
        .iter()
        .map(|layer| {
            layer
                .entries
                .iter()
                .map(|e| {
                    (
                        tree.paths.display(e.node),
                        format!("{:?}", e.kind),
                        e.size,
                        e.mode,
                        e.uid,
                        e.gid,
                        tree.link(e).to_vec(),
                    )
                })
                .collect()
        })
        .collect()
}

/// The same layer tars (diff_ids checked while reading, lengths), entries, config and figures.
fn same_image(stored: &Image, exported: &Image) {
    // Byte for byte the same layer tars: same diff_ids (checked while reading) and lengths.
    let tars = |i: &Image| -> Vec<_> {
        i.blobs
            .iter()
            .map(|b| (b.diff_id.clone(), b.uncompressed_bytes))
            .collect()
    };
    assert_eq!(tars(stored), tars(exported));
    assert!(stored.blobs.iter().all(|b| b.diff_id.is_some()));
    assert_eq!(entries(stored), entries(exported));
    assert_eq!(stored.meta.config, exported.meta.config);
    assert_eq!(stored.meta.config_digest, exported.meta.config_digest);

    let (s, e) = (analyze(stored), analyze(exported));
    // The figures; not what names the source (engine, repository digest).
    let json = |a| {
        let mut v = serde_json::to_value(plummet::report::json::image(a)).unwrap();
        for key in ["source", "digest"] {
            v.as_object_mut().unwrap().remove(key);
        }
        v
    };
    assert_eq!(json(&s), json(&e));
    assert_eq!(s.findings.len(), e.findings.len());
}

#[test]
fn the_layer_store_gives_the_image_the_export_gives() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    build(&host);
    let (stored, stage) = load_with(Engine::Docker, &host, false);
    assert_eq!(stage, "reading docker's layer store");
    let (exported, stage) = load_with(Engine::Docker, &host, true);
    assert_eq!(stage, "exporting from docker");
    same_image(&stored, &exported);
    let s = analyze(&stored);
    // The tricky parts are really there.
    let layers = entries(&stored);
    let top = layers.len() - 1;
    let has = |layer: usize, path: &str, kind: &str| {
        layers[layer]
            .iter()
            .any(|e| e.0.starts_with(path) && e.1 == kind)
    };
    assert!(
        has(top - 1, "/data/hard", "Hardlink"),
        "{:?}",
        layers[top - 1]
    );
    assert!(has(top - 1, "/data/caf", "File"));
    assert!(has(top - 1, "/data/pipe", "Fifo"));
    assert!(has(top - 1, "/data/dddd", "Dir"));
    assert!(has(top, "/keep", "Opaque"), "{:?}", layers[top]);
    assert!(has(top, "/gone", "Whiteout"));
    assert!(has(top, "/data/hard", "Whiteout"));
    assert!(
        s.findings
            .iter()
            .any(|f| f.kind == plummet::analysis::FindingKind::Setuid),
        "{:?}",
        s.findings
    );
    // The directory deletions count as waste: /gone/b and /keep/a (opaque /keep).
    assert!(s.wasted_bytes >= 3 + 2, "{}", s.wasted_bytes);
}

#[test]
fn no_verify_still_reads_the_layer_store() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    build(&host);
    let mut options = LoadOptions {
        host: Some(host.clone()),
        ..LoadOptions::default()
    };
    options.index.verify = false;
    let progress = Progress::default();
    let image = load(Engine::Docker, TAG, &options, &progress).unwrap();
    assert_eq!(progress.view().stage, "reading docker's layer store");
    assert!(image.blobs.iter().all(|b| b.diff_id.is_none()));
    let (verified, _) = load_with(Engine::Docker, &host, false);
    assert_eq!(entries(&image), entries(&verified));
}

#[test]
fn podman_s_layer_store_gives_the_image_its_export_gives() {
    let (Some(host), Some(podman_host)) = (
        harness("PLUMMET_TEST_DOCKER_HOST"),
        harness("PLUMMET_TEST_PODMAN_HOST"),
    ) else {
        return;
    };
    let saved = build(&host);
    run(podman().args(["load", "-q", "-i"]).arg(saved));
    let (stored, stage) = load_with(Engine::Podman, &podman_host, false);
    assert_eq!(stage, "reading podman's layer store");
    let (exported, stage) = load_with(Engine::Podman, &podman_host, true);
    assert_eq!(stage, "exporting from podman");
    same_image(&stored, &exported);
    assert_eq!(stored.meta.source, "podman");
    let (docker, _) = load_with(Engine::Docker, &host, false);
    same_image(&stored, &docker);
}

/// Podman's own build (buildah's commits, not layers `podman load`ed from Docker): read from
/// the store, it is the image the export gives, with the waste its RUN steps made.
#[test]
fn a_podman_built_image_reads_from_the_store_as_from_the_export() {
    const BUILT: &str = "localhost/plummet-podman-built:1";
    let Some(podman_host) = harness("PLUMMET_TEST_PODMAN_HOST") else {
        return;
    };
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("busybox (apt-get install busybox-static), as the harness needs");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(busybox, dir.path().join("busybox")).unwrap();
    std::fs::write(
        dir.path().join("Containerfile"),
        "FROM scratch\n\
         COPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN mkdir -p /data /keep /gone && head -c 30000 /dev/urandom > /data/blob \
             && ln /data/blob /data/hard && echo hi > /keep/a && echo x > /gone/b \
             && mkfifo /data/pipe && cp /bin/busybox /data/suid && chmod 4755 /data/suid\n\
         RUN rm -rf /keep && mkdir /keep && echo new > /keep/c && rm /data/hard \
             && rm -rf /gone && chmod 0777 /data\n",
    )
    .unwrap();
    // chroot isolation: no runtime or network namespace needed on the CI machine.
    run(podman()
        .args(["build", "-q", "--isolation", "chroot", "-t", BUILT])
        .arg(dir.path()));

    let (stored, stage) = load_tag(Engine::Podman, &podman_host, BUILT, false);
    assert_eq!(stage, "reading podman's layer store");
    let (exported, stage) = load_tag(Engine::Podman, &podman_host, BUILT, true);
    assert_eq!(stage, "exporting from podman");
    same_image(&stored, &exported);
    assert_eq!(stored.blobs.len(), 4);
    // The last RUN removed /keep/a ("hi\n") and /gone/b ("x\n"), both written by the one before.
    assert_eq!(analyze(&stored).wasted_bytes, 3 + 2);
}
