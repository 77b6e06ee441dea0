//! Saved credentials where users keep them, read by the plummet binary from the harness's
//! basic-auth registry with HOME and the XDG variables pointed at a temporary directory:
//! Podman's auth.json in each location containers-auth.json(5) lists, in its order, then
//! Docker's config.json; no saved credential gives the "requires credentials" error; the
//! password never appears in any output.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;

/// The committed example image, pushed to the basic-auth registry as `REPO:v1`.
const ARCHIVE: &str = "testdata/example.tar";
const REPO: &str = "refs14-auth-files/example";

#[path = "harness/env.rs"]
mod harness_env;

use harness_env::var;

struct Basic {
    registry: String,
    user: String,
    password: String,
}

/// The basic-auth registry with the example pushed (once per run), or `None` after a loud
/// SKIPPED line (a failure when CI=true).
fn basic() -> Option<&'static Basic> {
    let names = [
        "PLUMMET_TEST_REGISTRY_BASIC",
        "PLUMMET_TEST_REGISTRY_BASIC_USER",
        "PLUMMET_TEST_REGISTRY_BASIC_PASSWORD",
    ];
    if !harness_env::present("registry auth-file test", &names) {
        return None;
    }
    static BASIC: OnceLock<Basic> = OnceLock::new();
    Some(BASIC.get_or_init(|| {
        let basic = Basic {
            registry: var("PLUMMET_TEST_REGISTRY_BASIC").unwrap(),
            user: var("PLUMMET_TEST_REGISTRY_BASIC_USER").unwrap(),
            password: var("PLUMMET_TEST_REGISTRY_BASIC_PASSWORD").unwrap(),
        };
        let output = Command::new("skopeo")
            .args(["copy", "-q", "--dest-tls-verify=false", "--dest-creds"])
            .arg(format!("{}:{}", basic.user, basic.password))
            .arg(format!("docker-archive:{ARCHIVE}"))
            .arg(format!("docker://{}/{REPO}:v1", basic.registry))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "skopeo copy to {} failed: {}",
            basic.registry,
            String::from_utf8_lossy(&output.stderr)
        );
        basic
    }))
}

/// Writes an `auths` file for the registry with `user:password` at `path`.
fn write_auth(path: &Path, registry: &str, user: &str, password: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::write(
        path,
        format!(r#"{{"auths":{{"{registry}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
}

/// Runs `plummet ci --json - docker://…` with HOME and XDG_RUNTIME_DIR under `home` (when
/// `runtime` is true), no other credential settings inherited, and `extra` env set; returns the
/// exit code and everything printed.
fn plummet(b: &Basic, home: &Path, runtime: bool, extra: &[(&str, &Path)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plummet"));
    command
        .args(["ci", "--json", "-"])
        .arg(format!("docker://{}/{REPO}:v1", b.registry))
        .env("HOME", home)
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DOCKER_CONFIG")
        .env_remove("RUST_LOG");
    if runtime {
        command.env("XDG_RUNTIME_DIR", home.join("run"));
    }
    for (name, value) in extra {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!text.contains(&b.password), "the password was printed");
    (output.status.code().unwrap_or(-1), text)
}

fn assert_pulled((code, text): (i32, String)) {
    assert!(
        text.contains("\"schema_version\""),
        "no JSON report (exit {code}): {text}"
    );
}

fn assert_wrong((code, text): (i32, String), user: &str) {
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("authentication failed for") && text.contains(user),
        "{text}"
    );
}

#[test]
fn podman_and_docker_files_in_containers_auth_json_order() {
    let Some(b) = basic() else { return };
    let (reg, user, pw) = (&b.registry, &b.user, &b.password);
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let runtime = h.join("run/containers/auth.json");
    let config = h.join(".config/containers/auth.json");
    let docker = h.join(".docker/config.json");
    let given = h.join("given.json");

    // Nothing saved.
    let (code, text) = plummet(b, h, true, &[]);
    assert_ne!(code, 0);
    assert!(text.contains("requires credentials"), "{text}");

    // Each location alone is found.
    write_auth(&docker, reg, user, pw);
    assert_pulled(plummet(b, h, true, &[]));
    write_auth(&config, reg, user, pw);
    assert_pulled(plummet(b, h, true, &[]));
    write_auth(&runtime, reg, user, pw);
    assert_pulled(plummet(b, h, true, &[]));

    // Order: the runtime file wins over the config-home and docker files.
    write_auth(&runtime, reg, "refs14-runtime-user", "wrong-1");
    assert_wrong(plummet(b, h, true, &[]), "refs14-runtime-user");
    // Without XDG_RUNTIME_DIR that file is not read (/run/containers/$UID is), so
    // ~/.config/containers/auth.json answers.
    assert_pulled(plummet(b, h, false, &[]));
    // ~/.config wins over ~/.docker.
    write_auth(&config, reg, "refs14-config-user", "wrong-2");
    assert_wrong(plummet(b, h, false, &[]), "refs14-config-user");
    // REGISTRY_AUTH_FILE comes first of all.
    write_auth(&given, reg, user, pw);
    assert_pulled(plummet(b, h, true, &[("REGISTRY_AUTH_FILE", &given)]));
    // XDG_CONFIG_HOME moves the config-home file.
    let moved = h.join("elsewhere");
    write_auth(&moved.join("containers/auth.json"), reg, user, pw);
    assert_pulled(plummet(b, h, false, &[("XDG_CONFIG_HOME", &moved)]));
}
