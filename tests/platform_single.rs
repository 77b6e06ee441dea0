//! `--platform` against single-platform images, through the plummet binary: a platform the
//! image is not for is a one-line error naming the image's platform (exit 2, no report), read
//! with a warning under `--force`; the image's own platform (also as the kernel's name) reads
//! as before. An archive, and the same image pushed by skopeo to the harness's registry (where
//! the refusal comes before any layer is pulled).
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::process::Command;

/// The committed example image, linux/amd64.
const ARCHIVE: &str = "testdata/example.tar";
const REPO: &str = "refs14-platform/example";

#[path = "harness/env.rs"]
mod harness_env;

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn plummet(args: &[&str]) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "--json", "-"])
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn check(target: &str, shown: &str) {
    let refused = plummet(&["--platform", "linux/s390x", target]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert_eq!(refused.stdout, "");
    assert_eq!(
        refused.stderr.trim_end(),
        format!(
            "plummet: error: {shown} is a single-platform image for linux/amd64, not the requested linux/s390x: drop --platform, or pass --force to read it anyway"
        )
    );
    let forced = plummet(&["--platform", "linux/s390x", "--force", target]);
    assert!(forced.code == 0 || forced.code == 1, "{}", forced.stderr);
    assert!(forced.stdout.contains("\"schema_version\""));
    assert!(
        forced.stderr.contains("plummet: warning: ")
            && forced.stderr.contains("linux/amd64")
            && forced.stderr.contains("--force"),
        "{}",
        forced.stderr
    );
    assert_eq!(
        forced.stderr.matches("warning").count(),
        1,
        "{}",
        forced.stderr
    );
    for same in ["linux/amd64", "linux/x86_64"] {
        let read = plummet(&["--platform", same, target]);
        assert!(read.code == 0 || read.code == 1, "{}", read.stderr);
        assert!(!read.stderr.contains("warning"), "{}", read.stderr);
    }
}

#[test]
fn archive_for_another_platform() {
    check(ARCHIVE, ARCHIVE);
}

#[test]
fn registry_image_for_another_platform() {
    if !harness_env::present("single-platform registry test", &["PLUMMET_TEST_REGISTRY"]) {
        return;
    }
    let registry = harness_env::var("PLUMMET_TEST_REGISTRY").unwrap();
    let target = format!("docker://{registry}/{REPO}:v1");
    let output = Command::new("skopeo")
        .args(["copy", "-q", "--dest-tls-verify=false"])
        .arg(format!("docker-archive:{ARCHIVE}"))
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "skopeo copy failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    check(&target, &format!("{registry}/{REPO}:v1"));
}
