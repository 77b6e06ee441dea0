//! Distribution cost on images a real Docker daemon built and pushed to the harness's real
//! registry: the pull size and `download_bytes` of `plummet diff` compared with what the
//! registry's own manifests say (read with skopeo, an independent client).
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;

fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

/// Builds `dockerfile` as `tag` with the harness's daemon and pushes it.
fn build_and_push(host: &str, dir: &std::path::Path, tag: &str, dockerfile: &str) {
    let ctx = dir.join(tag.replace(['/', ':'], "_"));
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    live::run(live::docker(host).args(["build", "-q", "-t", tag, ctx.to_str().unwrap()]));
    live::run(live::docker(host).args(["push", tag]));
}

/// The layer descriptors (digest, size) of the pushed manifest, as the registry serves it.
fn registry_layers(reference: &str) -> Vec<(String, u64)> {
    let raw = live::run(Command::new("skopeo").args([
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]));
    let manifest: Value = serde_json::from_str(&raw).unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["digest"].as_str().unwrap().to_string(),
                l["size"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn distinct_sum(layers: &[(String, u64)], except: &BTreeSet<&str>) -> u64 {
    let mut seen = BTreeSet::new();
    layers
        .iter()
        .filter(|(d, _)| !except.contains(d.as_str()) && seen.insert(d.as_str()))
        .map(|(_, s)| s)
        .sum()
}

#[test]
fn download_bytes_of_two_pushed_builds_sharing_a_base_match_the_registry_manifests() {
    let (Some(host), Some(base), Some(registry)) = (
        live::harness("PLUMMET_TEST_DOCKER_HOST"),
        live::harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
        live::harness("PLUMMET_TEST_REGISTRY"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let id = std::process::id();
    let common =
        format!("FROM {base}\nRUN mkdir -p /data && head -c 65536 /dev/urandom > /data/common\n");
    let a = format!("{registry}/plummet-pull-a:{id}");
    let b = format!("{registry}/plummet-pull-b:{id}");
    build_and_push(
        &host,
        dir.path(),
        &a,
        &format!("{common}RUN echo a > /data/a\n"),
    );
    build_and_push(
        &host,
        dir.path(),
        &b,
        &format!("{common}RUN head -c 30000 /dev/urandom > /data/b\n"),
    );
    let out = Command::new(bin())
        .args([
            "diff",
            &format!("docker://{a}"),
            &format!("docker://{b}"),
            "--json",
            "-",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (la, lb) = (registry_layers(&a), registry_layers(&b));
    let have: BTreeSet<&str> = la.iter().map(|(d, _)| d.as_str()).collect();
    let expected = distinct_sum(&lb, &have);
    // The base and the common RUN come from the build cache: only B's last layer is new.
    assert!(expected > 30_000 / 2, "B's random last layer: {expected}");
    assert_eq!(
        v["summary"]["download_bytes"].as_u64(),
        Some(expected),
        "{v}"
    );
    assert_eq!(v["summary"]["download_blobs"].as_u64(), Some(1));
    for (key, layers) in [("a", &la), ("b", &lb)] {
        assert_eq!(
            v[key]["pull_bytes"].as_u64(),
            Some(distinct_sum(layers, &BTreeSet::new())),
            "{key}"
        );
        assert_eq!(v[key]["pull_uncompressed_blobs"], 0, "{key}");
    }

    let text = Command::new(bin())
        .args([
            "diff",
            &format!("docker://{a}"),
            &format!("docker://{b}"),
            "--quiet",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("download A→B"), "{text}");
    assert!(text.contains("(1 blob)"), "{text}");
    for tag in [&a, &b] {
        live::run(live::docker(&host).args(["rmi", tag]));
    }
}
