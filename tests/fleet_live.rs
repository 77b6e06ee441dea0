//! `plummet scan` on images the real tools made: three apps built by the harness's dockerd on
//! one busybox base, pushed to the harness's registry, scanned by `--all-tags` (the registry's
//! paginated tag list) through the layer-index cache, then again with every layer from the cache.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::process::{Command, Output};

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

const REPO: &str = "fleet17-scan/app";

fn plummet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .env_remove("CI")
        .output()
        .unwrap()
}

/// Builds and pushes `REPO:t1..t3`; t2 copies a file and deletes it again (real waste).
fn push_fleet(host: &str, registry: &str) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path();
    let mut big = vec![0u8; 200_000];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for b in &mut big {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(ctx.join("big.bin"), &big).unwrap();
    for i in 1..=3 {
        std::fs::write(ctx.join(format!("own{i}.txt")), format!("app {i}\n")).unwrap();
        let waste = if i == 2 {
            "COPY big.bin /tmp/big.bin\nRUN rm /tmp/big.bin\n"
        } else {
            ""
        };
        std::fs::write(
            ctx.join("Dockerfile"),
            format!("FROM plummet-busybox:latest\nCOPY own{i}.txt /app/\n{waste}USER 1000\n"),
        )
        .unwrap();
        let tag = format!("{registry}/{REPO}:t{i}");
        run(docker(host)
            .args(["build", "--network", "none", "-q", "-t", &tag])
            .arg(ctx));
        run(docker(host).args(["push", "-q", &tag]));
    }
}

#[test]
fn all_tags_of_a_real_registry_scan_through_the_cache() {
    let (Some(host), Some(registry)) = (
        harness("PLUMMET_TEST_DOCKER_HOST"),
        harness("PLUMMET_TEST_REGISTRY"),
    ) else {
        return;
    };
    push_fleet(&host, &registry);
    let repo = format!("docker://{registry}/{REPO}");

    // The tag list, two tags a page: the registry's Link headers lead to the third.
    let tags = plummet::source::registry::tags::list_paged(
        &repo,
        &plummet::source::LoadOptions::default(),
        2,
    )
    .unwrap();
    assert!(
        ["t1", "t2", "t3"]
            .iter()
            .all(|t| tags.contains(&t.to_string())),
        "{tags:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let scan = || {
        plummet(&[
            "scan",
            "--all-tags",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--json",
            "-",
            &repo,
        ])
    };
    let first = scan();
    let err = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "t2 wastes bytes: {err}");
    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), tags.len(), "{report}");
    let t2 = images
        .iter()
        .find(|i| i["reference"].as_str().unwrap().ends_with(":t2"))
        .unwrap();
    assert_eq!(t2["rules"], "failed", "{t2}");
    assert!(t2["wasted_bytes"].as_u64().unwrap() >= 200_000, "{t2}");
    // busybox's layer is in every image, counted once.
    let base = &report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["images"].as_array().unwrap().len() == tags.len())
        .unwrap()["blob_bytes"];
    assert!(report["shared_bytes"].as_u64().unwrap() >= base.as_u64().unwrap());

    // Again: every layer from the cache, the same report.
    let second = scan();
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains(" 0 indexed and stored"), "{err}");
    let again: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(again, report);

    // The same images from the daemon's layer store: the busybox layer is shared there too.
    let daemon: Vec<String> = ["t1", "t3"]
        .iter()
        .map(|t| format!("docker-daemon:{registry}/{REPO}:{t}"))
        .collect();
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .env("DOCKER_HOST", &host)
        .args(["scan", "--no-cache", "--json", "-", &daemon[0], &daemon[1]])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let local: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(local["shared_bytes"].as_u64().unwrap() > 0, "{local}");

    // A tag in --all-tags is a usage error naming it.
    let o = plummet(&["scan", "--all-tags", "--no-cache", &format!("{repo}:t1")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("without a tag"));
}
