//! `plummet diff` on two images built by a real Docker daemon from two Dockerfiles that share
//! their first steps, saved with `docker save`, then compared as archives.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail on bad input"
)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;
#[path = "tui_support/tmux.rs"]
mod tmux;

fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

/// `docker ARGS` against the harness's daemon; fails the test when it fails.
fn docker(host: &str, args: &[&str]) -> String {
    live::run(live::docker(host).args(args))
}

fn build_and_save(host: &str, dir: &Path, name: &str, dockerfile: &str) -> String {
    let ctx = dir.join(name);
    build_and_save_in(host, &ctx, dir, name, dockerfile)
}

/// Builds `dockerfile` in the context `ctx` (which may hold files to COPY), saves the image.
fn build_and_save_in(host: &str, ctx: &Path, dir: &Path, name: &str, dockerfile: &str) -> String {
    std::fs::create_dir_all(ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    let tag = format!("plummet-difftest-{name}:{}", std::process::id());
    docker(host, &["build", "-q", "-t", &tag, ctx.to_str().unwrap()]);
    let archive = dir.join(format!("{name}.tar"));
    docker(host, &["save", "-o", archive.to_str().unwrap(), &tag]);
    // The tag stays until both images are built: removing it would also remove its untagged
    // parent steps, and with them the build cache the second image must share.
    archive.display().to_string()
}

#[test]
fn diff_of_two_docker_builds_sharing_their_first_steps() {
    let (Some(host), Some(base)) = (
        live::harness("PLUMMET_TEST_DOCKER_HOST"),
        live::harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let common = format!(
        "FROM {base}\nRUN mkdir -p /data && dd if=/dev/zero of=/data/common bs=1024 count=64\n"
    );
    let a = build_and_save(
        &host,
        dir.path(),
        "a",
        &format!("{common}RUN dd if=/dev/zero of=/data/old bs=1024 count=16\n"),
    );
    let b = build_and_save(
        &host,
        dir.path(),
        "b",
        &format!(
            "{common}RUN dd if=/dev/zero of=/data/new bs=1024 count=48 && mkdir -p /app/.git && echo x > /app/.git/HEAD\n"
        ),
    );
    let out = Command::new(bin())
        .args([
            "diff",
            &a,
            &b,
            "--json",
            "-",
            "--quiet",
            "--no-new-findings",
            "git",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let layers = v["layers"].as_array().unwrap();
    let statuses: Vec<_> = layers
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    // The base and the common RUN (a build-cache hit, so the same layer) are shared; the last
    // RUN differs in command, so A's is removed and B's added.
    assert_eq!(
        statuses[..statuses.len() - 2],
        vec!["shared"; statuses.len() - 2][..]
    );
    assert_eq!(statuses[statuses.len() - 2..], ["removed", "added"]);
    let files: Vec<_> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["change"].as_str().unwrap().to_string(),
                f["delta"].as_i64().unwrap(),
            )
        })
        .filter(|(p, _, _)| p.starts_with("/data") || p.starts_with("/app"))
        .collect();
    assert_eq!(
        files,
        [
            ("/app/.git/HEAD".to_string(), "added".to_string(), 2),
            ("/data/new".to_string(), "added".to_string(), 48 * 1024),
            ("/data/old".to_string(), "removed".to_string(), -16 * 1024),
        ]
    );
    assert_eq!(v["findings_added"][0]["kind"], "git");
    let rule = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "noNewFindings")
        .unwrap();
    assert_eq!(rule["status"], "fail");
    for name in ["a", "b"] {
        let tag = format!("plummet-difftest-{name}:{}", std::process::id());
        docker(&host, &["rmi", &tag]);
    }
}

fn plummet_diff(a: &str, b: &str, extra: &[&str]) -> String {
    let out = Command::new(bin())
        .args(["diff", a, b, "--quiet"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The same app built twice by the real daemon: A as `COPY --chown=1000:1000` leaves it; B then
/// replaces `node_modules` as root (moved away, recreated by `mkdir`, the same files copied back
/// with their owners by `cp -a`), so B's layer holds an opaque `node_modules` owned by root and
/// the very same files. The directory's owner is the one difference, and every view says so.
#[test]
fn a_node_modules_owner_change_through_an_opaque_directory_shows_in_every_view() {
    let (Some(host), Some(base)) = (
        live::harness("PLUMMET_TEST_DOCKER_HOST"),
        live::harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    std::fs::create_dir_all(ctx.join("app/node_modules/left-pad")).unwrap();
    std::fs::write(ctx.join("app/package.json"), "{\"name\":\"app\"}\n").unwrap();
    std::fs::write(
        ctx.join("app/node_modules/left-pad/index.js"),
        "module.exports = 1;\n",
    )
    .unwrap();
    let copy = format!("FROM {base}\nCOPY --chown=1000:1000 app /app\n");
    let a = build_and_save_in(&host, &ctx, dir.path(), "chown-a", &copy);
    let b = build_and_save_in(
        &host,
        &ctx,
        dir.path(),
        "chown-b",
        &format!(
            "{copy}RUN mv /app/node_modules /tmp/nm && mkdir /app/node_modules \
             && cp -a /tmp/nm/* /app/node_modules/ && rm -rf /tmp/nm\n"
        ),
    );

    let text = plummet_diff(&a, &b, &[]);
    assert!(!text.contains("identical"), "{text}");
    assert!(
        text.contains(
            "Directory changes (1)\n  changed  /app/node_modules  (owner 1000:1000 -> 0:0)\n"
        ),
        "{text}"
    );
    let v: Value = serde_json::from_str(&plummet_diff(&a, &b, &["--json", "-"])).unwrap();
    assert_eq!(v["files"], serde_json::json!([]), "no file differs");
    let dirs = v["dir_entries"].as_array().unwrap();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert_eq!(dirs[0]["path"], "/app/node_modules");
    assert_eq!(dirs[0]["aspects"], serde_json::json!(["owner"]));
    assert_eq!(
        (&dirs[0]["uid_a"], &dirs[0]["uid_b"]),
        (&1000.into(), &0.into())
    );
    let md = plummet_diff(&a, &b, &["--markdown", "-"]);
    assert!(
        md.contains("| changed | `/app/node_modules` | owner 1000:1000 -> 0:0 |"),
        "{md}"
    );

    if Command::new("tmux").arg("-V").output().is_ok() {
        let session = tmux::Session::start(
            "diff-chown",
            Path::new(&bin()),
            &[
                Path::new("diff"),
                Path::new("--ui"),
                Path::new(&a),
                Path::new(&b),
            ],
        );
        session.wait_for_all(&["Summary (A -> B)", "~     node_modules/ (owner)"]);
        session.keys(&["q"]);
        session.wait_for_exit();
    } else {
        tmux::skip("diff_daemon", "tmux is not installed");
    }
    for name in ["chown-a", "chown-b"] {
        let tag = format!("plummet-difftest-{name}:{}", std::process::id());
        docker(&host, &["rmi", &tag]);
    }
}
