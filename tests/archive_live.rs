//! Archives written by real tools: `docker save` from the harness's dockerd, then skopeo copies
//! of it as an OCI archive, an OCI directory and a zstd OCI directory. All must load into the
//! same layers. Needs the harness (tests/harness/README.md); skips loudly without it.

#![expect(
    clippy::panic,
    reason = "helpers fail the test with the command's own message"
)]
use std::path::Path;
use std::process::Command;

use plummet::analysis::analyze;
use plummet::image::Progress;
use plummet::source::{self, LoadOptions};

#[path = "harness/env.rs"]
mod harness_env;

fn run(program: &str, args: &[&str], docker_host: &str) {
    let out = Command::new(program)
        .args(args)
        .env("DOCKER_HOST", docker_host)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Layer sizes and file counts, the source name, and the user, as plummet reports them.
fn summary(input: &str) -> (Vec<(u64, usize)>, String, bool) {
    let image = source::load(input, &LoadOptions::default(), &Progress::default())
        .unwrap_or_else(|e| panic!("{input}: {e}"));
    let analysis = analyze(&image);
    let layers = analysis
        .layers
        .iter()
        .map(|l| (l.size_bytes, l.file_count))
        .collect();
    (layers, analysis.source, analysis.runs_as_root)
}

#[test]
fn docker_save_and_skopeo_copies_load_alike() {
    let names = ["PLUMMET_TEST_DOCKER_HOST", "PLUMMET_TEST_DOCKER_BASE_IMAGE"];
    if !harness_env::present("archive live test", &names) {
        return;
    }
    let [host, base] = names.map(|name| harness_env::var(name).unwrap_or_default());
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let saved = at("saved.tar");
    run("docker", &["save", &base, "-o", &saved], &host);
    let (docker_layers, source_name, _) = summary(&saved);
    assert_eq!(source_name, "docker-archive");
    assert!(docker_layers.iter().any(|(size, _)| *size > 0));
    let copies = [
        (format!("oci-archive:{}:v1", at("oci.tar")), "oci-archive"),
        (format!("oci:{}:v1", at("oci-dir")), "oci"),
        (format!("oci:{}:v1", at("zstd-dir")), "oci"),
    ];
    for (i, (target, source_kind)) in copies.iter().enumerate() {
        let mut args = vec!["copy", "-q"];
        if i == 2 {
            args.extend(["--dest-compress-format", "zstd"]);
        }
        let from = format!("docker-archive:{saved}");
        args.extend([from.as_str(), target.as_str()]);
        run("skopeo", &args, &host);
        let (layers, source_name, _) = summary(target);
        assert_eq!(source_name, *source_kind, "{target}");
        assert_eq!(layers, docker_layers, "{target}");
        // The same layout without the tag, found by content.
        let path = target.split(':').nth(1).unwrap();
        assert!(Path::new(path).exists());
        assert_eq!(summary(path).0, docker_layers, "{path}");
    }
}
