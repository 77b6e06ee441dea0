//! Helpers shared by the live Docker daemon tests: the harness's variables and the docker CLI.

use std::process::Command;

#[path = "../harness/env.rs"]
mod harness_env;

/// A harness variable, or `None` after a loud skip notice (a failure when CI=true).
pub fn harness(name: &str) -> Option<String> {
    harness_env::present("live test", &[name])
        .then(|| harness_env::var(name))
        .flatten()
}

/// Runs `cmd`, fails the test with its stderr when it fails, returns its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The docker CLI against the harness's daemon, with the classic builder (real whiteouts in
/// RUN layers, no BuildKit daemon needed).
pub fn docker(host: &str) -> Command {
    let mut c = Command::new("docker");
    c.env("DOCKER_HOST", host).env("DOCKER_BUILDKIT", "0");
    c
}

/// Builds the context `ctx` (its Dockerfile) as `tag` in the harness's daemon, then reads it back
/// through the daemon source with what the analysis asks of the indexer (the capture rule and
/// content fingerprints), as `plummet ci docker-daemon:TAG` does.
#[allow(
    dead_code,
    reason = "only the live tests that analyze a build of their own use it"
)]
pub fn build_and_load(host: &str, ctx: &std::path::Path, tag: &str) -> plummet::image::Image {
    run(docker(host)
        .args(["build", "--network", "none", "-q", "-t", tag])
        .arg(ctx));
    let mut options = plummet::source::LoadOptions {
        host: Some(host.to_string()),
        ..plummet::source::LoadOptions::default()
    };
    options.index.capture = plummet::analysis::CAPTURE;
    options.index.content_digests = true;
    plummet::source::daemon::load(
        plummet::source::daemon::Engine::Docker,
        tag,
        &options,
        &plummet::image::Progress::default(),
    )
    .unwrap()
}

/// The podman CLI on the harness's storage (its containers.conf and storage.conf).
#[allow(
    dead_code,
    reason = "only some of the live tests that include this use Podman"
)]
pub fn podman() -> Command {
    let mut podman = Command::new("podman");
    for (var, to) in [
        ("PLUMMET_TEST_PODMAN_CONTAINERS_CONF", "CONTAINERS_CONF"),
        (
            "PLUMMET_TEST_PODMAN_STORAGE_CONF",
            "CONTAINERS_STORAGE_CONF",
        ),
    ] {
        if let Ok(v) = std::env::var(var) {
            podman.env(to, v);
        }
    }
    podman
}
