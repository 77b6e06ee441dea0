//! Layers written by the real umoci 0.4.7 `insert`, which ends a layer right after the last file's
//! data (no padding to 512 bytes, no end-of-archive blocks), read as Docker reads them: from an OCI
//! directory, a docker-save archive and a registry (skopeo converts between forms), and through
//! `plummet diff`. Needs umoci and skopeo (CI installs both); the registry form needs the harness.

#![expect(
    clippy::panic,
    reason = "helpers fail the test with the command's own message"
)]
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

use plummet::analysis::analyze;
use plummet::image::Progress;
use plummet::source::{self, LoadOptions};

#[path = "harness/env.rs"]
mod harness_env;

fn run(program: &str, args: &[&str]) -> Output {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn have(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        assert!(
            harness_env::var("CI").as_deref() != Some("true"),
            "{program} is not installed but CI=true"
        );
        eprintln!("SKIPPED: {program} is not installed");
    }
    found
}

/// An OCI layout `dir` with tag `t`: two layers by `umoci insert`, files of 1024 and 7 bytes (the
/// first layer is whole blocks, the second ends 7 bytes into one); only the first when `layers` is 1.
fn umoci_image(dir: &Path, layers: usize) -> String {
    let layout = dir.join("img").display().to_string();
    let tagged = format!("{layout}:t");
    run("umoci", &["init", "--layout", &layout]);
    run("umoci", &["new", "--image", &tagged]);
    for (name, content, target) in [
        ("a.txt", &"hello, world\n".repeat(79)[..1024], "/app/a.txt"),
        ("b.txt", "second\n", "/etc/b.txt"),
    ]
    .into_iter()
    .take(layers)
    {
        let file = dir.join(name);
        std::fs::write(&file, content).unwrap();
        let file = file.display().to_string();
        run("umoci", &["insert", "--image", &tagged, &file, target]);
    }
    tagged
}

/// Asserts the quirk is really there: some layer's tar is not a whole number of 512-byte blocks.
fn assert_unpadded_layer(layout: &Path) {
    let mut unpadded = 0;
    for blob in std::fs::read_dir(layout.join("blobs/sha256")).unwrap() {
        let bytes = std::fs::read(blob.unwrap().path()).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut tar = Vec::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_end(&mut tar)
                .unwrap();
            if tar.len() % 512 != 0 {
                unpadded += 1;
            }
        }
    }
    assert!(unpadded > 0, "umoci wrote only padded layers");
}

/// (size, file count) per layer, and the source kind.
fn summary(input: &str) -> (Vec<(u64, usize)>, String) {
    let image = source::load(input, &LoadOptions::default(), &Progress::default())
        .unwrap_or_else(|e| panic!("{input}: {e}"));
    let analysis = analyze(&image);
    let layers = analysis
        .layers
        .iter()
        .map(|l| (l.size_bytes, l.file_count))
        .collect();
    (layers, analysis.source)
}

fn plummet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn umoci_insert_layers_load_from_oci_docker_archive_and_diff() {
    if !have("umoci") || !have("skopeo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let oci = umoci_image(dir.path(), 2);
    assert_unpadded_layer(&dir.path().join("img"));
    let expected = vec![(1024, 1), (7, 1)];
    let (layers, kind) = summary(&format!("oci:{oci}"));
    assert_eq!((layers, kind.as_str()), (expected.clone(), "oci"));

    let saved = dir.path().join("saved.tar").display().to_string();
    let archive = format!("docker-archive:{saved}");
    run("skopeo", &["copy", "-q", &format!("oci:{oci}"), &archive]);
    let (layers, kind) = summary(&saved);
    assert_eq!((layers, kind.as_str()), (expected, "docker-archive"));

    let diff = plummet(&["diff", &format!("oci:{oci}"), &saved]);
    let stdout = String::from_utf8_lossy(&diff.stdout);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    assert!(stdout.contains("identical"), "{stdout}");
}

#[test]
fn umoci_insert_layers_load_from_registry() {
    if !harness_env::present("umoci registry test", &["PLUMMET_TEST_REGISTRY"])
        || !have("umoci")
        || !have("skopeo")
    {
        return;
    }
    let registry = harness_env::var("PLUMMET_TEST_REGISTRY").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let oci = umoci_image(dir.path(), 2);
    let unique = std::process::id();
    let target = format!("docker://{registry}/plummet-umoci:{unique}");
    run(
        "skopeo",
        &[
            "copy",
            "-q",
            "--dest-tls-verify=false",
            &format!("oci:{oci}"),
            &target,
        ],
    );
    let (layers, kind) = summary(&target);
    assert_eq!(
        (layers, kind.as_str()),
        (vec![(1024, 1), (7, 1)], "registry")
    );
}

/// Copies an OCI layout and changes its first layer blob (the layer both copies share by digest)
/// in the gzip header's timestamp: the blob has the same size and reads and indexes exactly as
/// before, and only hashing it shows that it is not the blob the manifest names.
fn corrupt_copy(layout: &Path, to: &Path) {
    run(
        "cp",
        &[
            "-r",
            &layout.display().to_string(),
            &to.display().to_string(),
        ],
    );
    let json = |path: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let blob = |digest: &serde_json::Value| {
        let digest = digest.as_str().unwrap();
        to.join("blobs/sha256").join(&digest["sha256:".len()..])
    };
    let manifest = json(&blob(
        &json(&to.join("index.json"))["manifests"][0]["digest"],
    ));
    let layer = blob(&manifest["layers"][0]["digest"]);
    let mut bytes = std::fs::read(&layer).unwrap();
    // The gzip header's MTIME: same size, same tar, another digest.
    bytes[4] ^= 0x01;
    std::fs::write(&layer, bytes).unwrap();
}

#[test]
fn diff_hashes_each_images_copy_of_a_shared_layer() {
    if !have("umoci") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // One whole-block layer, so that even a reader without the umoci fix loads both images.
    let good = umoci_image(dir.path(), 1);
    let broken = dir.path().join("broken");
    corrupt_copy(&dir.path().join("img"), &broken);
    let broken = format!("{}:t", broken.display());
    let (a, b) = (format!("oci:{good}"), format!("oci:{broken}"));
    // Both images read the shared layer at the same time: whichever indexes it, the other's copy
    // must still be hashed, in every run.
    for run in 0..20 {
        for (args, side) in [([&a, &b], "image B"), ([&b, &a], "image A")] {
            let out = plummet(&["diff", args[0], args[1]]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "run {run}: {stderr}");
            assert!(stderr.contains(side), "run {run}: {stderr}");
        }
    }
    // The very same layout on both sides is hashed once and is identical.
    let out = plummet(&["diff", &a, &a]);
    assert_eq!(out.status.code(), Some(0));
}
